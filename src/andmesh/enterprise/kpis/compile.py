"""Compile KPI specs (:mod:`andmesh.spec.kpi`) to Ibis: one expression, any engine.

A KPI's measures are grouped by (source, time dimension): each group is one aggregation
over its source, bucketed by period (and dimension). Groups, and the KPIs a derived KPI
combines, are outer-joined on those keys, as MetricFlow joins a ratio's numerator and
denominator from different semantic models.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeAlias

import ibis
import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import (
    PERIODS,
    Dimensions,
    Tables,
    check_period,
    period_of,
    shared,
    table,
    with_dimensions,
)
from andmesh.errors import UsageError
from andmesh.spec.kpi import (
    LITERAL_NAMES,
    AggregateStep,
    Kpi,
    KpiSpec,
    MeasureSpec,
    SourceSpec,
    Step,
    parse_expression,
)
from andmesh.spec.suggest import hint_for

Scope: TypeAlias = ir.Table | Mapping[str, ir.Value]


def port_name(port: str) -> str:
    """The table of ``<domain>.<port>`` in an evaluation's tables (keyed by port name).

    >>> port_name("customer_invoicing.invoices")
    'invoices'
    """
    return port.rpartition(".")[2]


# --- expressions ----------------------------------------------------------------------


def expression(text: str, scope: Scope, *, aggregate: bool = False) -> ir.Value:
    """``text`` compiled over the columns of ``scope`` (a table, or named values)."""
    return _compile(parse_expression(text, aggregate=aggregate), scope)


def _name(scope: Scope, name: str) -> ir.Value:
    if isinstance(scope, ir.Table):
        if name not in scope.columns:
            raise UsageError(f"KPI column `{name}` is missing", hint=hint_for(name, scope.columns, "columns"))
        value = scope[name]
    else:
        if name not in scope:
            raise UsageError(f"unknown name `{name}` in a KPI value", hint=hint_for(name, scope, "measures"))
        value = scope[name]
    # Amounts may be decimals: KPIs are ratios and means, computed in float64.
    return value.cast("float64") if value.type().is_decimal() else value


def _compile(node: ast.expr, scope: Scope) -> Any:
    if isinstance(node, ast.Name):
        if node.id in LITERAL_NAMES:
            return _literal(LITERAL_NAMES[node.id])
        return _name(scope, node.id)
    if isinstance(node, ast.Constant):
        return _literal(node.value)
    if isinstance(node, ast.BoolOp):
        values = [_compile(v, scope) for v in node.values]
        out = values[0]
        for value in values[1:]:
            out = (out & value) if isinstance(node.op, ast.And) else (out | value)
        return out
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand, scope)
        return ~operand if isinstance(node.op, ast.Not) else -operand
    if isinstance(node, ast.BinOp):
        left, right = _compile(node.left, scope), _compile(node.right, scope)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        # A zero denominator gives NULL (an empty period has no rate), never an error.
        return left / (right.nullif(0) if isinstance(right, ir.NumericValue) else right)
    if isinstance(node, ast.Compare):
        left, right = _compile(node.left, scope), _compile(node.comparators[0], scope)
        return _COMPARE[type(node.ops[0])](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node.func.id, node.args, scope)
    raise UsageError(f"cannot compile `{ast.unparse(node)}`")  # parse_expression refuses it first


def _literal(value: Any) -> Any:
    return ibis.null() if value is None else ibis.literal(value)


_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, ir.TimestampValue) else value


def _call(name: str, nodes: list[ast.expr], scope: Scope) -> Any:
    if name == "count" and not nodes:
        if not isinstance(scope, ir.Table):
            raise UsageError("`count()` counts the rows of a table")
        return scope.count()
    args = [_compile(n, scope) for n in nodes]
    if name == "date":
        return _day(args[0])
    if name == "days_between":
        return _day(args[0]).delta(_day(args[1]), unit="day").cast("float64")
    if name == "hours_between":
        return args[0].delta(args[1], unit="second").cast("float64") / 3600.0
    if name == "is_null":
        return args[0].isnull()
    if name == "not_null":
        return args[0].notnull()
    if name == "coalesce":
        return ibis.coalesce(*args)
    if name == "greatest":
        return ibis.greatest(*args)
    if name == "least":
        return ibis.least(*args)
    if name == "float":
        return args[0].cast("float64")
    if name == "int":
        return args[0].cast("int64")
    if name == "case":
        pairs = list(zip(args[0::2], args[1::2], strict=False))
        default = args[-1] if len(args) % 2 else None
        if default is None:
            return ibis.cases(*pairs)
        return ibis.cases(*pairs, else_=default)
    aggregates: dict[str, Callable[[Any], Any]] = {
        "sum": lambda v: v.sum(),
        "mean": lambda v: v.mean(),
        "min": lambda v: v.min(),
        "max": lambda v: v.max(),
        "count": lambda v: v.count(),
        "count_distinct": lambda v: v.nunique(),
        "any": lambda v: v.any(),
        "all": lambda v: v.all(),
    }
    return aggregates[name](args[0])


# --- sources --------------------------------------------------------------------------


ModelFn = Callable[[Tables, str, Dimensions], ir.Table]


def source_table(
    source: SourceSpec,
    tables: Tables,
    kpis: Mapping[str, Kpi],
    grain: str,
    dims: Dimensions,
    models: Mapping[str, ModelFn],
) -> ir.Table:
    """The rows of ``source``. A source other KPIs take (``source: {kpi: …}``) is built once
    per evaluation when it is shaped (joined, aggregated); so is each new grain of a port."""
    if source.kpi is not None:
        other = kpis[source.kpi].spec.source
        assert other is not None
        if other.kpi is None and other.model is None and _shaped(other):
            return shared(
                tables,
                ("kpi-source", _key(other.model_dump(mode="json"))),
                lambda: source_table(other, tables, kpis, grain, dims, models),
            )
        return source_table(other, tables, kpis, grain, dims, models)
    if source.model is not None:
        if source.model not in models:
            raise UsageError(
                f"unknown KPI model `{source.model}`", hint=hint_for(source.model, models, "models")
            )
        return models[source.model](tables, grain, dims)
    assert source.port is not None
    return _steps(table(tables, port_name(source.port)), source.steps, tables, source.port)


def _shaped(source: SourceSpec) -> bool:
    return any(s.join is not None or s.aggregate is not None for s in source.steps)


def _key(data: object) -> str:
    return json.dumps(data, sort_keys=True)


def _steps(t: ir.Table, steps: list[Step], tables: Tables, port: str | None = None) -> ir.Table:
    """``t`` shaped by ``steps``. With ``port`` (a KPI's own source), the table after each
    ``aggregate`` step is kept for the evaluation: OTIF, OTIF promised and the perfect order
    rate all start from the same orders-delivered grain, and it is built once."""
    for index, step in enumerate(steps):
        if step.filter is not None:
            t = t.filter(expression(step.filter, t))
        elif step.derive is not None:
            t = t.mutate(**{name: expression(text, t) for name, text in step.derive.items()})
        elif step.aggregate is not None:
            if port is None:
                t = _aggregate(t, step.aggregate)
            else:
                prefix = [x.model_dump(mode="json") for x in steps[: index + 1]]
                t = shared(tables, ("kpi-grain", port, _key(prefix)), partial(_aggregate, t, step.aggregate))
        elif step.join is not None:
            join = step.join
            right = _steps(table(tables, port_name(join.port)), join.steps, tables)
            right = right.select(_join_key=right[join.on], **{c: right[c] for c in join.columns})
            predicate = t[join.on] == right._join_key
            joined = t.left_join(right, predicate) if join.how == "left" else t.join(right, predicate)
            t = joined.drop("_join_key")
    return t


def _aggregate(t: ir.Table, agg: AggregateStep) -> ir.Table:
    columns = {name: expression(text, t, aggregate=True) for name, text in agg.columns.items()}
    return t.group_by(agg.by).aggregate(**columns)


# --- KPIs -----------------------------------------------------------------------------


def compute_kpi(
    kpi: Kpi,
    tables: Tables,
    kpis: Mapping[str, Kpi],
    grain: str,
    dims: list[str],
    models: Mapping[str, ModelFn],
) -> ir.Table:
    """One row per period (and dimension): ``period``, the dimensions, and the value in a
    column named after the KPI."""
    check_period(grain)
    spec = kpi.spec
    if grain not in spec.timeGrains:
        raise UsageError(
            f"KPI `{kpi.name}` is not defined by {grain}",
            hint=hint_for(grain, spec.timeGrains, "time grains"),
        )
    keys = ["period", *dims]
    if spec.kpis or spec.offsets:
        return _derived(kpi, tables, kpis, grain, dims, models)
    cut = {name: spec.dimensions[name] for name in dims}
    groups: dict[str, list[tuple[str, MeasureSpec]]] = {}
    for name, measure in spec.measures.items():
        source = measure.source or spec.source
        assert source is not None
        key = json.dumps([source.model_dump(mode="json"), measure.time or spec.timeDimension], sort_keys=True)
        groups.setdefault(key, []).append((name, measure))
    frames = []
    for members in groups.values():
        first = members[0][1]
        source = first.source or spec.source
        assert source is not None
        time = first.time or spec.timeDimension or "period"
        if source.port is not None and _shaped(source) and _taken(kpi.name, kpis):
            # Others read this KPI's source (`source: {kpi: …}`): the same table, built once.
            source = SourceSpec(kpi=kpi.name)
        t = source_table(source, tables, kpis, grain, cut, models)
        if _root_model(source, kpis) is None:
            t = with_dimensions(t, cut, tables)
        t = t.mutate(period=period_of(t[time], grain))
        parts: dict[str, ir.Value] = {}
        for name, m in members:
            parts.update(_measure_parts(name, m, t, cumulative=spec.cumulative is not None))
        frames.append(t.group_by(keys).aggregate(**parts))
    joined = _outer(frames, keys) if len(frames) > 1 else frames[0]
    fills = {
        col: joined[col].fill_null(m.fillNull)
        for name, m in spec.measures.items()
        if m.fillNull is not None
        for col in _part_names(name, m, cumulative=spec.cumulative is not None)
    }
    if fills:
        joined = joined.mutate(**fills)
    if spec.cumulative is not None:
        joined = _cumulate(joined, spec, dims)
    value = expression(spec.value, {name: joined[name] for name in spec.measures})
    return joined.select(*keys, **{kpi.name: value})


def _derived(
    kpi: Kpi,
    tables: Tables,
    kpis: Mapping[str, Kpi],
    grain: str,
    dims: list[str],
    models: Mapping[str, ModelFn],
) -> ir.Table:
    """A KPI over other KPIs, and over their values at earlier periods (``offsets``)."""
    spec = kpi.spec
    keys = ["period", *dims]
    bases = list(dict.fromkeys([*spec.kpis, *(o.kpi for o in spec.offsets.values())]))
    frames = [compute_kpi(kpis[n], tables, kpis, grain, dims, models) for n in bases]
    joined = _outer(frames, keys) if len(frames) > 1 else frames[0]
    if spec.offsets:
        joined = joined.mutate(
            **{name: shifted(joined, o.kpi, o.shift, grain, dims) for name, o in spec.offsets.items()}
        )
    names = [*spec.kpis, *spec.offsets]
    return joined.select(*keys, **{kpi.name: expression(spec.value, {n: joined[n] for n in names})})


def month_index(period: ir.DateValue) -> ir.IntegerValue:
    """Months since year 0 of a period's first day: periods as numbers a range window can step
    over (one engine-neutral frame instead of interval arithmetic on dates).

    >>> import datetime
    >>> int(month_index(ibis.literal(datetime.date(2026, 3, 1))).execute())  # 2026 × 12 + 3 − 1
    24314
    """
    return period.year().cast("int64") * 12 + period.month().cast("int64") - 1


def shifted(t: ir.Table, column: str, shift: str, grain: str, dims: list[str]) -> ir.Value:
    """``column`` of the row ``shift`` earlier (the period before, or twelve months before),
    in the same dimensions; NULL where that period has no row.

    A range window over the period's month number, not ``lag()``: a missing period must give
    NULL, not the value of whichever row came before.
    """
    step = PERIODS[grain][0] if shift == "previous_period" else 12
    window = ibis.window(group_by=[t[d] for d in dims], order_by=month_index(t.period), range=(-step, -step))
    return t[column].max().over(window)


def _part_names(name: str, measure: MeasureSpec, *, cumulative: bool) -> list[str]:
    # A cumulated mean is the cumulated sum over the cumulated count: two parts.
    return [f"_sum_{name}", f"_n_{name}"] if cumulative and measure.agg == "mean" else [name]


def _measure_parts(name: str, measure: MeasureSpec, t: ir.Table, *, cumulative: bool) -> dict[str, ir.Value]:
    if cumulative and measure.agg == "mean":
        total = _measure(measure.model_copy(update={"agg": "sum"}), t)
        count = _measure(measure.model_copy(update={"agg": "count"}), t)
        return {f"_sum_{name}": total, f"_n_{name}": count}
    return {name: _measure(measure, t)}


def _cumulate(t: ir.Table, spec: KpiSpec, dims: list[str]) -> ir.Table:
    """Each measure cumulated from the start of the period's quarter or year (to date).

    Sums and counts add up, minima and maxima carry on, a mean is Σ/n of its cumulated parts.
    """
    assert spec.cumulative is not None
    to = PERIODS[spec.cumulative][1]
    window = ibis.window(
        group_by=[*(t[d] for d in dims), t.period.truncate(to)], order_by=t.period, rows=(None, 0)
    )
    out: dict[str, ir.Value] = {}
    for name, m in spec.measures.items():
        if m.agg == "mean":
            total, count = t[f"_sum_{name}"].sum().over(window), t[f"_n_{name}"].sum().over(window)
            out[name] = total / count.nullif(0)
        elif m.agg in ("min", "max"):
            out[name] = getattr(t[name], m.agg)().over(window)
        else:
            out[name] = t[name].sum().over(window)
    return t.mutate(**out)


def _taken(name: str, kpis: Mapping[str, Kpi]) -> bool:
    return any(k.spec.source is not None and k.spec.source.kpi == name for k in kpis.values())


def _root_model(source: SourceSpec, kpis: Mapping[str, Kpi]) -> str | None:
    while source.kpi is not None:
        nxt = kpis[source.kpi].spec.source
        assert nxt is not None
        source = nxt
    return source.model


def _measure(measure: MeasureSpec, t: ir.Table) -> ir.Value:
    """One aggregate: booleans count as 1/0 (NULL as 0); sums and means in float64."""
    cond = expression(measure.filter, t).fill_null(False) if measure.filter else None
    if measure.agg == "count" and measure.expr.strip() == "1":
        return t.count(where=cond)
    value = expression(measure.expr, t)
    if isinstance(value, ir.BooleanValue):
        value = value.fill_null(False).cast("float64")
    if measure.agg in ("sum", "mean") and isinstance(value, ir.NumericValue):
        value = value.cast("float64")
    if measure.agg == "sum":
        # A sum over no matching row is 0, not NULL: "nothing unapplied" is a share of 0.
        return (ibis.ifelse(cond, value, 0.0) if cond is not None else value).sum()
    method = {"mean": "mean", "count": "count", "count_distinct": "nunique", "min": "min", "max": "max"}
    result: ir.Value = getattr(value, method[measure.agg])(where=cond)
    return result


def _outer(frames: list[ir.Table], keys: list[str]) -> ir.Table:
    out = frames[0]
    for frame in frames[1:]:
        right = frame.rename({f"_r_{k}": k for k in keys})
        joined = out.outer_join(right, [out[k] == right[f"_r_{k}"] for k in keys])
        out = joined.mutate(**{k: ibis.coalesce(joined[k], joined[f"_r_{k}"]) for k in keys}).drop(
            *[f"_r_{k}" for k in keys]
        )
    return out
