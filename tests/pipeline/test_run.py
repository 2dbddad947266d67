"""A run builds, checks and publishes in dependency order; the gate holds bad data back."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from tests.helpers import edit

CUSTOMERS_CSV = "data/sales/customers.csv"


def statuses(result) -> dict[str, PortStatus]:  # type: ignore[no-untyped-def]
    return {o.table_id: o.status for o in result.outcomes}


def test_run_publishes_every_product_in_dependency_order(andmesh: Andmesh, three_products: Path) -> None:
    result = andmesh.run(three_products)
    order = [o.table_id for o in result.outcomes]
    assert order.index("sales.customers") < order.index("sales.segments")
    assert set(statuses(result).values()) == {PortStatus.published}
    assert result.exit_code == 0
    segments = andmesh.read("sales.segments")
    # 3 real customers in 3 segments; the TEST account is filtered by the pipeline.
    assert sorted(segments.column("segment").to_pylist()) == ["enterprise", "mid_market", "small_business"]
    assert pc.sum(segments.column("customers")).as_py() == 3
    assert segments.schema.field("customers").type == "int64"  # conformed from DuckDB's count


def test_second_run_with_same_inputs_is_idempotent(andmesh: Andmesh, three_products: Path) -> None:
    first = andmesh.run(three_products)
    second = andmesh.run(three_products)
    assert set(statuses(second).values()) == {PortStatus.up_to_date}
    for before, after in zip(first.outcomes, second.outcomes, strict=True):
        assert before.version == after.version == 1
    assert [v.version for v in andmesh.warehouse.versions("sales.customers")] == [1]
    forced = andmesh.run(three_products, force=True)
    assert set(statuses(forced).values()) == {PortStatus.published}
    assert andmesh.read("sales.customers", version=1).equals(andmesh.read("sales.customers", version=2))


def test_gate_holds_back_bad_data_and_the_rest_goes_on(andmesh: Andmesh, three_products: Path) -> None:
    andmesh.run(three_products)
    good = andmesh.read("sales.customers")
    csv = three_products / CUSTOMERS_CSV
    # A duplicate key and a segment outside the accepted values.
    csv.write_text(
        csv.read_text()
        + "C001,Acme Again,x@acme.example,enterprise,1,2021-01-01\nC009,Umbrella,,retail,1,2021-01-01\n"
    )
    (three_products / "data/finance/rates.csv").write_text("currency,rate\nEUR,1.0\nUSD,0.93\n")
    result = andmesh.run(three_products)
    state = statuses(result)
    assert state == {
        "sales.customers": PortStatus.blocked,
        "sales.segments": PortStatus.skipped,
        "finance.rates": PortStatus.published,
    }
    assert result.exit_code == 1
    blocked = next(o for o in result.outcomes if o.table_id == "sales.customers")
    assert blocked.checks is not None
    failing = {c.id: c for c in blocked.checks.blocking}
    assert failing["customers.customer_id.unique"].measured == 2
    assert failing["customers.segment.quality[0].invalidValues"].measured == 1
    assert failing["customers.segment.quality[0].invalidValues"].samples[0]["segment"] == "retail"
    # Consumers keep the last good version, untouched.
    assert andmesh.warehouse.current("sales.customers").version == 1  # type: ignore[union-attr]
    assert andmesh.read("sales.customers").equals(good)
    incidents = andmesh.store.incidents(product_id="sales.customers")
    assert incidents[-1]["kind"] == "contract_violation"
    checks = {f["check"]: f for f in incidents[-1]["details"]["failures"]}
    assert checks["customers.customer_id.unique"]["measured"] == 2
    # PII is masked in samples kept with the incident.
    name_sample = failing["customers.customer_id.unique"].samples
    assert all(
        "customer_name" not in row or str(row["customer_name"]).startswith("masked:") for row in name_sample
    )


def test_missing_column_fails_its_checks_without_crashing(andmesh: Andmesh, mesh_dir: Path) -> None:
    edit(mesh_dir / "domains/sales/products/customers/customers.sql", "    segment,\n", "")
    result = andmesh.run(mesh_dir)
    outcome = result.outcomes[0]
    assert outcome.status == PortStatus.blocked
    assert outcome.checks is not None
    by_id = {c.id: c for c in outcome.checks.checks}
    assert by_id["customers.segment.present"].status == "failed"
    assert by_id["customers.segment.required"].status == "error"
    assert "missing" in by_id["customers.segment.required"].message
    assert andmesh.warehouse.current("sales.customers") is None


def test_type_mismatch_blocks(andmesh: Andmesh, mesh_dir: Path) -> None:
    edit(
        mesh_dir / "domains/sales/products/customers/customers.sql", "cast(credit_limit as double)", "'many'"
    )
    result = andmesh.run(mesh_dir)
    checks = {c.id: c for c in result.outcomes[0].checks.checks}  # type: ignore[union-attr]
    assert checks["customers.credit_limit.type"].status == "failed"
    assert checks["customers.credit_limit.type"].measured == "string"
    assert checks["customers.credit_limit.minimum"].status == "error"


def test_select_without_and_with_upstream(andmesh: Andmesh, three_products: Path) -> None:
    only = andmesh.run(three_products, select=["sales.segments"])
    assert statuses(only) == {"sales.segments": PortStatus.failed}
    assert "has no published version" in only.outcomes[0].message
    assert only.exit_code == 2
    with_upstream = andmesh.run(three_products, select=["+sales.segments"])
    assert statuses(with_upstream) == {
        "sales.customers": PortStatus.published,
        "sales.segments": PortStatus.published,
    }
    domain = andmesh.run(three_products, select=["finance"])
    assert list(statuses(domain)) == ["finance.rates"]


def test_a_failing_pipeline_is_reported_and_recorded(andmesh: Andmesh, mesh_dir: Path) -> None:
    edit(
        mesh_dir / "domains/sales/products/customers/customers.sql",
        "trim(customer_name)",
        "trim(no_such_column)",
    )
    result = andmesh.run(mesh_dir)
    assert result.outcomes[0].status == PortStatus.failed
    assert "no_such_column" in result.outcomes[0].message
    assert result.exit_code == 2
    assert andmesh.store.incidents(product_id="sales.customers")[-1]["kind"] == "build_failed"


def test_a_cycle_between_products_is_a_lint_error(three_products: Path) -> None:
    from andmesh.spec import lint_mesh

    edit(
        three_products / "domains/sales/products/customers/product.yaml",
        "outputPorts:",
        "inputPorts:\n  - name: segments\n    version: 1.0.0\n    contractId: sales.segments\noutputPorts:",
    )
    report = lint_mesh(three_products)
    cycle = next(p for p in report.errors if p.code == "cycle")
    assert "sales.customers → sales.segments → sales.customers" in cycle.message


def test_status_before_any_run(andmesh: Andmesh) -> None:
    report = andmesh.status()
    assert report.ports == [] and report.last_run is None
    assert not andmesh.workspace.root.exists()


def test_a_published_product_costs_the_store_two_commits(andmesh: Andmesh, three_products: Path) -> None:
    """Its "building" record, then its checks, contract and outcome in one transaction."""
    import sqlalchemy as sa

    andmesh.run(three_products)  # the store and catalog exist: what follows is the steady state
    commits: list[int] = []
    sa.event.listen(andmesh.store.engine, "commit", lambda _c: commits.append(1))
    result = andmesh.run(three_products, force=True)
    published = [o for o in result.outcomes if o.status == PortStatus.published]
    assert len(published) == 3
    # the run's start and finish, its policy results, the audit anchor; two per product
    assert len(commits) == 4 + 2 * len(published)
    rows = andmesh.store.product_runs(run_id=result.run_id)
    assert {r["status"] for r in rows} == {"published"}
    assert all(andmesh.store.check_results(result.run_id, r["table_id"]) for r in rows)
    assert all(andmesh.store.published_contract(o.table_id, 2) for o in published)
