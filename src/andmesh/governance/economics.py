"""The economics of data: what each asset costs, what value the use cases attribute to it, ROI.

Every figure is per year, in the unit costs' currency.

**Cost** of an asset (one data product, its output ports together)::

    build   = seconds × computeSecond + GB scanned × gbScanned        per version built
    cost    = runsPerYear × build(current version)
            + GB stored (every retained version) × gbMonthStored × 12
            + productYear                                               per year

**Value**: a use case's ``valueEstimate`` (annualised) is split among the assets it uses
(:func:`attribution_weights`: equal split, or its ``dataSources`` ratings), then each
asset passes a share of what it receives to the products it reads
(:func:`propagate_upstream`), so the products a used product is built from are valued
too. The value of an asset is the sum over use cases of what it keeps.

**ROI** ``= (value − cost) / cost``; **reuse factor** ``= value / largest single use case's
share``: how many times over reuse multiplies the value of one build, while each extra
use costs only its scan (:func:`marginal_cost_per_use`).
"""

# Unit cost keys are camelCase: they are written in governance/council.yaml.
# ruff: noqa: N815

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from andmesh.storage.warehouse import PortVersion

GB = 1024**3
"""Bytes in a billed gigabyte (cloud storage and scans bill binary gigabytes)."""

MONTHS_PER_YEAR = 12
PER_YEAR = {"year": 1.0, "quarter": 4.0, "month": 12.0}
"""How many of each period make a year (``valueEstimate.per``)."""


class UnitCosts(BaseModel):
    """What one unit of compute, storage and scan costs (``economics:`` in the council spec).

    The defaults are list prices of a public cloud in 2026, rounded: a small compute node
    (~€0.36 an hour), object storage (€0.023 per GB-month), on-demand scans (€5 per TB).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    computeSecond: float = Field(0.0001, ge=0, description="Per second of a product's build.")
    gbMonthStored: float = Field(0.023, ge=0, description="Per GB stored for a month.")
    gbScanned: float = Field(0.005, ge=0, description="Per GB of input read by a build.")
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code of these prices.")
    runsPerYear: float = Field(
        365, gt=0, description="Builds of a product per year (a daily batch), to annualise build costs."
    )
    productYear: float = Field(
        0.0,
        ge=0,
        description="Fixed cost per asset per year (operations, a share of the team); 0: infra only.",
    )


# --- cost ----------------------------------------------------------------------------------


class VersionCost(BaseModel):
    """What building and keeping one published version cost."""

    table_id: str
    version: int
    run_id: str | None
    committed_at: dt.datetime
    compute_seconds: float = Field(description="Seconds of the product run that published it.")
    bytes_stored: int = Field(description="Sizes of the version's data files.")
    bytes_scanned: int = Field(description="Sizes of the input versions the build read.")
    inputs: dict[str, int] = Field(
        default_factory=dict, description="Upstream `table_id` → the version the build read."
    )
    inputs_inferred: bool = Field(
        True,
        description="The input versions are inferred (the upstream version current when this one was "
        "committed) rather than recorded as reads by the build.",
    )
    measured: bool = Field(True, description="False when no product run records its seconds.")
    compute: float
    scanned: float
    storage_month: float = Field(description="Storing it for one month.")

    @property
    def build(self) -> float:
        return self.compute + self.scanned


class CostBreakdown(BaseModel):
    """An asset's cost per year, and the measurements it is priced from."""

    compute: float = Field(description="runsPerYear × seconds × computeSecond.")
    scanned: float = Field(description="runsPerYear × GB scanned × gbScanned.")
    storage: float = Field(description="GB stored (all retained versions) × gbMonthStored × 12.")
    fixed: float = Field(description="productYear.")
    total: float
    compute_seconds: float = Field(description="Per build (current versions).")
    bytes_scanned: int = Field(description="Per build (current versions).")
    bytes_stored: int = Field(description="All retained versions.")
    versions: int = Field(description="Retained versions priced.")
    runs_per_year: float


def build_cost(seconds: float, bytes_scanned: int, costs: UnitCosts) -> float:
    """One build: ``seconds × computeSecond + bytes_scanned / GB × gbScanned``.

    >>> build_cost(120, 50 * GB, UnitCosts(computeSecond=0.001, gbScanned=0.01))
    0.62
    """
    return seconds * costs.computeSecond + bytes_scanned / GB * costs.gbScanned


def storage_cost(bytes_stored: int, months: float, costs: UnitCosts) -> float:
    """Keeping ``bytes_stored`` for ``months``: ``bytes / GB × gbMonthStored × months``.

    >>> round(storage_cost(10 * GB, 12, UnitCosts(gbMonthStored=0.02)), 6)
    2.4
    """
    return bytes_stored / GB * costs.gbMonthStored * months


def annual_cost(
    current: Sequence[VersionCost], retained_bytes: int, costs: UnitCosts, runs_per_year: float | None = None
) -> CostBreakdown:
    """An asset's cost per year from its ports' current versions and what it keeps stored.

    ``runsPerYear × Σ build(current) + storage(retained, 12 months) + productYear``

    >>> v = VersionCost(table_id="d.p", version=3, run_id="r", committed_at=dt.datetime(2026, 1, 1),
    ...                 compute_seconds=10, bytes_stored=GB, bytes_scanned=2 * GB,
    ...                 compute=0.001, scanned=0.01, storage_month=0.023)
    >>> round(annual_cost([v], 3 * GB, UnitCosts(runsPerYear=100, productYear=50)).total, 6)
    51.928
    """
    runs = costs.runsPerYear if runs_per_year is None else runs_per_year
    compute = runs * sum(v.compute for v in current)
    scanned = runs * sum(v.scanned for v in current)
    storage = storage_cost(retained_bytes, MONTHS_PER_YEAR, costs)
    return CostBreakdown(
        compute=compute,
        scanned=scanned,
        storage=storage,
        fixed=costs.productYear,
        total=compute + scanned + storage + costs.productYear,
        compute_seconds=round(sum(v.compute_seconds for v in current), 3),
        bytes_scanned=sum(v.bytes_scanned for v in current),
        bytes_stored=retained_bytes,
        versions=0,
        runs_per_year=runs,
    )


def marginal_cost_per_use(bytes_current: int, costs: UnitCosts) -> float:
    """What one more consumer costs a year: reading every new version once.

    ``runsPerYear × GB(current version) × gbScanned`` — no build, no storage: reuse is nearly free.

    >>> marginal_cost_per_use(2 * GB, UnitCosts(runsPerYear=365, gbScanned=0.005))
    3.65
    """
    return costs.runsPerYear * bytes_current / GB * costs.gbScanned


def input_versions_at(
    committed_at: dt.datetime, upstream: Mapping[str, Sequence[PortVersion]]
) -> dict[str, PortVersion]:
    """The version of each upstream port that was current when a version was committed.

    Runs hold the workspace lock and build upstream first, so the input a build read is
    the newest upstream version committed before its own commit.

    >>> at = lambda d: dt.datetime(2026, 1, d, tzinfo=dt.UTC)
    >>> pv = lambda n, d: PortVersion(table_id="a.x", version=n, snapshot_id=n, committed_at=at(d),
    ...                               rows=1, bytes=100 * n, files=[])
    >>> {t: v.version for t, v in input_versions_at(at(5), {"a.x": [pv(1, 1), pv(2, 4), pv(3, 9)]}).items()}
    {'a.x': 2}
    """
    found = {}
    for table_id, versions in upstream.items():
        before = [v for v in versions if v.committed_at <= committed_at]
        if before:
            found[table_id] = max(before, key=lambda v: (v.committed_at, v.version))
    return found


def version_cost(
    version: PortVersion,
    seconds: float | None,
    inputs: Mapping[str, tuple[int, int]],
    costs: UnitCosts,
    *,
    inferred: bool = True,
) -> VersionCost:
    """Price one version: ``inputs`` is upstream ``table_id`` → (version read, bytes read).

    >>> pv = PortVersion(table_id="d.p", version=1, snapshot_id=1, rows=10, bytes=GB, files=[],
    ...                  committed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> c = version_cost(pv, 100.0, {"d.up": (4, 2 * GB)}, UnitCosts(computeSecond=0.01, gbScanned=1))
    >>> c.compute, c.scanned, c.storage_month
    (1.0, 2.0, 0.023)
    """
    scanned_bytes = sum(size for _, size in inputs.values())
    return VersionCost(
        table_id=version.table_id,
        version=version.version,
        run_id=version.run_id,
        committed_at=version.committed_at,
        compute_seconds=seconds or 0.0,
        bytes_stored=version.bytes,
        bytes_scanned=scanned_bytes,
        inputs={table: number for table, (number, _) in sorted(inputs.items())},
        inputs_inferred=inferred,
        measured=seconds is not None,
        compute=build_cost(seconds or 0.0, 0, costs),
        scanned=build_cost(0.0, scanned_bytes, costs),
        storage_month=storage_cost(version.bytes, 1, costs),
    )


# --- value attribution ---------------------------------------------------------------------


def annual_value(amount: float, per: str) -> float:
    """A value estimate per year: ``amount × periods per year``.

    >>> annual_value(50_000, "month"), annual_value(600_000, "year")
    (600000.0, 600000.0)
    """
    return round(amount * PER_YEAR[per], 6)


def attribution_weights(assets: Sequence[str], ratings: Mapping[str, int] | None = None) -> dict[str, float]:
    """How a use case's value is split among the assets it uses; the weights add up to 1.

    Equal split without ratings, ``wₐ = 1 / n``; with the use case's ``dataSources``
    ratings, ``wₐ = rₐ / Σ r``, where a used asset left unrated counts as rated 1 (it
    is used, so it earns the smallest share rather than none).

    >>> attribution_weights(["a", "b", "c", "d"])
    {'a': 0.25, 'b': 0.25, 'c': 0.25, 'd': 0.25}
    >>> {a: round(w, 4) for a, w in attribution_weights(["a", "b", "c"], {"a": 5, "b": 3}).items()}
    {'a': 0.5556, 'b': 0.3333, 'c': 0.1111}
    >>> attribution_weights([])
    {}
    """
    used = list(dict.fromkeys(assets))
    if not used:
        return {}
    if not ratings:
        return {a: 1 / len(used) for a in used}
    scores = {a: float(ratings.get(a, 1)) for a in used}
    total = sum(scores.values())
    return {a: s / total for a, s in scores.items()}


def propagate_upstream(
    direct: Mapping[str, float], upstream: Mapping[str, Sequence[str]], share: float
) -> dict[str, float]:
    """What each asset keeps of the value given to it directly, once shares flow upstream.

    An asset receives its direct value plus a part of what its consumers pass on; it
    passes ``share`` of what it receives to the assets it reads, split equally, and keeps
    the rest. An asset reading no other asset keeps all it receives::

        R(a) = D(a) + Σ_{c reads a} share × R(c) / |inputs(c)|
        K(a) = R(a) × (1 − share)   if a reads other assets, else R(a)

    Value is conserved: ``Σ K = Σ D``.

    >>> propagate_upstream({"report": 900.0}, {"report": ["orders", "invoices"], "invoices": ["orders"]}, 0.5)
    {'report': 450.0, 'invoices': 112.5, 'orders': 337.5}
    >>> propagate_upstream({"report": 900.0}, {"report": ["orders"]}, 0.0)
    {'report': 900.0}
    """
    readers: dict[str, list[str]] = {}
    for asset, inputs in upstream.items():
        for source in dict.fromkeys(inputs):
            readers.setdefault(source, []).append(asset)
    received: dict[str, float] = {}

    def receive(asset: str, seen: tuple[str, ...] = ()) -> float:
        if asset in received:
            return received[asset]
        if asset in seen:  # lineage is a DAG; a cycle would be a spec error caught by lint
            return 0.0
        total = direct.get(asset, 0.0)
        for reader in readers.get(asset, []):
            inputs = list(dict.fromkeys(upstream[reader]))
            total += share * receive(reader, (*seen, asset)) / len(inputs)
        received[asset] = total
        return total

    reached = set(direct)
    frontier = list(direct)
    while frontier:
        for source in upstream.get(frontier.pop(), []):
            if source not in reached:
                reached.add(source)
                frontier.append(source)
    kept = {}
    for asset in [*direct, *sorted(reached - set(direct))]:
        value = receive(asset) * ((1 - share) if upstream.get(asset) else 1.0)
        if value:
            kept[asset] = round(value, 6)
    return kept


def roi(value: float, cost: float) -> float | None:
    """Return on investment: ``(value − cost) / cost`` (None when nothing was spent).

    >>> roi(1500.0, 500.0), roi(100.0, 0.0)
    (2.0, None)
    """
    if cost <= 0:
        return None
    return round((value - cost) / cost, 6)


def reuse_factor(value_by_use_case: Mapping[str, float]) -> float:
    """How many times reuse multiplies an asset's value: ``Σ value / largest single use's value``.

    1 when one use case carries all the value, n when n use cases value it equally; 0
    when no use case does. The build is paid once whatever the factor.

    >>> reuse_factor({"reduce_dso": 300.0, "improve_otif": 150.0})
    1.5
    >>> reuse_factor({})
    0.0
    """
    largest = max(value_by_use_case.values(), default=0.0)
    if largest <= 0:
        return 0.0
    return round(sum(value_by_use_case.values()) / largest, 4)


def cost_avoided_by_reuse(consumers: int, cost: float, marginal: float) -> float:
    """What sharing one asset saves its consumers a year, against each building its own copy.

    ``(consumers − 1) × cost − consumers × marginal``: n copies cost n builds; one shared
    asset costs one build plus n reads.

    >>> cost_avoided_by_reuse(4, 100.0, 2.0)
    292.0
    >>> cost_avoided_by_reuse(0, 100.0, 2.0)
    0.0
    """
    if consumers <= 1:
        return 0.0
    return (consumers - 1) * cost - consumers * marginal
