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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from andmesh.errors import SpecProblem
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.models import SNAKE_CASE, StrictModel
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import PathKey, YamlDocument

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
    value: str = Field(description="Expression over the measures (or the `kpis`); `/` of 0 is NULL.")
    target: float | None = None
    thresholds: ThresholdsSpec | None = None

    @model_validator(mode="after")
    def _shape(self) -> KpiSpec:
        if bool(self.kpis) == bool(self.measures):
            raise ValueError("a KPI has either `measures` (over a `source`) or `kpis` (derived from others)")
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


def resolve_kpis(mesh: Mesh, specs: KpiSpecs, problems: list[SpecProblem]) -> None:
    """Check every KPI against the contracts (file:line) and put the good ones on ``mesh.kpis``."""
    ports = {p.table_id: p for p in mesh.ports()}
    asked = {rid: r for rid, r in mesh.requirements.items() if r.spec.newAttribute}
    by_name: dict[str, tuple[YamlDocument, KpiSpec]] = {}
    for doc, spec in specs.kpis:
        if spec.name in by_name:
            problems.append(
                doc.problem(
                    ("name",), f"KPI `{spec.name}` is already declared in {by_name[spec.name][0].file}"
                )
            )
            continue
        by_name[spec.name] = (doc, spec)
    for name, (doc, spec) in by_name.items():
        lint = _KpiLint(doc, spec, ports, asked, by_name, mesh)
        found = lint.run()
        problems.extend(found)
        if not found:
            mesh.kpis[name] = Kpi(name, doc.file, spec, tuple(sorted(lint.read)))
    for resolved in mesh.kpis.values():
        resolved.needs = _needs(resolved.name, mesh.kpis, set())
    for doc, use_case, names in specs.use_cases:
        for index, kpi in enumerate(names):
            if kpi not in by_name:
                problems.append(
                    doc.problem(
                        ("kpis", index),
                        f"unknown KPI `{kpi}`",
                        hint_for(kpi, by_name, "KPIs")
                        or "declare it in enterprise/kpis/<name>.yaml (docs/kpis.md)",
                        code="reference",
                    )
                )
            elif kpi in mesh.kpis:
                mesh.kpis[kpi].use_cases.append(use_case)


def _needs(name: str, kpis: dict[str, Kpi], seen: set[str]) -> tuple[str, ...]:
    if name in seen or name not in kpis:
        return ()
    seen.add(name)
    out = dict.fromkeys(kpis[name].spec.requirements)
    for other in kpis[name].spec.kpis:
        out.update(dict.fromkeys(_needs(other, kpis, seen)))
    return tuple(out)


class _KpiLint:
    """Every column a KPI reads, checked against the contract of its port (with file:line)."""

    def __init__(
        self,
        doc: YamlDocument,
        spec: KpiSpec,
        ports: dict[str, OutputPort],
        asked: Mapping[str, object],
        kpis: dict[str, tuple[YamlDocument, KpiSpec]],
        mesh: Mesh,
    ) -> None:
        self.doc, self.spec, self.ports, self.asked, self.kpis, self.mesh = (
            doc,
            spec,
            ports,
            asked,
            kpis,
            mesh,
        )
        self.problems: list[SpecProblem] = []
        self.read: set[str] = set()
        # A port that did not load (its contract failed) leaves the columns after it unknown:
        # only the missing port is reported, not every column that echoes it.
        self.incomplete = False

    def error(self, path: PathKey, message: str, hint: str | None = None) -> None:
        self.problems.append(self.doc.problem(path, message, hint, code="kpi"))

    def run(self) -> list[SpecProblem]:
        spec = self.spec
        base = self.source(spec.source, ("source",), spec.name) if spec.source else None
        for name, measure in spec.measures.items():
            at: PathKey = ("measures", name)
            cols = self.source(measure.source, (*at, "source"), spec.name) if measure.source else base
            if cols is None:
                continue
            self.expr(measure.expr, cols, (*at, "expr"))
            if measure.filter:
                self.expr(measure.filter, cols, (*at, "filter"))
            time = measure.time or spec.timeDimension
            if time is None:
                self.error(
                    at, "no time dimension", "add `timeDimension:` to the KPI (or `time:` to the measure)"
                )
            elif time not in cols:
                where = (*at, "time") if measure.time else ("timeDimension",)
                self.error(
                    where,
                    f"time dimension `{time}` is not a column of the source",
                    hint_for(time, cols, "columns"),
                )
            model = self.root_model(measure.source or spec.source)
            for dim_name, dim in spec.dimensions.items():
                if model is None and dim.key not in cols:
                    self.error(
                        ("dimensions", dim_name, "key"),
                        f"key `{dim.key}` is not a column of measure `{name}`'s source",
                        hint_for(dim.key, cols, "columns"),
                    )
        for dim_name, dim in spec.dimensions.items():
            # A dimension's port is read only when the KPI is cut by it: not one of its inputs.
            dcols = self.port(dim.port, ("dimensions", dim_name, "port"), read=False)
            if dcols is not None:
                for key in ("key", "column"):
                    col = getattr(dim, key)
                    if col not in dcols:
                        self.column_problem(col, dim.port, dcols, ("dimensions", dim_name, key))
        for index, kpi in enumerate(spec.kpis):
            if kpi not in self.kpis or kpi == spec.name:
                self.error(
                    ("kpis", index),
                    f"unknown KPI `{kpi}`",
                    hint_for(kpi, [k for k in self.kpis if k != spec.name], "KPIs"),
                )
            else:
                self.read.update(self._reads_of(kpi))
        names = set(spec.measures) | set(spec.kpis)
        self.expr(spec.value, names, ("value",), what="measure", aggregate=False)
        for index, req in enumerate(spec.requirements):
            self.requirement(req, ("requirements", index))
        if not spec.timeGrains:
            self.error(("timeGrains",), "list at least one of month, quarter, year")
        if self.incomplete:
            return [p for p in self.problems if p.message.startswith("unknown port")]
        return self.problems

    def root_model(self, source: SourceSpec | None) -> str | None:
        """The Python model a source ends at (through ``kpi:`` sources), which cuts itself."""
        for _ in range(4):
            if source is None or source.kpi is None:
                break
            source = self.kpis[source.kpi][1].source if source.kpi in self.kpis else None
        return source.model if source is not None else None

    def _reads_of(self, kpi: str) -> set[str]:
        other_doc, other = self.kpis[kpi]
        lint = _KpiLint(other_doc, other, self.ports, self.asked, self.kpis, self.mesh)
        lint.run()
        return lint.read

    def requirement(self, req: str, at: PathKey) -> None:
        table_id, _, column = req.rpartition(".")
        if req in self.asked:
            return
        if table_id not in self.ports:
            self.error(
                at,
                f"requirement `{req}` names no port",
                hint_for(table_id, self.ports, "ports") or "write `<domain>.<port>.<column>`",
            )
            return
        cols = self.columns(self.ports[table_id])
        if column not in cols:
            self.column_problem(column, table_id, cols, at)

    def columns(self, port: OutputPort) -> set[str]:
        cols = {p.name for p in port.contract.properties if p.name}
        prefix = f"{port.table_id}."
        return cols | {rid[len(prefix) :] for rid in self.asked if rid.startswith(prefix)}

    def column_problem(self, column: str, table_id: str, cols: set[str], at: PathKey) -> None:
        self.error(
            at,
            f"column `{column}` is not in the contract of `{table_id}`",
            hint_for(column, cols, "columns")
            or "add it to the contract, or ask the domain for it with a `newAttribute: true` requirement",
        )

    def port(self, table_id: str, at: PathKey, *, read: bool = True) -> set[str] | None:
        if table_id not in self.ports:
            self.incomplete = True
            self.error(
                at,
                f"unknown port `{table_id}`",
                hint_for(table_id, self.ports, "ports") or "write `<domain>.<port>`",
            )
            return None
        if read:
            self.read.add(self.ports[table_id].name)
        return self.columns(self.ports[table_id])

    def source(self, source: SourceSpec, at: PathKey, owner: str, depth: int = 0) -> set[str] | None:
        if source.kpi is not None:
            other = self.kpis.get(source.kpi)
            if other is None or other[1].source is None or depth > 3 or source.kpi == owner:
                self.error(
                    (*at, "kpi"),
                    f"`{source.kpi}` is not a KPI with a `source:`",
                    hint_for(
                        source.kpi, [k for k, (_, s) in self.kpis.items() if s.source and k != owner], "KPIs"
                    ),
                )
                return None
            sub = _KpiLint(other[0], other[1], self.ports, self.asked, self.kpis, self.mesh)
            assert other[1].source is not None
            cols = sub.source(other[1].source, ("source",), other[1].name, depth + 1)
            self.read |= sub.read
            self.incomplete |= sub.incomplete
            # Its own problems are reported on its own file.
            return cols
        if source.model is not None:
            _load_models()
            if MODEL_COLUMNS and source.model not in MODEL_COLUMNS:
                self.error(
                    (*at, "model"),
                    f"unknown model `{source.model}`",
                    hint_for(source.model, MODEL_COLUMNS, "models"),
                )
                return None
            for port in _MODEL_PORTS.get(source.model, ()):
                self.read.add(port)
            return set(MODEL_COLUMNS.get(source.model, ())) | {"period"}
        assert source.port is not None
        cols = self.port(source.port, (*at, "port"))
        if cols is None:
            return None
        return self.steps(source.steps, cols, (*at, "steps"), source.port)

    def steps(self, steps: list[Step], cols: set[str], at: PathKey, table_id: str) -> set[str] | None:
        cols = set(cols)
        for index, step in enumerate(steps):
            here = (*at, index)
            if step.filter is not None:
                self.expr(step.filter, cols, (*here, "filter"), port=table_id)
            elif step.derive is not None:
                for name, text in step.derive.items():
                    self.expr(text, cols, (*here, "derive", name), port=table_id)
                cols |= set(step.derive)
            elif step.aggregate is not None:
                for i, key in enumerate(step.aggregate.by):
                    if key not in cols:
                        self.column_problem(key, table_id, cols, (*here, "aggregate", "by", i))
                for name, text in step.aggregate.columns.items():
                    self.expr(
                        text, cols, (*here, "aggregate", "columns", name), aggregate=True, port=table_id
                    )
                cols = set(step.aggregate.by) | set(step.aggregate.columns)
            elif step.join is not None:
                join = step.join
                right = self.port(join.port, (*here, "join", "port"))
                if right is None:
                    continue
                right = self.steps(join.steps, right, (*here, "join", "steps"), join.port) or set()
                for side, have, tid in (("left", cols, table_id), ("right", right, join.port)):
                    if join.on not in have:
                        self.error(
                            (*here, "join", "on"),
                            f"join key `{join.on}` is not a column of the {side} side (`{tid}`)",
                            hint_for(join.on, have, "columns"),
                        )
                for i, col in enumerate(join.columns):
                    if col not in right:
                        self.column_problem(col, join.port, right, (*here, "join", "columns", i))
                cols |= set(join.columns)
        return cols

    def expr(
        self,
        text: str,
        cols: set[str],
        at: PathKey,
        *,
        what: str = "column",
        aggregate: bool = False,
        port: str | None = None,
    ) -> None:
        try:
            used = expression_columns(parse_expression(text, aggregate=aggregate))
        except ExpressionError as exc:
            self.error(at, f"expression `{text}`: {exc}")
            return
        for name in sorted(used - cols):
            if what == "column" and port is not None:
                self.error(
                    at,
                    f"column `{name}` is not in the contract of `{port}` (nor derived before)",
                    hint_for(name, cols, "columns"),
                )
            else:
                self.error(at, f"unknown {what} `{name}`", hint_for(name, cols, f"{what}s"))


def _load_models() -> None:
    # Imported here: the Python models register themselves into the spec layer, which never
    # imports the enterprise package at module level.
    import andmesh.enterprise.kpis.models  # noqa: F401


#: Ports each Python model reads (for reuse and the "not published" check).
_MODEL_PORTS: dict[str, tuple[str, ...]] = {}


def register_model_columns(name: str, columns: tuple[str, ...], reads: tuple[str, ...]) -> None:
    """Declare a Python model's output columns and input ports (called by the enterprise layer)."""
    MODEL_COLUMNS[name] = columns
    _MODEL_PORTS[name] = reads


__all__ = [
    "GRAINS",
    "ExpressionError",
    "Kpi",
    "KpiSpec",
    "KpiSpecs",
    "expression_columns",
    "parse_expression",
    "register_model_columns",
    "resolve_kpis",
]
