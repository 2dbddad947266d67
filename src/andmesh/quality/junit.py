"""A check run as JUnit XML, for CI systems that show test reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from andmesh.quality.results import CheckRun, CheckStatus, ContractRun


def to_junit(result: ContractRun) -> str:
    """One ``<testsuite>`` per table, one ``<testcase>`` per check.

    Blocking failures are ``<failure>``, checks that could not be evaluated ``<error>``,
    skipped checks ``<skipped>``; warnings pass, with their message as system-out.
    """
    suites = ET.Element("testsuites", name=result.contract_id)
    for run in result.runs:
        suites.append(_suite(run))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _suite(run: CheckRun) -> ET.Element:
    counts = run.counts()
    suite = ET.Element(
        "testsuite",
        name=f"{run.contract_id} on {run.table}",
        tests=str(len(run.checks)),
        failures=str(counts["failed"]),
        errors=str(counts["error"]),
        skipped=str(counts["skipped"]),
        time=f"{run.seconds:.3f}",
        timestamp=run.started_at.isoformat(),
    )
    for check in run.checks:
        case = ET.SubElement(suite, "testcase", classname=run.contract_id, name=check.id)
        detail = f"measured {check.measured!r}; contract asks {check.threshold!r}"
        if check.status == CheckStatus.failed:
            node = ET.SubElement(case, "failure", message=check.message, type=check.kind)
            node.text = detail + (f"\nquery: {check.query}" if check.query else "")
        elif check.status == CheckStatus.error:
            ET.SubElement(case, "error", message=check.message, type=check.kind)
        elif check.status == CheckStatus.skipped:
            ET.SubElement(case, "skipped", message=check.message)
        elif check.status == CheckStatus.warning:
            ET.SubElement(case, "system-out").text = f"warning: {check.message} ({detail})"
    return suite
