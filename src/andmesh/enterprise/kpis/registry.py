"""A mesh's KPIs (its ``KPI`` specs) by name, the dimensions they can be cut by, and computing one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import Tables
from andmesh.enterprise.kpis.compile import compute_kpi, port_name
from andmesh.enterprise.kpis.models import MODELS
from andmesh.errors import UsageError
from andmesh.spec.kpi import MODEL_KEYS, Kpi, SourceSpec
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


def dimensions_for(by: Iterable[str] | bool = (), by_segment: bool = False) -> list[str]:
    """The dimensions asked for, in order, once each; ``by_segment`` (or ``by=True``, the form
    before any dimension could be asked for) is ``by=["segment"]``.

    >>> dimensions_for(["region", "segment"], by_segment=True), dimensions_for(True)
    (['region', 'segment'], ['segment'])
    """
    if isinstance(by, bool):
        by, by_segment = (), by or by_segment
    return list(dict.fromkeys([*by, *(["segment"] if by_segment else [])]))


def check_dimensions(kpis: Kpis, dims: Sequence[str]) -> None:
    """Fail (usage error, "did you mean") on a dimension that no KPI of the mesh declares.

    A dimension some KPIs declare and others not is no error: those others are reported
    not computable by it.
    """
    known = sorted({d for k in kpis.values() for d in k.spec.dimensions})
    for dim in dims:
        if dim not in known:
            raise UsageError(
                f"no KPI of this mesh declares the dimension `{dim}`",
                hint=hint_for(dim, known, "dimensions")
                or (
                    f"the dimensions declared are: {', '.join(known)}"
                    if known
                    else "declare one under a KPI's `dimensions:` (docs/kpis.md)"
                ),
            )


def _components(kpi: Kpi, kpis: Kpis) -> list[Kpi]:
    names = [*kpi.spec.kpis, *(o.kpi for o in kpi.spec.offsets.values())]
    return [kpis[n] for n in dict.fromkeys(names) if n in kpis]


def _root_model(source: SourceSpec | None, kpis: Kpis) -> str | None:
    for _ in range(8):
        if source is None or source.kpi is None:
            break
        source = kpis[source.kpi].spec.source if source.kpi in kpis else None
    return source.model if source is not None else None


def why_not_by(kpi: Kpi, kpis: Kpis, dims: Sequence[str]) -> str | None:
    """Why ``kpi`` cannot be cut by ``dims`` (the first that fails), or None when it can."""
    for dim in dims:
        if dim not in kpi.spec.dimensions:
            declared = ", ".join(kpi.spec.dimensions) or "none"
            return f"not computable by {dim}: the KPI declares no dimension `{dim}` (it declares: {declared})"
        spec = kpi.spec.dimensions[dim]
        for source in [kpi.spec.source, *(m.source for m in kpi.spec.measures.values())]:
            model = _root_model(source, kpis)
            if model is not None and spec.key not in MODEL_KEYS.get(model, ()):
                return (
                    f"not computable by {dim}: its key `{spec.key}` is not one the `{model}` model "
                    f"can be cut by ({', '.join(MODEL_KEYS.get(model, ())) or 'none'})"
                )
    for component in _components(kpi, kpis):
        reason = why_not_by(component, kpis, dims)
        if reason is not None:
            return f"{reason.split(':', 1)[0]}: it derives from `{component.name}`, which is {reason}"
    return None


def why_not_at(kpi: Kpi, kpis: Kpis, period: str) -> str | None:
    """Why ``kpi`` has no value by ``period`` (a grain it, or a KPI it derives from, does not
    list: a year-to-date KPI by year), or None."""
    if period not in kpi.spec.timeGrains:
        return f"not defined by {period}: its time grains are {', '.join(kpi.spec.timeGrains)}"
    for component in _components(kpi, kpis):
        reason = why_not_at(component, kpis, period)
        if reason is not None:
            return f"not defined by {period}: it derives from `{component.name}`, which is {reason}"
    return None


def compute(
    kpi: Kpi,
    tables: Tables,
    kpis: Kpis,
    period: str = "month",
    by: Sequence[str] | bool = (),
    *,
    by_segment: bool = False,
) -> ir.Table:
    """One row per period (and dimension), the value in a column named after the KPI."""
    dims = dimensions_for(by, by_segment)
    reason = why_not_by(kpi, kpis, dims)
    if reason is not None:
        missing = next((d for d in dims if d not in kpi.spec.dimensions), None)
        raise UsageError(
            f"KPI `{kpi.name}` is {reason}",
            hint=(hint_for(missing, kpi.spec.dimensions, "dimensions") if missing else None)
            or "add it under `dimensions:` (docs/kpis.md)",
        )
    return compute_kpi(kpi, tables, kpis, period, dims, MODELS)


def dimension_ports(kpi: Kpi, kpis: Kpis, dims: Sequence[str]) -> dict[str, str]:
    """Table name → the dimension that reads it, for every port a cut by ``dims`` reads."""
    out = {port_name(kpi.spec.dimensions[d].port): d for d in dims if d in kpi.spec.dimensions}
    for component in _components(kpi, kpis):
        out.update(dimension_ports(component, kpis, dims))
    return out


def dimension_requirements(kpi: Kpi, kpis: Kpis, by: Sequence[str] | bool) -> tuple[str, ...]:
    """Requirements a cut adds: each dimension's column (``order_management.accounts.segment``),
    for the KPI and the KPIs it derives from."""
    dims = dimensions_for(by_segment=by) if isinstance(by, bool) else list(by)
    out: dict[str, None] = {}
    for name in dims:
        dim = kpi.spec.dimensions.get(name)
        if dim is not None:
            out[f"{dim.port}.{dim.column}"] = None
    for component in _components(kpi, kpis):
        out.update(dict.fromkeys(dimension_requirements(component, kpis, dims)))
    return tuple(out)


def requirements_of(kpi: Kpi, kpis: Kpis) -> tuple[str, ...]:
    """The KPI's requirements, with those of the KPIs it derives from."""
    return kpi.requirements
