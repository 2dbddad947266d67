"""Economics of data: cost per version, value attribution and ROI, checked against hand-computed figures.

The fixture mesh (``value_mesh``), built on the ``andmesh init`` mesh:

```
sales.customers ──► sales.segments                 grow_segments   120,000 EUR/year
       │                                             requirement on customers, dataSources {segments: 3}
       └──────────► finance.exposure ◄── finance.rates
                                                     manage_exposure  10,000 EUR/month
finance.ledger (read by nobody: an orphan)           requirement on exposure
```

By hand, with half of what an asset receives passed upstream (the default):

- grow_segments weights: segments 3 / (3 + 1) = 0.75, customers (unrated, counts 1) 0.25
  → segments 90,000, customers 30,000 given directly.
- manage_exposure: exposure alone → 120,000 given directly.
- segments keeps 45,000, passes 45,000 to customers; exposure keeps 60,000, passes
  30,000 to customers and 30,000 to rates.
- customers keeps 30,000 + 45,000 + 30,000 = 105,000 (75,000 from grow_segments,
  30,000 from manage_exposure: reuse factor 105 / 75 = 1.4); rates keeps 30,000.
- Σ = 45,000 + 60,000 + 105,000 + 30,000 = 240,000 = 120,000 + 12 × 10,000.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from andmesh.facade import Andmesh
from andmesh.governance.economics import (
    GB,
    UnitCosts,
    annual_cost,
    attribution_weights,
    build_cost,
    cost_avoided_by_reuse,
    input_versions_at,
    propagate_upstream,
    reuse_factor,
    roi,
    version_cost,
)
from andmesh.governance.value_service import ValueReport, unit_costs_of, value_report
from andmesh.spec import load_mesh
from andmesh.storage.warehouse import PortVersion
from andmesh.store.ledger import Ledger

SEGMENTS_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: sales.segments
name: segments
domain: sales
status: active
team:
  - {username: owner, role: owner}
inputPorts:
  - {name: customers, version: 1.0.0, contractId: sales.customers}
outputPorts:
  - {name: segments, version: 1.0.0, contractId: sales.segments}
customProperties:
  - {property: pipeline, value: segments.sql}
"""

SEGMENTS_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: sales.segments
name: segments
version: 1.0.0
status: active
schema:
  - name: segments
    properties:
      - {name: segment, logicalType: string, primaryKey: true, required: true}
      - {name: customers, logicalType: integer}
"""

FINANCE_DOMAIN = """\
apiVersion: andmesh/v1
kind: Domain
name: finance
owner: fin
team:
  - {username: fin, role: owner}
"""


def _source_product(name: str) -> str:
    return f"""\
apiVersion: v1.0.0
kind: DataProduct
id: finance.{name}
name: {name}
domain: finance
status: active
team:
  - {{username: fin, role: owner}}
outputPorts:
  - {{name: {name}, version: 1.0.0, contractId: finance.{name}}}
customProperties:
  - {{property: pipeline, value: {name}.sql}}
  - property: sources
    value:
      - {{name: raw_{name}, path: finance/{name}.csv, format: csv}}
"""


RATES_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: finance.rates
name: rates
version: 1.0.0
status: active
schema:
  - name: rates
    properties:
      - {name: currency, logicalType: string, required: true, unique: true}
      - {name: rate, logicalType: number}
"""

LEDGER_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: finance.ledger
name: ledger
version: 1.0.0
status: active
schema:
  - name: ledger
    properties:
      - {name: entry_id, logicalType: string, required: true}
      - {name: amount, logicalType: number}
"""

EXPOSURE_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: finance.exposure
name: exposure
domain: finance
status: active
team:
  - {username: fin, role: owner}
inputPorts:
  - {name: customers, version: 1.0.0, contractId: sales.customers}
  - {name: rates, version: 1.0.0, contractId: finance.rates}
outputPorts:
  - {name: exposure, version: 1.0.0, contractId: finance.exposure}
customProperties:
  - {property: pipeline, value: exposure.sql}
"""

EXPOSURE_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: finance.exposure
name: exposure
version: 1.0.0
status: active
schema:
  - name: exposure
    properties:
      - {name: customer_id, logicalType: string, required: true}
      - {name: exposure_eur, logicalType: number}
"""

GROW_SEGMENTS = """\
apiVersion: andmesh/v1
kind: UseCase
name: grow_segments
businessInitiative: Grow the right customer segments.
hypothesis: If every customer has a segment, campaigns target better.
value: {financial: {score: 4}}
feasibility: {data: {score: 4}}
valueEstimate: {amount: 120000, currency: EUR, per: year}
dataSources: {sales.segments: 3}
requirements:
  - entity: customer
    domain: sales
    product: sales.customers
    attribute: segment
    standard: {completeness: 100}
"""

MANAGE_EXPOSURE = """\
apiVersion: andmesh/v1
kind: UseCase
name: manage_exposure
businessInitiative: Know what every customer owes us, in euros.
hypothesis: If exposure is known per customer, credit limits are set right.
value: {financial: {score: 5}}
feasibility: {data: {score: 3}}
valueEstimate: {amount: 10000, currency: EUR, per: month}
requirements:
  - entity: customer
    domain: finance
    product: finance.exposure
    attribute: exposure_eur
    standard: {completeness: 100}
"""


def write_value_mesh(mesh_dir: Path) -> Path:
    """The ``andmesh init`` mesh grown into the five products and two use cases drawn above."""
    segments = mesh_dir / "domains/sales/products/segments"
    segments.mkdir(parents=True)
    (segments / "product.yaml").write_text(SEGMENTS_PRODUCT)
    (segments / "contract.yaml").write_text(SEGMENTS_CONTRACT)
    (segments / "segments.sql").write_text(
        "select segment, count(*) as customers from customers group by segment\n"
    )
    finance = mesh_dir / "domains/finance"
    finance.mkdir(parents=True)
    (finance / "domain.yaml").write_text(FINANCE_DOMAIN)
    for name, contract, sql in (
        ("rates", RATES_CONTRACT, "select currency, cast(rate as double) as rate from raw_rates\n"),
        ("ledger", LEDGER_CONTRACT, "select entry_id, cast(amount as double) as amount from raw_ledger\n"),
    ):
        folder = finance / "products" / name
        folder.mkdir(parents=True)
        (folder / "product.yaml").write_text(_source_product(name))
        (folder / "contract.yaml").write_text(contract)
        (folder / f"{name}.sql").write_text(sql)
    exposure = finance / "products/exposure"
    exposure.mkdir(parents=True)
    (exposure / "product.yaml").write_text(EXPOSURE_PRODUCT)
    (exposure / "contract.yaml").write_text(EXPOSURE_CONTRACT)
    (exposure / "exposure.sql").write_text(
        "select c.customer_id, c.credit_limit * r.rate as exposure_eur\n"
        "from customers c cross join rates r where r.currency = 'EUR'\n"
    )
    (mesh_dir / "data/finance").mkdir(parents=True)
    (mesh_dir / "data/finance/rates.csv").write_text("currency,rate\nEUR,1.0\nUSD,0.92\n")
    (mesh_dir / "data/finance/ledger.csv").write_text("entry_id,amount\nL1,10.5\nL2,-3\n")
    use_cases = mesh_dir / "enterprise/use_cases"
    use_cases.mkdir(parents=True)
    (use_cases / "grow_segments.yaml").write_text(GROW_SEGMENTS)
    (use_cases / "manage_exposure.yaml").write_text(MANAGE_EXPOSURE)
    return mesh_dir


@pytest.fixture
def value_mesh(mesh_dir: Path) -> Path:
    return write_value_mesh(mesh_dir)


@pytest.fixture
def ran(value_mesh: Path, andmesh: Andmesh) -> Andmesh:
    result = andmesh.run(value_mesh)
    assert result.exit_code == 0, [o.message for o in result.outcomes]
    return andmesh


# Only the fixed cost counts: every published asset costs exactly 1,000 EUR a year.
FIXED = UnitCosts(computeSecond=0, gbMonthStored=0, gbScanned=0, productYear=1000)


def _report(andmesh: Andmesh, mesh: Path, costs: UnitCosts = FIXED) -> ValueReport:
    return value_report(andmesh.mesh(mesh), andmesh.store, andmesh.warehouse, costs)


# --- attribution ---------------------------------------------------------------------------


def test_attribution_matches_the_hand_computed_figures(ran: Andmesh, value_mesh: Path) -> None:
    report = _report(ran, value_mesh)
    value = {a.asset: a.value for a in report.assets}
    assert value == {
        "sales.customers": 105_000.0,
        "sales.segments": 45_000.0,
        "finance.exposure": 60_000.0,
        "finance.rates": 30_000.0,
        "finance.ledger": 0.0,
    }
    assets = {a.asset: a for a in report.assets}
    assert assets["sales.customers"].value_by_use_case == {
        "grow_segments": 75_000.0,
        "manage_exposure": 30_000.0,
    }
    assert assets["sales.customers"].direct_value == 30_000.0
    assert assets["sales.segments"].direct_value == 90_000.0
    assert assets["sales.customers"].reuse_factor == 1.4
    assert assets["finance.rates"].reuse_factor == 1.0
    # Value is conserved: what the use cases are worth is what the assets are given.
    assert report.total_value == 240_000.0 == sum(u.value or 0 for u in report.use_cases)
    weighting = {u.name: (u.weighting, u.weights) for u in report.use_cases}
    assert weighting["grow_segments"] == (
        "dataSources ratings",
        {"sales.customers": 0.25, "sales.segments": 0.75},
    )
    assert weighting["manage_exposure"] == ("equal", {"finance.exposure": 1.0})
    assert report.problems == []


def test_roi_per_asset_and_per_domain_by_hand(ran: Andmesh, value_mesh: Path) -> None:
    report = _report(ran, value_mesh)
    roi_of = {a.asset: a.roi for a in report.assets}
    assert roi_of == {
        "sales.customers": 104.0,  # (105,000 − 1,000) / 1,000
        "finance.exposure": 59.0,
        "sales.segments": 44.0,
        "finance.rates": 29.0,
        "finance.ledger": -1.0,  # built, never used: all cost, no value
    }
    assert list(roi_of) == sorted(roi_of, key=lambda a: -(roi_of[a] or 0))  # sorted by ROI
    domains = {d.domain: d for d in report.domains}
    assert (domains["sales"].value, domains["sales"].cost, domains["sales"].roi) == (150_000.0, 2_000.0, 74.0)
    assert (domains["finance"].value, domains["finance"].cost, domains["finance"].roi) == (
        90_000.0,
        3_000.0,
        29.0,
    )
    assert domains["finance"].orphans == ["finance.ledger"]
    assert report.roi == round((240_000 - 5_000) / 5_000, 6)


def test_no_upstream_share_values_direct_assets_only(ran: Andmesh, value_mesh: Path) -> None:
    report = value_report(ran.mesh(value_mesh), ran.store, ran.warehouse, FIXED, upstream_share=0.0)
    value = {a.asset: a.value for a in report.assets}
    assert value["sales.segments"] == 90_000.0 and value["sales.customers"] == 30_000.0
    assert value["finance.rates"] == 0.0 and value["finance.exposure"] == 120_000.0


def test_a_use_case_without_estimate_or_in_another_currency_is_reported(
    ran: Andmesh, value_mesh: Path
) -> None:
    path = value_mesh / "enterprise/use_cases/manage_exposure.yaml"
    path.write_text(path.read_text().replace("currency: EUR", "currency: USD"))
    report = _report(ran, value_mesh)
    assert report.total_value == 120_000.0
    assert any("manage_exposure" in p and "USD" in p for p in report.problems)


# --- cost ----------------------------------------------------------------------------------


def test_costs_come_from_runs_and_version_files(ran: Andmesh, value_mesh: Path) -> None:
    costs = UnitCosts(computeSecond=0.5, gbMonthStored=2.0, gbScanned=3.0, runsPerYear=10)
    report = _report(ran, value_mesh, costs)
    assets = {a.asset: a for a in report.assets}
    runs = {r["table_id"]: r for r in ran.store.product_runs()}
    customers = ran.warehouse.current("sales.customers")
    rates = ran.warehouse.current("finance.rates")
    exposure = ran.warehouse.current("finance.exposure")
    assert customers and rates and exposure
    [version] = assets["finance.exposure"].versions
    assert version.compute_seconds == runs["finance.exposure"]["seconds"]
    assert version.bytes_stored == exposure.bytes
    # Inferred: the build read the upstream versions current when it was committed.
    assert version.inputs == {"finance.rates": 1, "sales.customers": 1} and version.inputs_inferred
    assert version.bytes_scanned == customers.bytes + rates.bytes
    cost = assets["finance.exposure"].cost
    assert cost.compute == pytest.approx(10 * version.compute_seconds * 0.5)
    assert cost.scanned == pytest.approx(10 * (customers.bytes + rates.bytes) / GB * 3.0)
    assert cost.storage == pytest.approx(exposure.bytes / GB * 2.0 * 12)
    assert cost.total == pytest.approx(cost.compute + cost.scanned + cost.storage, abs=1e-5)
    assert assets["sales.customers"].cost.bytes_scanned == 0  # reads only its source files


def test_every_retained_version_is_stored_and_priced(ran: Andmesh, value_mesh: Path) -> None:
    ran.run(value_mesh, force=True)
    report = _report(ran, value_mesh, UnitCosts(gbMonthStored=1.0, computeSecond=0, gbScanned=0))
    segments = next(a for a in report.assets if a.asset == "sales.segments")
    versions = ran.warehouse.versions("sales.segments")
    assert [v.version for v in segments.versions] == [1, 2]
    assert segments.cost.bytes_stored == sum(v.bytes for v in versions)
    assert segments.versions[1].inputs == {"sales.customers": 2}


def test_reads_recorded_by_a_build_replace_the_inference(ran: Andmesh, value_mesh: Path) -> None:
    exposure = ran.warehouse.current("finance.exposure")
    assert exposure is not None and exposure.run_id
    Ledger(ran.store.engine).record_read(
        "sales.customers", 1, "product:finance.exposure", "build", run_id=exposure.run_id, bytes=5 * GB
    )
    report = _report(ran, value_mesh, UnitCosts(gbScanned=1.0, computeSecond=0, gbMonthStored=0))
    [version] = next(a for a in report.assets if a.asset == "finance.exposure").versions
    assert version.inputs == {"sales.customers": 1} and not version.inputs_inferred
    assert version.bytes_scanned == 5 * GB and version.scanned == 5.0


def test_an_unpublished_asset_costs_nothing_and_is_not_an_orphan(value_mesh: Path, andmesh: Andmesh) -> None:
    andmesh.run(value_mesh, select=["sales.customers"])
    report = _report(andmesh, value_mesh)
    ledger = next(a for a in report.assets if a.asset == "finance.ledger")
    assert (ledger.published, ledger.cost.total, ledger.roi, ledger.orphan) == (False, 0.0, None, False)


# --- formulas, by hand -----------------------------------------------------------------------


def test_formulas_by_hand() -> None:
    assert attribution_weights(["a", "b"], {"a": 4, "b": 1}) == {"a": 0.8, "b": 0.2}
    assert attribution_weights(["a", "b", "a"]) == {"a": 0.5, "b": 0.5}
    # A diamond: report reads a and b, both read src. 1,000 given to report.
    kept = propagate_upstream({"report": 1000.0}, {"report": ["a", "b"], "a": ["src"], "b": ["src"]}, 0.5)
    assert kept == {"report": 500.0, "a": 125.0, "b": 125.0, "src": 250.0}
    assert sum(kept.values()) == 1000.0
    assert propagate_upstream({"x": 10.0}, {"x": ["y"]}, 1.0) == {"y": 10.0}
    assert roi(0.0, 10.0) == -1.0
    assert reuse_factor({"u1": 10.0, "u2": 10.0, "u3": 10.0}) == 3.0
    assert cost_avoided_by_reuse(1, 100.0, 1.0) == 0.0
    assert build_cost(3600, GB, UnitCosts(computeSecond=0.0001, gbScanned=0.005)) == pytest.approx(0.365)
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    pv = PortVersion(table_id="d.p", version=1, snapshot_id=1, committed_at=at, rows=1, bytes=GB, files=[])
    assert input_versions_at(at - dt.timedelta(days=1), {"d.p": [pv]}) == {}
    one = version_cost(pv, None, {}, UnitCosts())
    assert not one.measured and one.compute == 0.0
    year = annual_cost([one], GB, UnitCosts(gbMonthStored=1.0, productYear=5))
    assert (year.storage, year.fixed, year.total) == (12.0, 5, 17.0)


def test_unit_costs_come_from_the_council(value_mesh: Path) -> None:
    assert unit_costs_of(load_mesh(value_mesh)) == UnitCosts()
    council = value_mesh / "governance/council.yaml"
    council.parent.mkdir()
    council.write_text(
        "apiVersion: andmesh/v1\nkind: Council\nname: c\nmembers:\n  - {username: owner, roles: [chair]}\n"
        "economics: {computeSecond: 0.002, currency: USD}\n"
    )
    costs = unit_costs_of(load_mesh(value_mesh))
    assert (costs.computeSecond, costs.currency, costs.gbScanned) == (0.002, "USD", UnitCosts().gbScanned)


# --- the reference mesh ----------------------------------------------------------------------


def test_value_on_the_order_to_cash_mesh(o2c: Andmesh) -> None:
    mesh = o2c.mesh()
    report = value_report(mesh, o2c.store, o2c.warehouse)
    # 600,000 (reduce_dso) + 400,000 (improve_otif) + 300,000 (treat customers) a year, all attributed.
    assert {u.name: u.value for u in report.use_cases} == {
        "reduce_dso": 600_000.0,
        "improve_otif": 400_000.0,
        "treat_valuable_customers_consistently": 300_000.0,
    }
    assert report.total_value == pytest.approx(1_300_000.0, abs=0.05)
    assets = {a.asset: a for a in report.assets}
    assert set(assets) == set(mesh.products)
    # Orders feed every use case: directly (OTIF, treatment) and through invoices (DSO).
    assert assets["order_management.orders"].use_cases == sorted(mesh.use_cases)
    assert all(a.cost.total > 0 and a.versions for a in report.assets)
    for orphan in report.orphans:
        assert assets[orphan].consumers == 0 and assets[orphan].value == 0.0
    assert "accounts_receivable.account_exposure" in report.orphans
    assert report.reuse.multiplier > 1
