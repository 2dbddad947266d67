"""Gap analysis: for every enterprise requirement, is it promised, captured, fit?

- **promised**: the producing port's contract declares the attribute with checks at
  least as strict as the standard (:mod:`andmesh.enterprise.promise`);
- **captured**: the port's current published version has the column; its non-null
  coverage (over the requirement's scope) is measured;
- **fit**: the published values meet the standard (completeness, accepted values,
  pattern, freshness at the mesh's ``asOf``).

A requirement has a gap when any level fails; its ``level`` is the first that fails.
Measuring takes ONE aggregate query per published port, over its current version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any, Literal

import ibis
from pydantic import BaseModel, Field

from andmesh.engine.base import EngineSession
from andmesh.enterprise.promise import missing_promises
from andmesh.spec.enterprise import LIFECYCLE, Requirement
from andmesh.spec.mesh import Mesh

LevelName = Literal["promised", "captured", "fit"]
LEVELS: tuple[LevelName, ...] = ("promised", "captured", "fit")
PublishedFiles = Callable[[str], list[str] | None]
"""Files of a table's current published version (None when it was never published)."""


class Level(BaseModel):
    met: bool
    measured: str | None = Field(None, description="What was measured.", examples=["45.5% non-null"])
    standard: str = Field(description="What the requirement asks.", examples=["completeness ≥ 95%"])
    message: str


class RequirementStatus(BaseModel):
    id: str = Field(examples=["order_management.orders.requested_delivery_date"])
    entity: str
    domain: str
    product: str
    table_id: str
    attribute: str
    lifecycle: str = Field(description="proposed, accepted, implemented or verified.")
    owner: str | None = Field(description="Who owns the fix: the producing product's owner.")
    stages: list[str] = Field(default_factory=list, description="`<value chain>.<stage>` of the domain.")
    handoffs: list[str] = Field(default_factory=list, description="`<value chain>:<from>→<to>` needing it.")
    use_cases: list[str]
    kpis: list[str] = Field(description="KPIs of the use cases it blocks while it has a gap.")
    coverage: float | None = Field(None, description="% of in-scope rows with a value.")
    promised: Level
    captured: Level
    fit: Level

    @property
    def gap(self) -> bool:
        return self.level is not None

    @property
    def level(self) -> LevelName | None:
        """The first level that fails (None: no gap)."""
        return next((name for name in LEVELS if not getattr(self, name).met), None)

    @property
    def committed(self) -> bool:
        """The domain accepted it (or went further): a gap is a broken commitment."""
        return LIFECYCLE.index(self.lifecycle) >= LIFECYCLE.index("accepted")


class Gap(BaseModel):
    requirement: str
    level: LevelName
    what: str = Field(description="What is missing.")
    measured: str | None
    standard: str
    owner: str | None
    lifecycle: str
    blocks_use_cases: list[str]
    blocks_kpis: list[str]


class Rollup(BaseModel):
    key: str = Field(examples=["shipping", "order_to_cash.shipping", "reduce_dso"])
    requirements: int
    met: int
    gaps: int
    by_level: dict[str, int] = Field(description="Gaps failing each level (a gap may fail several).")
    gap_ids: list[str]


class GapReport(BaseModel):
    mesh: str
    as_of: dt.datetime | None
    use_case: str | None = None
    requirements: list[RequirementStatus]
    gaps: list[Gap]
    by_domain: list[Rollup]
    by_stage: list[Rollup]
    by_handoff: list[Rollup]
    by_use_case: list[Rollup]

    @property
    def committed_gaps(self) -> list[Gap]:
        return [g for g in self.gaps if LIFECYCLE.index(g.lifecycle) >= LIFECYCLE.index("accepted")]


# --- the standard, as words and as measures ------------------------------------------------


def coverage_pct(filled: int, in_scope: int) -> float:
    """Non-null share of the in-scope rows, in % (100 when no row is in scope).

    >>> coverage_pct(455, 1000), coverage_pct(0, 0)
    (45.5, 100.0)
    """
    return round(100.0 * filled / in_scope, 2) if in_scope else 100.0


def describe_standard(requirement: Requirement) -> str:
    standard = requirement.spec.standard
    parts = []
    if standard.completeness is not None:
        parts.append(f"completeness ≥ {standard.completeness:g}%")
    if standard.acceptedValues is not None:
        parts.append("values in {" + ", ".join(str(v) for v in standard.acceptedValues) + "}")
    if standard.pattern is not None:
        parts.append(f"matches `{standard.pattern}`")
    if standard.maxAgeDays is not None:
        parts.append(f"newest ≤ {standard.maxAgeDays:g} d old")
    text = ", ".join(parts) or "present"
    if standard.scope is not None:
        values = ", ".join(str(v) for v in standard.scope.values)
        text += f" where {standard.scope.attribute} in ({values})"
    return text


def _metrics(table: ibis.Table, index: int, requirement: Requirement) -> dict[str, ibis.Value]:
    """The aggregates one requirement needs, named ``r<index>_…``, over its scope."""
    standard = requirement.spec.standard
    column = table[requirement.attribute]
    scope: ibis.BooleanValue | None = None
    if standard.scope is not None and standard.scope.attribute in table.columns:
        scope = table[standard.scope.attribute].isin(standard.scope.values)
    present = column.notnull() if scope is None else scope & column.notnull()
    metrics: dict[str, ibis.Value] = {
        f"r{index}_scope": table.count() if scope is None else scope.cast("int64").sum(),
        f"r{index}_filled": present.cast("int64").sum(),
    }
    text = column.cast("string")
    if standard.acceptedValues is not None:
        accepted = [str(v).lower() if isinstance(v, bool) else str(v) for v in standard.acceptedValues]
        metrics[f"r{index}_invalid"] = (present & ~text.isin(accepted)).cast("int64").sum()
    if standard.pattern is not None:
        metrics[f"r{index}_unmatched"] = (present & ~text.re_search(standard.pattern)).cast("int64").sum()
    if standard.maxAgeDays is not None:
        metrics[f"r{index}_newest"] = column.cast("timestamp").max(where=scope)
    return metrics


def measure_port(
    session: EngineSession, name: str, files: list[str], requirements: list[Requirement]
) -> tuple[set[str], dict[str, Any]]:
    """The port's columns and every requirement's aggregates, in one query."""
    table = session.register(name.replace(".", "__"), files, "parquet")
    columns = set(table.columns)
    metrics: dict[str, ibis.Value] = {"rows": table.count()}
    for index, requirement in enumerate(requirements):
        if requirement.attribute in columns:
            metrics.update(_metrics(table, index, requirement))
    row = session.to_arrow(table.aggregate(**metrics)).to_pylist()[0]
    return columns, row


# --- the three levels ----------------------------------------------------------------------


def _fit(requirement: Requirement, row: dict[str, Any], index: int, as_of: dt.datetime) -> Level:
    standard, wanted = requirement.spec.standard, describe_standard(requirement)
    in_scope, filled = int(row[f"r{index}_scope"] or 0), int(row[f"r{index}_filled"] or 0)
    coverage = coverage_pct(filled, in_scope)
    measured, failures = [f"{coverage:g}% of {in_scope:,} rows filled"], []
    if standard.completeness is not None and coverage < standard.completeness:
        failures.append(f"completeness {coverage:g}% < {standard.completeness:g}%")
    for key, what in (("invalid", "values not accepted"), ("unmatched", "values not matching the pattern")):
        bad = row.get(f"r{index}_{key}")
        if bad is not None:
            measured.append(f"{int(bad):,} {what}")
            if bad:
                failures.append(f"{int(bad):,} {what}")
    if standard.maxAgeDays is not None:
        newest = row.get(f"r{index}_newest")
        if newest is None:
            failures.append("no value to date it by")
        else:
            if newest.tzinfo is None and as_of.tzinfo is not None:
                newest = newest.replace(tzinfo=as_of.tzinfo)
            age = round((as_of - newest).total_seconds() / 86400, 2)
            measured.append(f"newest {age:g} d old")
            if age > standard.maxAgeDays:
                failures.append(f"newest value {age:g} d old > {standard.maxAgeDays:g} d")
    return Level(
        met=not failures,
        measured="; ".join(measured),
        standard=wanted,
        message="meets the standard" if not failures else "; ".join(failures),
    )


def _status(
    mesh: Mesh,
    requirement: Requirement,
    measured: tuple[set[str], dict[str, Any]] | None,
    index: int,
    as_of: dt.datetime,
    accepted: Collection[str] = (),
) -> RequirementStatus:
    spec, wanted = requirement.spec, describe_standard(requirement)
    missing = missing_promises(requirement)
    promised = Level(
        met=not missing,
        measured="declared" if not missing else "not promised: " + "; ".join(missing),
        standard=wanted,
        message="the contract promises the standard" if not missing else "; ".join(missing),
    )
    coverage: float | None = None
    table_id = requirement.port.table_id
    if measured is None:
        captured = Level(met=False, standard="column published", message=f"`{table_id}` is not published")
        fit = Level(met=False, standard=wanted, message="nothing published to measure")
    elif requirement.attribute not in measured[0]:
        captured = Level(
            met=False,
            measured="column absent",
            standard="column published",
            message=f"`{table_id}` has no column `{requirement.attribute}`",
        )
        fit = Level(met=False, standard=wanted, message="not captured")
    else:
        row = measured[1]
        coverage = coverage_pct(int(row[f"r{index}_filled"] or 0), int(row[f"r{index}_scope"] or 0))
        captured = Level(
            met=True,
            measured=f"present, {coverage:g}% non-null",
            standard="column published",
            message=f"captured in {coverage:g}% of in-scope rows",
        )
        fit = _fit(requirement, row, index, as_of)
    return RequirementStatus(
        id=requirement.id,
        entity=spec.entity,
        domain=spec.domain,
        product=requirement.product_id,
        table_id=table_id,
        attribute=requirement.attribute,
        lifecycle="accepted" if spec.status == "proposed" and requirement.id in accepted else spec.status,
        owner=requirement.owner,
        stages=[
            f"{chain.name}.{stage.name}"
            for chain in mesh.value_chains.values()
            for stage in chain.spec.stages
            if stage.domain == spec.domain
        ],
        handoffs=[
            handoff_key(chain.name, h.from_, h.to)
            for chain in mesh.value_chains.values()
            for h in chain.spec.handoffs
            if requirement.id in h.needs
        ],
        use_cases=requirement.use_cases,
        kpis=sorted(
            {k for u in requirement.use_cases if u in mesh.use_cases for k in mesh.use_cases[u].spec.kpis}
        ),
        coverage=coverage,
        promised=promised,
        captured=captured,
        fit=fit,
    )


def handoff_key(chain: str, from_stage: str, to_stage: str) -> str:
    """``order_to_cash:shipping→invoicing``."""
    return f"{chain}:{from_stage}→{to_stage}"


# --- the report ----------------------------------------------------------------------------


def analyze_gaps(
    mesh: Mesh,
    session: EngineSession,
    published: PublishedFiles,
    *,
    use_case: str | None = None,
    accepted: Collection[str] = (),
) -> GapReport:
    """Every requirement's three levels, its gaps and the roll-ups.

    ``accepted``: requirement ids the producing domain accepted through the council (a
    decided ``requirement`` proposal) while the spec still says ``proposed``: binding now.
    """
    as_of = mesh.spec.asOf or dt.datetime.now(dt.UTC)
    selected = [r for r in mesh.requirements.values() if use_case is None or use_case in r.use_cases]
    by_port: dict[str, list[Requirement]] = {}
    for requirement in selected:
        by_port.setdefault(requirement.port.table_id, []).append(requirement)
    statuses: list[RequirementStatus] = []
    for table_id, requirements in sorted(by_port.items()):
        files = published(table_id)
        measured = measure_port(session, table_id, files, requirements) if files else None
        statuses += [_status(mesh, r, measured, i, as_of, accepted) for i, r in enumerate(requirements)]
    statuses.sort(key=lambda s: s.id)
    gaps = [_gap(s) for s in statuses if s.gap]
    return GapReport(
        mesh=mesh.name,
        as_of=mesh.spec.asOf,
        use_case=use_case,
        requirements=statuses,
        gaps=gaps,
        by_domain=_rollup(statuses, lambda s: [s.domain]),
        by_stage=_rollup(statuses, lambda s: s.stages),
        by_handoff=_rollup(statuses, lambda s: s.handoffs),
        by_use_case=_rollup(statuses, lambda s: s.use_cases),
    )


def _gap(status: RequirementStatus) -> Gap:
    level = status.level
    assert level is not None
    failed: Level = getattr(status, level)
    return Gap(
        requirement=status.id,
        level=level,
        what="; ".join(
            f"{name}: {getattr(status, name).message}" for name in LEVELS if not getattr(status, name).met
        ),
        measured=status.fit.measured if level != "captured" and status.fit.measured else failed.measured,
        standard=failed.standard if level == "captured" else status.fit.standard,
        owner=status.owner,
        lifecycle=status.lifecycle,
        blocks_use_cases=status.use_cases,
        blocks_kpis=status.kpis,
    )


def _rollup(
    statuses: list[RequirementStatus], keys: Callable[[RequirementStatus], list[str]]
) -> list[Rollup]:
    groups: dict[str, list[RequirementStatus]] = {}
    for status in statuses:
        for key in keys(status):
            groups.setdefault(key, []).append(status)
    rollups = []
    for key, members in sorted(groups.items()):
        gaps = [m for m in members if m.gap]
        rollups.append(
            Rollup(
                key=key,
                requirements=len(members),
                met=len(members) - len(gaps),
                gaps=len(gaps),
                by_level={level: sum(1 for g in gaps if not getattr(g, level).met) for level in LEVELS},
                gap_ids=[g.id for g in gaps],
            )
        )
    return rollups
