"""The Procure-to-Pay mesh at 300 vendors: linted, run, its gaps and its vendor resolution.

One generation and one run (module fixture) serve every test: about 10 s in all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from andmesh.facade import Andmesh
from andmesh.generate import generate_procure_to_pay
from andmesh.pipeline import PortStatus
from andmesh.pipeline.results import RunResult
from andmesh.spec import lint_mesh
from andmesh.workspace import Workspace

MESH = Path(__file__).resolve().parents[2] / "examples" / "procure_to_pay"
# Measured on this data (300 vendors, seed 7): pairwise P = R = 1.000, B-cubed F1 = 1.000
# (P 0.99992 / R 0.99998, B-cubed F1 0.99984 at 5,000 vendors). The bar leaves room for a changed model or
# comparison to move a handful of pairs, not for a lost source or a merged pair of vendors:
# one wrongly merged vendor pair costs ~0.5% precision here, one vendor's invoices split
# off its other records ~0.3% recall.
PAIRWISE_BAR = 0.99


@pytest.fixture(scope="module")
def p2p(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Andmesh, RunResult]:
    root = tmp_path_factory.mktemp("p2p")
    data = root / "data"
    generate_procure_to_pay(data, vendors=300, seed=7)
    facade = Andmesh(Workspace.resolve(root / "ws"))
    return data, facade, facade.run(MESH, data=data)


def test_lint_is_clean() -> None:
    report = lint_mesh(MESH)
    assert report.ok, [p.format() for p in report.errors]
    assert report.mesh is not None
    assert sorted(report.mesh.domains) == [
        "accounts_payable",
        "enterprise",
        "procurement",
        "receiving",
        "supplier_management",
        "treasury",
    ]


@pytest.mark.slow
def test_run_publishes_every_product_with_passing_checks(p2p: tuple[Path, Andmesh, RunResult]) -> None:
    data, facade, result = p2p
    problems = {o.table_id: o.message for o in result.outcomes if o.status != PortStatus.published}
    assert not problems, problems
    assert result.exit_code == 0
    assert len(result.outcomes) == len(facade.mesh(MESH).ports()) == 16
    for outcome in result.outcomes:
        assert outcome.checks is not None
        counts = outcome.checks.counts()
        assert counts["failed"] == 0 and counts["error"] == 0, (outcome.table_id, outcome.checks.blocking)
    rows = {o.table_id: o.rows for o in result.outcomes}
    manifest = yaml.safe_load((data / "truth/manifest.yaml").read_text())["tables"]
    # the repairs drop exactly the planted defects, nothing else
    defects = {
        d["table"]: d["count"] for d in yaml.safe_load((data / "truth/defects.yaml").read_text())["defects"]
    }
    assert rows["procurement.po_lines"] == manifest["procurement/po_lines"]["rows"] - defects["po_lines"]
    assert rows["treasury.payments"] == manifest["treasury/payments"]["rows"] - defects["payments"]
    assert rows["enterprise.vendor_master"] == 300
    assert rows["enterprise.vendor_profile"] == 300
    # the served supplier risk, one row per enterprise vendor (vendors without a delivery have no value)
    assert rows["enterprise.vendor_scores"] == 300


@pytest.mark.slow
def test_gaps_are_exactly_the_planted_ones(p2p: tuple[Path, Andmesh, RunResult]) -> None:
    data, facade, _ = p2p
    report = facade.gaps(path=MESH)
    planted = yaml.safe_load((data / "truth/gaps.yaml").read_text())["gaps"]
    expected = {
        "receiving/goods_receipts/received_date": "receiving.goods_receipts.received_date",
        "accounts_payable/vendor_invoices/po_id": "accounts_payable.vendor_invoices.po_id",
    }
    assert {f"{g['domain']}/{g['table']}/{g['column']}" for g in planted} == set(expected)
    assert {g.requirement for g in report.gaps} == set(expected.values())
    assert {g.requirement for g in report.committed_gaps} == set(expected.values())
    by_id = {r.id: r for r in report.requirements}
    for gap in planted:
        status = by_id[expected[f"{gap['domain']}/{gap['table']}/{gap['column']}"]]
        assert status.level == "promised"  # the contract does not promise completeness either
        assert status.captured.met
        assert status.coverage == pytest.approx(100 * (1 - gap["rate"]), abs=0.01)
    met = [r.id for r in report.requirements if not r.gap]
    assert len(met) == len(report.requirements) - 2 >= 5


@pytest.mark.slow
def test_vendor_resolution_against_truth(p2p: tuple[Path, Andmesh, RunResult]) -> None:
    data, facade, _ = p2p
    report = facade.entities().accuracy("vendor", data / "truth", path=MESH)
    assert (
        report.records
        == yaml.safe_load((data / "truth/manifest.yaml").read_text())["tables"]["truth/record_map"]["rows"]
    )
    assert report.pairwise.precision >= PAIRWISE_BAR
    assert report.pairwise.recall >= PAIRWISE_BAR
    assert report.clusters.bcubed_f1 >= PAIRWISE_BAR
    assert set(report.by_source) == {
        "accounts_payable.vendor_invoices",
        "procurement.vendors",
        "supplier_management.supplier_files",
        "treasury.payee_accounts",
    }


# The vendor treatment's tier of each band (enterprise/treatments.yaml); no band: the default.
TIER_OF_BAND = {"low": "preferred", "elevated": "watch", "high": "critical", "moderate": "standard"}


@pytest.mark.slow
def test_vendor_scores_serve_the_run_the_treatment_reads(p2p: tuple[Path, Andmesh, RunResult]) -> None:
    """The mesh run publishes the served supplier risk as enterprise.vendor_scores, and `andmesh treat`
    tiers every vendor from that same run: one row per enterprise vendor, its band, its tier."""
    from andmesh.enterprise.scores.treatments import TreatmentService

    _, facade, _ = p2p
    published = facade.read("enterprise.vendor_scores").to_pylist()
    master = facade.read("enterprise.vendor_master").column("entity_id").to_pylist()
    assert sorted(r["entity_id"] for r in published) == sorted(master)
    assert {(r["score"], r["version"], r["method"]) for r in published} == {
        ("supplier_risk", "1.0.0", "weighted_components")
    }
    [run_id] = {r["run_id"] for r in published}
    service = facade.scores(MESH)
    run, _ = service.output("supplier_risk")
    assert run.id == run_id and run.role == "served"  # the build recorded the run it published
    scored = [r for r in published if r["value"] is not None]
    assert 0.7 * len(published) < len(scored) < len(published)
    assert all(r["band"] and r["top_reasons"].startswith("SR_") for r in scored)
    treatments = TreatmentService(service)
    tiers = treatments.tiers({"supplier_risk": "1.0.0"})
    assert {r["entity_id"]: TIER_OF_BAND.get(r["band"] or "", "standard") for r in published} == tiers
    report = treatments.consistency()
    assert report.consistent and report.customers == len(published)
    assert (report.entity, report.entity_plural) == ("vendor", "vendors")


@pytest.mark.slow
def test_consistent_supplier_treatment_is_a_use_case_with_its_kpis_and_requirements(
    p2p: tuple[Path, Andmesh, RunResult],
) -> None:
    _, facade, _ = p2p
    [case] = [u for u in facade.use_cases(MESH).use_cases if u.name == "treat_suppliers_consistently"]
    assert case.kpis == ["early_payment_discount_capture", "on_time_payment_rate", "three_way_match_rate"]
    assert set(case.requirements) == {
        "treasury.payments.days_after_due",
        "supplier_management.supplier_files.risk_rating",
        "accounts_payable.invoice_matches.match_status",
    }
    gaps = facade.gaps(path=MESH)
    mine = [r for r in gaps.requirements if "treat_suppliers_consistently" in r.use_cases]
    assert {r.id for r in mine} == set(case.requirements) and not any(r.gap for r in mine)
    kpis = {k.name: k for k in facade.kpis(path=MESH)}
    assert kpis["on_time_payment_rate"].status == "computed" and kpis["on_time_payment_rate"].rows
