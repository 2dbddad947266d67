"""Evaluate KPIs, reporting those whose requirements have a gap as not computable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from andmesh.enterprise.kpis._common import PERIODS, SharedTables, Tables
from andmesh.enterprise.kpis.rating import Rating, rate
from andmesh.enterprise.kpis.registry import (
    Kpis,
    check_dimensions,
    compute,
    dimension_ports,
    dimension_requirements,
    dimensions_for,
    get_kpi,
    requirements_of,
    why_not_at,
    why_not_by,
)
from andmesh.spec.kpi import Kpi


class Thresholds(BaseModel):
    warning: float | None = Field(None, description="Worse than this: amber.")
    critical: float | None = Field(None, description="Worse than this: red.")


class KpiResult(BaseModel):
    """The outcome of one KPI: its values, or why it could not be computed."""

    name: str = Field(description="KPI name.", examples=["dso"])
    title: str = Field("", description="What the KPI is, in words.")
    formula: str = Field("", description="Its definition, from the spec.")
    direction: Literal["lower", "higher"] = Field("lower", description="Which way is better.")
    target: float | None = Field(None, description="The target the KPI's owner set, if any.")
    thresholds: Thresholds | None = Field(None, description="Where the KPI turns amber and red, if set.")
    status: Literal["computed", "not_computable"]
    reason: str | None = Field(
        default=None,
        description="Why the KPI is not computable: the requirements with a gap, or the dimension "
        "asked for that it does not declare.",
    )
    gaps: dict[str, str] = Field(
        default_factory=dict, description="Requirement id → gap reason, for the KPI's requirements."
    )
    unit: str
    period: str = Field(description="month, quarter or year.")
    by: list[str] = Field(default_factory=list, description="The dimensions asked for, e.g. `[region]`.")
    rows: list[dict[str, Any]] = Field(
        default_factory=list,
        description="One row per period (and dimension value): `period`, the dimensions, and the "
        "value in a column named after the KPI.",
    )
    row_rag_status: list[Rating | None] = Field(
        default_factory=list,
        description="The red/amber/green status of each row's value against the thresholds "
        "(direction-aware), aligned with `rows`; null where no value or no threshold.",
    )
    rag_status: Rating | None = Field(
        None,
        description="The status of the latest period with a value (across dimension values: the "
        "worst), red, amber or green; null without thresholds or target.",
        examples=["amber"],
    )


def about(kpi: Kpi, period: str, by: Sequence[str] = ()) -> dict[str, Any]:
    """What a result says of its KPI, computed or not."""
    spec = kpi.spec
    return {
        "name": kpi.name,
        "title": kpi.title,
        "formula": kpi.formula,
        "direction": spec.direction,
        "target": spec.target,
        "thresholds": Thresholds(**spec.thresholds.model_dump()) if spec.thresholds else None,
        "unit": kpi.unit,
        "period": period,
        "by": list(by),
    }


_ORDER: dict[str | None, int] = {None: 0, "green": 1, "amber": 2, "red": 3}


def rated(kpi: Kpi, rows: list[dict[str, Any]]) -> tuple[list[Rating | None], Rating | None]:
    """Each row's rating, and the latest period's (the worst of its rows)."""
    spec = kpi.spec
    limits = spec.thresholds
    ratings = [
        rate(
            row.get(kpi.name),
            spec.direction,
            warning=limits.warning if limits else None,
            critical=limits.critical if limits else None,
            target=spec.target,
        )
        for row in rows
    ]
    valued = [(row["period"], r) for row, r in zip(rows, ratings, strict=True) if r is not None]
    if not valued:
        return ratings, None
    latest = max(p for p, _ in valued)
    return ratings, max((r for p, r in valued if p == latest), key=_ORDER.__getitem__)


def evaluate_kpis(
    tables: Tables,
    gaps: Mapping[str, str],
    names: Iterable[str] | None = None,
    *,
    kpis: Kpis,
    period: str = "month",
    by: Sequence[str] = (),
    by_segment: bool = False,
) -> list[KpiResult]:
    """Compute the KPIs of ``kpis`` (all when ``names`` is None) whose requirements have no gap,
    cut by the dimensions ``by`` (``by_segment`` is ``by=["segment"]``).

    ``gaps`` maps a requirement id to the reason it is not met. A KPI depending on any
    of them is reported ``not_computable`` with those reasons, and is not computed; so is a
    KPI that does not declare a dimension asked for. A dimension no KPI declares is a usage
    error (with "did you mean").
    """
    dims = dimensions_for(by, by_segment)
    check_dimensions(kpis, dims)
    results = []
    tables = tables if isinstance(tables, SharedTables) else SharedTables(tables)
    for name in list(names) if names is not None else list(kpis):
        kpi = get_kpi(kpis, name)
        info = about(kpi, period, dims)
        why = why_not_at(kpi, kpis, period) if period in PERIODS else None
        why = why or why_not_by(kpi, kpis, dims)
        if why is None:
            unpublished = {t: d for t, d in dimension_ports(kpi, kpis, dims).items() if t not in tables}
            if unpublished:
                table_name, dim = next(iter(unpublished.items()))
                why = f"not computable by {dim}: its product `{table_name}` is not published"
        if why is not None:
            results.append(KpiResult(**info, status="not_computable", reason=why))
            continue
        needs = (*requirements_of(kpi, kpis), *dimension_requirements(kpi, kpis, dims))
        blocking = {req: gaps[req] for req in needs if req in gaps}
        if blocking:
            reason = "; ".join(f"{req}: {why}" for req, why in blocking.items())
            results.append(
                KpiResult(
                    **info, status="not_computable", reason=f"requirement gap — {reason}", gaps=blocking
                )
            )
            continue
        frame = compute(kpi, tables, kpis, period, dims)
        rows = _plain(frame.order_by(["period", *dims]).to_pyarrow().to_pylist())
        ratings, latest = rated(kpi, rows)
        results.append(
            KpiResult(**info, status="computed", rows=rows, row_rag_status=ratings, rag_status=latest)
        )
    return results


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with ``NaN`` turned into ``None`` so results serialise as JSON."""
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()} for row in rows]


__all__ = ["KpiResult", "Thresholds", "about", "evaluate_kpis"]
