"""Evaluate KPIs, reporting those whose requirements have a gap as not computable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from andmesh.enterprise.kpis._common import SharedTables, Tables
from andmesh.enterprise.kpis.registry import Kpis, compute, dimension_requirements, get_kpi, requirements_of


class KpiResult(BaseModel):
    """The outcome of one KPI: its values, or why it could not be computed."""

    name: str = Field(description="KPI name.", examples=["dso"])
    title: str = Field("", description="What the KPI is, in words.")
    formula: str = Field("", description="Its definition, from the spec.")
    direction: Literal["lower", "higher"] = Field("lower", description="Which way is better.")
    target: float | None = Field(None, description="The target the KPI's owner set, if any.")
    status: Literal["computed", "not_computable"]
    reason: str | None = Field(
        default=None, description="Why the KPI is not computable: the requirements with a gap."
    )
    gaps: dict[str, str] = Field(
        default_factory=dict, description="Requirement id → gap reason, for the KPI's requirements."
    )
    unit: str
    period: str = Field(description="month, quarter or year.")
    rows: list[dict[str, Any]] = Field(
        default_factory=list,
        description="One row per period (and segment): `period`, [`segment`], and the value "
        "in a column named after the KPI.",
    )


def evaluate_kpis(
    tables: Tables,
    gaps: Mapping[str, str],
    names: Iterable[str] | None = None,
    *,
    kpis: Kpis,
    period: str = "month",
    by_segment: bool = False,
) -> list[KpiResult]:
    """Compute the KPIs of ``kpis`` (all when ``names`` is None) whose requirements have no gap.

    ``gaps`` maps a requirement id to the reason it is not met. A KPI depending on any
    of them is reported ``not_computable`` with those reasons, and is not computed.
    """
    results = []
    tables = tables if isinstance(tables, SharedTables) else SharedTables(tables)
    for name in list(names) if names is not None else list(kpis):
        kpi = get_kpi(kpis, name)
        about = {
            "name": name,
            "title": kpi.title,
            "formula": kpi.formula,
            "direction": kpi.spec.direction,
            "target": kpi.spec.target,
            "unit": kpi.unit,
            "period": period,
        }
        needs = (*requirements_of(kpi, kpis), *dimension_requirements(kpi, kpis, by_segment))
        blocking = {req: gaps[req] for req in needs if req in gaps}
        if blocking:
            reason = "; ".join(f"{req}: {why}" for req, why in blocking.items())
            results.append(
                KpiResult(
                    **about, status="not_computable", reason=f"requirement gap — {reason}", gaps=blocking
                )
            )
            continue
        frame = compute(kpi, tables, kpis, period, by_segment)
        order = ["period", "segment"] if by_segment else ["period"]
        rows = frame.order_by(order).to_pyarrow().to_pylist()
        results.append(KpiResult(**about, status="computed", rows=_plain(rows)))
    return results


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with ``NaN`` turned into ``None`` so results serialise as JSON."""
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()} for row in rows]


__all__ = ["KpiResult", "evaluate_kpis"]
