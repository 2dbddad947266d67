"""Gap analysis measured on published data: planted gaps found, compliant mesh empty, fixes close gaps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.enterprise.gaps import GapReport
from andmesh.facade import Andmesh
from andmesh.workspace import Workspace
from tests.helpers import edit

MESH = Path("examples/order_to_cash")
PLANTED = {
    # requirement: (owner, measured coverage range in %)
    "order_management.orders.requested_delivery_date": ("alice", (35, 55)),
    "shipping.shipments.pod_signed_at": ("diego", (10, 30)),
    "accounts_receivable.open_items.dispute_reason": ("fatima", (10, 35)),
    "payments_collection.payments.remittance_invoice_id": ("grace", (80, 95)),
}
# Asked for with `newAttribute: true`: no contract declares it, no data has it.
NOT_CAPTURED = {"accounts_receivable.open_items.dispute_resolved_at": "fatima"}
MET = [
    "customer_invoicing.invoices.due_date",
    "accounts_receivable.open_items.open_amount",
    "order_management.orders.channel",
    "shipping.shipments.promised_date",
    # one requirement stating two attributes
    "payments_collection.payments.received_at",
    "payments_collection.payments.amount",
]


@pytest.fixture(scope="module")
def report(o2c: Andmesh) -> GapReport:
    return o2c.gaps()


def test_planted_gaps_found_at_their_level(report: GapReport) -> None:
    statuses = {s.id: s for s in report.requirements}
    assert {g.requirement for g in report.gaps} == set(PLANTED) | set(NOT_CAPTURED)
    for rid, (owner, (low, high)) in PLANTED.items():
        status = statuses[rid]
        # The contract declares the column but does not promise the standard; the data
        # has the column, but far below the required completeness.
        assert (status.promised.met, status.captured.met, status.fit.met) == (False, True, False), rid
        assert status.level == "promised"
        assert status.owner == owner
        assert status.coverage is not None and low <= status.coverage <= high, (rid, status.coverage)
        assert "completeness" in status.fit.message
    gap = next(g for g in report.gaps if g.requirement == "shipping.shipments.pod_signed_at")
    assert gap.blocks_use_cases == ["improve_otif", "reduce_dso"]
    assert {"otif", "dso"} <= set(gap.blocks_kpis)
    reason = statuses["accounts_receivable.open_items.dispute_reason"]
    assert "values not accepted" in reason.fit.message  # free text, not a coded reason
    for rid, owner in NOT_CAPTURED.items():
        status = statuses[rid]
        assert (status.promised.met, status.captured.met, status.fit.met) == (False, False, False)
        assert status.owner == owner and status.coverage is None
        assert "has no column `dispute_resolved_at`" in status.captured.message
    resolution = next(g for g in report.gaps if g.requirement in NOT_CAPTURED)
    assert resolution.blocks_kpis == ["dispute_resolution_days", "dso", "unapplied_cash_share"]


def test_met_requirements_have_no_gap(report: GapReport) -> None:
    statuses = {s.id: s for s in report.requirements}
    for rid in MET:
        assert not statuses[rid].gap, statuses[rid]
        assert statuses[rid].coverage == 100.0


def test_rollups(report: GapReport) -> None:
    by_domain = {r.key: r for r in report.by_domain}
    assert by_domain["shipping"].requirements == 2 and by_domain["shipping"].gaps == 1
    assert by_domain["customer_invoicing"].gaps == 0
    by_use_case = {r.key: r for r in report.by_use_case}
    assert by_use_case["reduce_dso"].gaps == 4
    assert by_use_case["reduce_dso"].by_level == {"promised": 4, "captured": 1, "fit": 4}
    handoffs = {r.key: r for r in report.by_handoff}
    assert handoffs["order_to_cash:shipping→invoicing"].gap_ids == ["shipping.shipments.pod_signed_at"]
    stages = {r.key: r for r in report.by_stage}
    assert stages["order_to_cash.collection"].gaps == 1


def test_one_use_case(o2c: Andmesh) -> None:
    report = o2c.gaps("improve_otif")
    assert {g.requirement for g in report.gaps} == {
        "order_management.orders.requested_delivery_date",
        "shipping.shipments.pod_signed_at",
    }


def test_cli(o2c: Andmesh) -> None:
    runner = CliRunner()
    ws = str(o2c.workspace.root)
    result = runner.invoke(app, ["-w", ws, "gaps", "--json"])
    # accepted requirements with gaps: a broken commitment, exit 1
    assert result.exit_code == 1, result.output
    assert len(json.loads(result.stdout)["gaps"]) == 5
    result = runner.invoke(app, ["-w", ws, "gaps", "--use-case", "treat_valuable_customers_consistently"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["-w", ws, "gaps", "--use-case", "reduce_ds"])
    assert result.exit_code == 2 and "did you mean `reduce_dso`?" in result.output
    result = runner.invoke(app, ["-w", ws, "usecases", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["use_cases"][0]["name"] == "improve_otif"


def test_compliant_mesh_has_no_gap(enterprise_mesh: Path, workspace: Workspace) -> None:
    facade = Andmesh(workspace)
    facade.run(enterprise_mesh, data=enterprise_mesh / "data")
    report = facade.gaps()
    assert [s.id for s in report.requirements] == ["sales.customers.segment"]
    assert report.gaps == []
    assert report.requirements[0].coverage == 100.0


NEW_REQUIREMENT = """\
apiVersion: andmesh/v1
kind: Requirement
entity: customer
domain: sales
product: sales.customers
attribute: region
newAttribute: true
standard:
  completeness: 100
  acceptedValues: [north, south]
useCases: [grow_segments]
status: accepted
"""


def test_fixing_a_gap_closes_it(enterprise_mesh: Path, workspace: Workspace) -> None:
    (enterprise_mesh / "enterprise" / "requirements" / "region.yaml").write_text(NEW_REQUIREMENT)
    facade = Andmesh(workspace)
    facade.run(enterprise_mesh, data=enterprise_mesh / "data")
    (gap,) = facade.gaps().gaps
    assert (gap.requirement, gap.level, gap.owner) == ("sales.customers.region", "promised", "owner")
    status = facade.gaps().requirements[0]
    assert not status.captured.met and "no column `region`" in status.captured.message

    # the domain adds the column to its pipeline and promises it in its contract
    product = enterprise_mesh / "domains/sales/products/customers"
    edit(product / "customers.sql", "    segment,\n", "    segment,\n    'north' as region,\n")
    edit(
        product / "contract.yaml",
        "      - name: credit_limit",
        "      - name: region\n        logicalType: string\n        required: true\n"
        "        quality:\n          - metric: invalidValues\n            arguments:\n"
        "              validValues: [north, south]\n            mustBe: 0\n      - name: credit_limit",
    )
    facade.run(enterprise_mesh, data=enterprise_mesh / "data")
    report = facade.gaps()
    assert report.gaps == []
    region = next(s for s in report.requirements if s.id == "sales.customers.region")
    assert region.promised.met and region.captured.met and region.fit.met


def test_kpis_are_not_computed_through_a_gap(o2c: Andmesh) -> None:
    """OTIF needs the requested delivery date, which order management captures badly."""
    results = {r.name: r for r in o2c.kpis(["dso", "otif", "credit_hold_rate"])}
    assert results["otif"].status == "not_computable"
    assert "order_management.orders.requested_delivery_date" in (results["otif"].reason or "")
    assert not results["otif"].rows
    assert results["dso"].status == "computed" and results["dso"].rows
    assert all(
        0 <= r["credit_hold_rate"] <= 1
        for r in results["credit_hold_rate"].rows
        if r["credit_hold_rate"] is not None
    )


def test_kpis_cli(o2c: Andmesh) -> None:
    from typer.testing import CliRunner

    from andmesh.cli.app import app

    result = CliRunner().invoke(
        app, ["--workspace", str(o2c.workspace.root), "kpis", "dso", "otif", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0
    statuses = {r["name"]: r["status"] for r in json.loads(result.stdout)}
    assert statuses == {"dso": "computed", "otif": "not_computable"}
