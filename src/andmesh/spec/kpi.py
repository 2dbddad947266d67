"""The ``KPI`` kind: how the enterprise measures a value chain, as a spec.

Vocabulary after MetricFlow and the Boring Semantic Layer (see docs/kpis.md): a KPI reads a
**source** (a product port, shaped by a few ``steps``: filter, derive, aggregate, join), has
**measures** (an aggregation of a row expression over the source, bucketed by a **time
dimension** at a **time grain**), may be cut by **dimensions**, and its **value** is an
expression over its measures (a ratio, a difference…) or, for a derived KPI, over other KPIs.

Expressions are a small, safe subset of Python syntax (parsed with :mod:`ast`, never
evaluated): column names, literals, comparisons, ``and``/``or``/``not``, ``+ - * /`` and
the functions in :data:`ROW_FUNCTIONS` and :data:`AGG_FUNCTIONS`. They compile to Ibis in
:mod:`andmesh.enterprise.kpis.compile`, so a KPI runs on any engine.

>>> sorted(expression_columns("coalesce(delivered_day <= requested_delivery_date, false) and in_full"))
['delivered_day', 'in_full', 'requested_delivery_date']
"""

# YAML keys are camelCase, as in ODCS/ODPS and the other andmesh kinds.
# ruff: noqa: N815

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from andmesh.spec.models import SNAKE_CASE, StrictModel
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import YamlDocument

Grain = Literal["month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("month", "quarter", "year")

#: Row functions: name → (min args, max args; None = any).
ROW_FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "date": (1, 1),
    "days_between": (2, 2),
    "hours_between": (2, 2),
    "is_null": (1, 1),
    "not_null": (1, 1),
    "coalesce": (2, None),
    "greatest": (2, None),
    "least": (2, None),
    "case": (2, None),
    "float": (1, 1),
    "int": (1, 1),
}
#: Aggregate functions (``aggregate`` steps only): ``count()`` counts rows.
AGG_FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sum": (1, 1),
    "mean": (1, 1),
    "min": (1, 1),
    "max": (1, 1),
    "count": (0, 1),
    "count_distinct": (1, 1),
    "any": (1, 1),
    "all": (1, 1),
}
LITERAL_NAMES = {"true": True, "false": False, "null": None}
MeasureAgg = Literal["sum", "mean", "count", "count_distinct", "min", "max"]


class ExpressionError(ValueError):
    """An expression outside the KPI subset; the message says what and how to write it."""


# --- the spec models --------------------------------------------------------------------


class AggregateStep(StrictModel):
    by: list[str] = Field(description="Columns of one output row (the new grain), e.g. `[order_id]`.")
    columns: dict[str, str] = Field(
        description="New column → aggregate expression, e.g. `shipped: date(min(shipped_at))`."
    )


class JoinStep(StrictModel):
    port: str = Field(description="The product port joined: `<domain>.<port>`.")
    on: str = Field(description="The key column, named the same on both sides.")
    how: Literal["left", "inner"] = "left"
    steps: list[Step] = Field(default_factory=list, description="Shape the joined port first.")
    columns: list[str] = Field(description="Columns of the joined port (after its steps) to bring.")


class Step(StrictModel):
    """One step of a source; exactly one key."""

    filter: str | None = Field(None, description="Keep the rows where this expression is true.")
    derive: dict[str, str] | None = Field(None, description="New column → row expression.")
    aggregate: AggregateStep | None = None
    join: JoinStep | None = None

    @model_validator(mode="after")
    def _one(self) -> Step:
        if sum(x is not None for x in (self.filter, self.derive, self.aggregate, self.join)) != 1:
            raise ValueError("a step has exactly one of `filter`, `derive`, `aggregate`, `join`")
        return self


class SourceSpec(StrictModel):
    """The rows a measure aggregates (MetricFlow's semantic model, BSL's semantic table)."""

    port: str | None = Field(None, description="A product port, `<domain>.<port>`.")
    model: str | None = Field(
        None,
        description="A Python table registered by name (andmesh.enterprise.kpis.models), for what "
        "truly needs code; it yields one row per period (and dimension) already.",
    )
    kpi: str | None = Field(None, description="The source of another KPI, shared rather than repeated.")
    steps: list[Step] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one(self) -> SourceSpec:
        if sum(x is not None for x in (self.port, self.model, self.kpi)) != 1:
            raise ValueError("a source names exactly one of `port`, `model`, `kpi`")
        if self.kpi is not None and self.steps:
            raise ValueError("a `kpi:` source takes that KPI's source as it is: no `steps`")
        return self


class MeasureSpec(StrictModel):
    agg: MeasureAgg = Field(description="sum, mean, count, count_distinct, min or max.")
    expr: str = Field("1", description="Row expression aggregated (booleans count as 1/0, NULL as 0).")
    filter: str | None = Field(None, description="Only rows where this is true count.")
    source: SourceSpec | None = Field(None, description="Default: the KPI's source.")
    time: str | None = Field(None, description="Time dimension of this measure; default: the KPI's.")
    fillNull: float | None = Field(
        None,
        description="Value where a period has no row of this measure but has rows of another "
        "(MetricFlow's fill_nulls_with), e.g. 0 for a sum.",
    )


class DimensionSpec(StrictModel):
    port: str = Field(description="The port holding the dimension, `<domain>.<port>`.")
    key: str = Field(description="Key column, named the same in the source and the port.")
    column: str = Field(description="The dimension's column in the port.")
    default: str | None = Field(None, description="Value for rows with no match (kept, never dropped).")


Shift = Literal["previous_period", "same_period_last_year"]


class OffsetSpec(StrictModel):
    """Another KPI's value at an earlier period (period-over-period, year-over-year)."""

    kpi: str = Field(description="The KPI whose earlier value this is.")
    shift: Shift = Field(
        description="`previous_period` (the period before, at the grain asked) or "
        "`same_period_last_year` (twelve months earlier)."
    )


class ThresholdsSpec(StrictModel):
    warning: float | None = Field(None, description="Worse than this: amber.")
    critical: float | None = Field(None, description="Worse than this: red.")


class KpiSpec(StrictModel):
    """``enterprise/kpis/<name>.yaml``."""

    apiVersion: Literal["andmesh/v1"]
    kind: Literal["KPI"]
    name: str = Field(pattern=SNAKE_CASE)
    title: str
    description: str | None = None
    owner: str = Field(description="Username of the person accountable for the KPI.")
    valueChain: str | None = None
    unit: str = Field(description="days, hours, ratio, percent, currency…")
    direction: Literal["lower", "higher"] = Field(description="Which way is better.")
    formula: str = Field(description="The definition in words, shown next to every value.")
    requirements: list[str] = Field(
        default_factory=list,
        description="Requirement ids `<domain>.<port>.<attribute>` it depends on: a gap in one "
        "makes the KPI not computable.",
    )
    source: SourceSpec | None = None
    timeDimension: str | None = Field(None, description="Column bucketed into periods.")
    timeGrains: list[Grain] = Field(default_factory=lambda: list(GRAINS))
    dimensions: dict[str, DimensionSpec] = Field(default_factory=dict)
    measures: dict[str, MeasureSpec] = Field(default_factory=dict)
    kpis: list[str] = Field(default_factory=list, description="Derived KPI: the KPIs `value` combines.")
    offsets: dict[str, OffsetSpec] = Field(
        default_factory=dict,
        description="Derived KPI: name → another KPI's value at an earlier period, usable in `value` "
        "(`change: otif - otif_last_year`).",
    )
    cumulative: Literal["quarter", "year"] | None = Field(
        None,
        description="Quarter- or year-to-date: each period's value over the measures cumulated since "
        "the start of its quarter or year (the ratio of the sums, not the sum of the ratios).",
    )
    value: str = Field(description="Expression over the measures (or the `kpis`); `/` of 0 is NULL.")
    target: float | None = None
    thresholds: ThresholdsSpec | None = None

    @model_validator(mode="after")
    def _shape(self) -> KpiSpec:
        if bool(self.kpis or self.offsets) == bool(self.measures):
            raise ValueError("a KPI has either `measures` (over a `source`) or `kpis` (derived from others)")
        if self.cumulative is not None and not self.measures:
            raise ValueError(
                "`cumulative` cumulates measures: a derived KPI is cumulative through its `kpis`"
            )
        if self.cumulative is not None:
            for name, measure in self.measures.items():
                if measure.agg == "count_distinct":
                    raise ValueError(
                        f"measure `{name}`: a `count_distinct` cannot be cumulated over periods "
                        "(a value counted in two periods would count twice)"
                    )
        if self.measures and self.source is None and any(m.source is None for m in self.measures.values()):
            raise ValueError("a measure needs a `source`: give the KPI one, or the measure")
        return self


JoinStep.model_rebuild()


# --- expressions ------------------------------------------------------------------------


def parse_expression(text: str, *, aggregate: bool = False) -> ast.expr:
    """The checked syntax tree of ``text``; :class:`ExpressionError` when outside the subset.

    >>> parse_expression("a & b")
    Traceback (most recent call last):
    ...
    andmesh.spec.kpi.ExpressionError: `&` is not allowed: write `and`, `or`, `not`
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"not an expression: {exc.msg}") from None
    _check(tree, aggregate, inside_agg=False)
    return tree


_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_CMP = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _check(node: ast.expr, aggregate: bool, inside_agg: bool) -> None:
    if isinstance(node, ast.Name | ast.Constant):
        if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | bool | None):
            raise ExpressionError(f"literal {node.value!r} is not allowed")
        return
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, aggregate, inside_agg)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        _check(node.operand, aggregate, inside_agg)
        return
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _OPS):
            raise ExpressionError(
                f"`{_symbol(node.op)}` is not allowed: write `and`, `or`, `not`"
                if isinstance(node.op, ast.BitAnd | ast.BitOr)
                else f"operator `{_symbol(node.op)}` is not allowed (use + - * /)"
            )
        _check(node.left, aggregate, inside_agg)
        _check(node.right, aggregate, inside_agg)
        return
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1 or not isinstance(node.ops[0], _CMP):
            raise ExpressionError("compare two values with one of == != < <= > >=")
        _check(node.left, aggregate, inside_agg)
        _check(node.comparators[0], aggregate, inside_agg)
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = node.func.id
        is_agg = name in AGG_FUNCTIONS
        if is_agg and not aggregate:
            raise ExpressionError(
                f"`{name}()` aggregates: use it in an `aggregate` step (or as a measure's `agg`)"
            )
        if is_agg and inside_agg:
            raise ExpressionError(f"`{name}()` inside another aggregate")
        arity = AGG_FUNCTIONS.get(name) or ROW_FUNCTIONS.get(name)
        if arity is None:
            known = sorted(ROW_FUNCTIONS) + (sorted(AGG_FUNCTIONS) if aggregate else [])
            raise ExpressionError(f"unknown function `{name}`; {hint_for(name, known, 'functions')}")
        low, high = arity
        if len(node.args) < low or (high is not None and len(node.args) > high):
            raise ExpressionError(
                f"`{name}()` takes {low}{'' if high == low else '+' if high is None else f'–{high}'} argument(s)"
            )
        for arg in node.args:
            _check(arg, aggregate, inside_agg or is_agg)
        return
    raise ExpressionError(f"`{ast.unparse(node)}` is not allowed in a KPI expression")


def _symbol(op: ast.operator) -> str:
    return {ast.BitAnd: "&", ast.BitOr: "|", ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//"}.get(
        type(op), type(op).__name__
    )


def expression_columns(text: str | ast.expr, *, aggregate: bool = True) -> set[str]:
    """Column (or measure) names an expression reads."""
    tree = parse_expression(text, aggregate=aggregate) if isinstance(text, str) else text
    return {
        n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id not in LITERAL_NAMES and not _is_function(tree, n)
    }


def _is_function(tree: ast.expr, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


# --- resolution and lint ------------------------------------------------------------------


@dataclass
class Kpi:
    """A KPI spec resolved against the mesh: the ports it reads and where it is written."""

    name: str
    file: Path
    spec: KpiSpec
    inputs: tuple[str, ...] = ()
    use_cases: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def formula(self) -> str:
        return self.spec.formula

    @property
    def unit(self) -> str:
        return self.spec.unit

    @property
    def direction(self) -> str:
        return self.spec.direction

    #: Its requirements and those of the KPIs it derives from (set by :func:`resolve_kpis`).
    needs: tuple[str, ...] = ()

    @property
    def requirements(self) -> tuple[str, ...]:
        return self.needs or tuple(self.spec.requirements)


@dataclass
class KpiSpecs:
    kpis: list[tuple[YamlDocument, KpiSpec]] = field(default_factory=list)
    #: Use cases' KPI names, checked once every KPI is known: (doc, use case, names).
    use_cases: list[tuple[YamlDocument, str, list[str]]] = field(default_factory=list)


#: Python models a ``model:`` source may name → the columns they yield. Filled by
#: andmesh.enterprise.kpis.models at import; the spec layer never imports it.
MODEL_COLUMNS: dict[str, tuple[str, ...]] = {}


def _load_models() -> None:
    # Imported here: the Python models register themselves into the spec layer, which never
    # imports the enterprise package at module level.
    import andmesh.enterprise.kpis.models  # noqa: F401


#: Ports each Python model reads (for reuse and the "not published" check).
_MODEL_PORTS: dict[str, tuple[str, ...]] = {}
#: Columns a Python model can be cut by: a dimension's ``key`` must be one of them.
MODEL_KEYS: dict[str, tuple[str, ...]] = {}


def register_model_columns(
    name: str, columns: tuple[str, ...], reads: tuple[str, ...], keys: tuple[str, ...] = ()
) -> None:
    """Declare a Python model's output columns, input ports and the keys it can be cut by
    (called by the enterprise layer)."""
    MODEL_COLUMNS[name] = columns
    _MODEL_PORTS[name] = reads
    MODEL_KEYS[name] = keys


__all__ = [
    "GRAINS",
    "ExpressionError",
    "Kpi",
    "KpiSpec",
    "KpiSpecs",
    "OffsetSpec",
    "expression_columns",
    "parse_expression",
    "register_model_columns",
]
