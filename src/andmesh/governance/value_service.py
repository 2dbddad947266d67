"""``andmesh value``: the cost, attributed value, reuse and ROI of every data asset.

Reads what the platform recorded — product runs (seconds), published versions (files
and their sizes), the read ledger — prices it with :class:`UnitCosts`, attributes each
use case's ``valueEstimate`` to the assets it uses (formulas in
:mod:`andmesh.governance.economics`) and rolls it up per domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from andmesh.governance.economics import (
    CostBreakdown,
    UnitCosts,
    VersionCost,
    annual_cost,
    annual_value,
    attribution_weights,
    cost_avoided_by_reuse,
    input_versions_at,
    marginal_cost_per_use,
    propagate_upstream,
    reuse_factor,
    roi,
    version_cost,
)
from andmesh.governance.reuse import (
    Asset,
    AssetKind,
    ReuseLedger,
    mesh_assets,
    reuse_ledger,
    use_case_assets,
)
from andmesh.spec.mesh import Mesh
from andmesh.storage.warehouse import PortVersion, Warehouse
from andmesh.store.ledger import Ledger, Read
from andmesh.store.metadata import MetadataStore

DEFAULT_UPSTREAM_SHARE = 0.5
"""Share of the value an asset receives that it passes to the products it is built from."""


class AssetValue(BaseModel):
    """One asset's economics over a year."""

    asset: str = Field(examples=["accounts_receivable.open_items"])
    domain: str
    kind: AssetKind
    owner: str | None
    published: bool
    cost: CostBreakdown
    versions: list[VersionCost] = Field(description="Cost of every retained version.")
    value: float = Field(description="Value attributed by the use cases, per year.")
    direct_value: float = Field(description="The part given by use cases using it directly (before lineage).")
    value_by_use_case: dict[str, float] = Field(description="Use case → value it attributes (after lineage).")
    consumers: int = Field(description="Distinct products, use cases and readers using it.")
    use_cases: list[str] = Field(description="Use cases that depend on it, directly or through lineage.")
    reuse_factor: float = Field(description="value / largest single use case's part (1 = one use).")
    marginal_cost_per_use: float = Field(description="What one more consumer costs a year.")
    cost_avoided_by_reuse: float = Field(description="(consumers − 1) × cost − consumers × marginal.")
    roi: float | None = Field(description="(value − cost) / cost; None without cost.")
    orphan: bool = Field(description="Built and never reused: for review.")


class DomainValue(BaseModel):
    domain: str
    assets: int
    orphans: list[str]
    cost: float
    value: float
    roi: float | None
    cost_avoided_by_reuse: float


class UseCaseValue(BaseModel):
    """How one use case's value is split among the assets it uses."""

    name: str
    value: float | None = Field(description="Per year, in the report's currency; None without an estimate.")
    currency: str | None
    weighting: str = Field(examples=["equal", "dataSources ratings"])
    weights: dict[str, float] = Field(description="Asset → share of the value it is given directly.")
    assets: dict[str, list[str]] = Field(description="Asset → why the use case uses it.")


class ReuseSummary(BaseModel):
    value: float = Field(description="Value of every asset.")
    single_use_value: float = Field(
        description="What the assets would be worth serving only their largest use."
    )
    multiplier: float = Field(description="value / single_use_value.")
    marginal_cost: float = Field(description="What all the uses beyond the first cost a year (their reads).")
    cost_avoided: float = Field(description="Σ cost avoided by reuse.")


class ValueReport(BaseModel):
    mesh: str
    currency: str
    unit_costs: UnitCosts
    upstream_share: float
    total_cost: float
    total_value: float
    roi: float | None
    assets: list[AssetValue] = Field(description="Sorted by ROI, highest first (no cost last).")
    domains: list[DomainValue]
    use_cases: list[UseCaseValue]
    reuse: ReuseSummary
    orphans: list[str]
    problems: list[str] = Field(default_factory=list, description="What could not be priced or attributed.")


def unit_costs_of(mesh: Mesh) -> UnitCosts:
    """The council's unit costs (``economics:`` in governance/council.yaml), else the defaults."""
    council = getattr(mesh, "council", None)
    economics: Any = getattr(getattr(council, "spec", None), "economics", None)
    if isinstance(economics, BaseModel):
        economics = economics.model_dump()
    return UnitCosts.model_validate(economics or {})


def value_report(
    mesh: Mesh,
    store: MetadataStore,
    warehouse: Warehouse,
    unit_costs: UnitCosts | None = None,
    *,
    upstream_share: float = DEFAULT_UPSTREAM_SHARE,
) -> ValueReport:
    """Cost, attributed value, reuse and ROI of every asset of ``mesh``, from what was recorded."""
    costs = unit_costs or unit_costs_of(mesh)
    assets = mesh_assets(mesh)
    ledger = Ledger(store.engine)
    versions = {t: warehouse.versions(t) for a in assets.values() for t in a.table_ids}
    reuse = reuse_ledger(mesh, ledger.reads_by_asset(), {t for t, v in versions.items() if v})
    usage = {u.asset: u for u in reuse.assets}
    problems = list(reuse.problems)
    seconds, build_reads = _seconds(store), _build_reads(ledger.reads())
    priced = {a.id: _price(mesh, a, versions, seconds, build_reads, costs, problems) for a in assets.values()}
    by_use_case, direct, use_cases = _attribute(mesh, assets, costs, upstream_share, problems)
    rows = []
    for asset in assets.values():
        cost, history = priced[asset.id]
        shares = {uc: v[asset.id] for uc, v in by_use_case.items() if asset.id in v}
        value = round(sum(shares.values()), 2)
        current = sum(v[-1].bytes for t in asset.table_ids if (v := versions[t]))
        marginal = marginal_cost_per_use(current, costs)
        usage_row = usage[asset.id]
        rows.append(
            AssetValue(
                asset=asset.id,
                domain=asset.domain,
                kind=asset.kind,
                owner=asset.owner,
                published=usage_row.published,
                cost=cost,
                versions=history,
                value=value,
                direct_value=round(sum(d.get(asset.id, 0.0) for d in direct.values()), 2),
                value_by_use_case={uc: round(v, 2) for uc, v in sorted(shares.items())},
                consumers=usage_row.consumers,
                use_cases=usage_row.reached_by,
                reuse_factor=reuse_factor(shares),
                marginal_cost_per_use=marginal,
                cost_avoided_by_reuse=cost_avoided_by_reuse(usage_row.consumers, cost.total, marginal),
                roi=roi(value, cost.total),
                orphan=usage_row.orphan,
            )
        )
    rows.sort(key=lambda r: (r.roi is None, -(r.roi or 0.0), -r.value, r.asset))
    total_cost = sum(r.cost.total for r in rows)
    total_value = round(sum(r.value for r in rows), 2)
    single = sum(max(r.value_by_use_case.values(), default=0.0) for r in rows)
    return ValueReport(
        mesh=mesh.name,
        currency=costs.currency,
        unit_costs=costs,
        upstream_share=upstream_share,
        total_cost=total_cost,
        total_value=total_value,
        roi=roi(total_value, total_cost),
        assets=rows,
        domains=_domains(rows),
        use_cases=use_cases,
        reuse=ReuseSummary(
            value=total_value,
            single_use_value=round(single, 2),
            multiplier=round(total_value / single, 4) if single else 0.0,
            marginal_cost=sum(r.marginal_cost_per_use * max(r.consumers - 1, 0) for r in rows),
            cost_avoided=sum(r.cost_avoided_by_reuse for r in rows),
        ),
        orphans=sorted(r.asset for r in rows if r.orphan),
        problems=problems,
    )


def reuse_report(mesh: Mesh, store: MetadataStore, warehouse: Warehouse) -> ReuseLedger:
    """Who uses each asset of ``mesh`` (lineage, use cases, recorded reads); orphans flagged."""
    published = {t for a in mesh_assets(mesh).values() for t in a.table_ids if warehouse.current(t)}
    return reuse_ledger(mesh, Ledger(store.engine).reads_by_asset(), published)


# --- cost ----------------------------------------------------------------------------------


def _seconds(store: MetadataStore) -> dict[tuple[str, int], float | None]:
    """(table_id, version) → seconds of the product run that published it."""
    found: dict[tuple[str, int], float | None] = {}
    for row in store.product_runs():
        if row["status"] == "published" and row["version"] is not None:
            found[(row["table_id"], int(row["version"]))] = row["seconds"]
    return found


def _build_reads(reads: list[Read]) -> dict[tuple[str, str], dict[str, tuple[int, int]]]:
    """(product id, run id) → upstream table_id → (version, bytes), where a build recorded its reads."""
    found: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for read in reads:
        kind, _, product_id = read.consumer.partition(":")
        if kind == "product" and read.run_id and read.version is not None:
            found.setdefault((product_id, read.run_id), {})[read.table_id] = (read.version, read.bytes or 0)
    return found


def _price(
    mesh: Mesh,
    asset: Asset,
    versions: Mapping[str, list[PortVersion]],
    seconds: Mapping[tuple[str, int], float | None],
    build_reads: Mapping[tuple[str, str], dict[str, tuple[int, int]]],
    costs: UnitCosts,
    problems: list[str],
) -> tuple[CostBreakdown, list[VersionCost]]:
    product = mesh.products[asset.id]
    inputs = sorted({mesh.products[ref.product_id].output(ref.port).table_id for ref in product.inputs})
    upstream = {t: versions.get(t, []) for t in inputs}
    history: list[VersionCost] = []
    current: list[VersionCost] = []
    for table_id in asset.table_ids:
        for version in versions[table_id]:
            recorded = build_reads.get((asset.id, version.run_id or ""))
            if recorded is not None:
                read = recorded
            else:
                read = {
                    t: (v.version, v.bytes)
                    for t, v in input_versions_at(version.committed_at, upstream).items()
                }
                missing = [t for t in inputs if t not in read]
                if missing:
                    problems.append(
                        f"{table_id} v{version.version}: input version of {', '.join(missing)} unknown "
                        "(expired?): its scan is not priced"
                    )
            key = (table_id, version.version)
            if key not in seconds:
                problems.append(f"{table_id} v{version.version}: no product run records its build seconds")
            cost = version_cost(version, seconds.get(key), read, costs, inferred=recorded is None)
            history.append(cost)
        if history and history[-1].table_id == table_id:
            current.append(history[-1])
    breakdown = annual_cost(current, sum(v.bytes_stored for v in history), costs)
    if not history:
        breakdown = breakdown.model_copy(update={"total": 0.0, "fixed": 0.0})
    breakdown.versions = len(history)
    return breakdown, history


# --- value ---------------------------------------------------------------------------------


def _attribute(
    mesh: Mesh, assets: Mapping[str, Asset], costs: UnitCosts, share: float, problems: list[str]
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]], list[UseCaseValue]]:
    """Use case → asset → value kept (after lineage) and given directly; how each use case was split."""
    upstream = {a.id: list(a.upstream) for a in assets.values()}
    kept: dict[str, dict[str, float]] = {}
    given: dict[str, dict[str, float]] = {}
    rows = []
    for name, used in use_case_assets(mesh).items():
        spec = mesh.use_cases[name].spec
        estimate = spec.valueEstimate
        ratings = {k: v for k, v in spec.dataSources.items() if k in assets}
        weights = attribution_weights(list(used), ratings)
        value: float | None = None
        if estimate is None:
            problems.append(f"use case `{name}` has no valueEstimate: its assets get no value from it")
        elif estimate.currency != costs.currency:
            problems.append(
                f"use case `{name}` is valued in {estimate.currency}, costs in {costs.currency}: not attributed"
            )
        else:
            value = annual_value(estimate.amount, estimate.per)
            if not used:
                problems.append(f"use case `{name}` uses no data product: its value is not attributed")
            given[name] = {a: value * w for a, w in weights.items()}
            kept[name] = propagate_upstream(given[name], upstream, share)
        rows.append(
            UseCaseValue(
                name=name,
                value=value,
                currency=estimate.currency if estimate else None,
                weighting="dataSources ratings" if ratings else "equal",
                weights={a: round(w, 6) for a, w in weights.items()},
                assets=used,
            )
        )
    return kept, given, rows


def _domains(rows: list[AssetValue]) -> list[DomainValue]:
    domains: dict[str, list[AssetValue]] = {}
    for row in rows:
        domains.setdefault(row.domain, []).append(row)
    result = []
    for domain, members in domains.items():
        cost = sum(r.cost.total for r in members)
        value = round(sum(r.value for r in members), 2)
        result.append(
            DomainValue(
                domain=domain,
                assets=len(members),
                orphans=sorted(r.asset for r in members if r.orphan),
                cost=cost,
                value=value,
                roi=roi(value, cost),
                cost_avoided_by_reuse=sum(r.cost_avoided_by_reuse for r in members),
            )
        )
    result.sort(key=lambda d: (d.roi is None, -(d.roi or 0.0), d.domain))
    return result
