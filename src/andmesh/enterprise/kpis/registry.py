"""A mesh's KPIs (its ``KPI`` specs) by name, and computing one of them."""

from __future__ import annotations

from collections.abc import Mapping

import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import Tables
from andmesh.enterprise.kpis.compile import compute_kpi
from andmesh.enterprise.kpis.models import MODELS
from andmesh.errors import UsageError
from andmesh.spec.kpi import Kpi
from andmesh.spec.suggest import hint_for

Kpis = Mapping[str, Kpi]


def get_kpi(kpis: Kpis, name: str) -> Kpi:
    """The KPI called ``name`` in ``kpis``; an unknown name fails with "did you mean"."""
    if name not in kpis:
        raise UsageError(
            f"unknown KPI `{name}`",
            hint=hint_for(name, kpis, "KPIs") or "declare KPIs in enterprise/kpis/<name>.yaml (docs/kpis.md)",
        )
    return kpis[name]


def dimensions_for(by_segment: bool) -> list[str]:
    """The dimensions asked for: today only ``segment``, the sold-to account's segment."""
    return ["segment"] if by_segment else []


def compute(
    kpi: Kpi, tables: Tables, kpis: Kpis, period: str = "month", by_segment: bool = False
) -> ir.Table:
    """One row per period (and segment), the value in a column named after the KPI."""
    dims = dimensions_for(by_segment)
    missing = [d for d in dims if d not in kpi.spec.dimensions]
    if missing:
        raise UsageError(
            f"KPI `{kpi.name}` has no dimension `{missing[0]}`",
            hint=hint_for(missing[0], kpi.spec.dimensions, "dimensions") or "add it under `dimensions:`",
        )
    return compute_kpi(kpi, tables, kpis, period, dims, MODELS)


def dimension_requirements(kpi: Kpi, kpis: Kpis, by_segment: bool) -> tuple[str, ...]:
    """Requirements a cut adds: the dimension's column (``order_management.accounts.segment``)."""
    out = []
    for name in dimensions_for(by_segment):
        dim = kpi.spec.dimensions.get(name)
        if dim is not None:
            out.append(f"{dim.port}.{dim.column}")
    return tuple(out)


def requirements_of(kpi: Kpi, kpis: Kpis) -> tuple[str, ...]:
    """The KPI's requirements, with those of the KPIs it derives from."""
    return kpi.requirements
