"""Column lineage of a SQL pipeline, derived with sqlglot against the input schemas.

Every output column is traced back through CTEs and subqueries to the columns of the
tables the query reads (the product's input ports and sources, by the names it
registers them under). Each input column is classified the way OpenLineage's
``columnLineage`` facet does:

- ``DIRECT`` / ``IDENTITY``: copied as is (``o.order_id``, ``o.order_id as id``);
- ``DIRECT`` / ``TRANSFORMATION``: computed (``lower(email)``, ``cast(ts as date)``);
- ``DIRECT`` / ``AGGREGATION``: through an aggregate (``sum(quantity)``);
- ``INDIRECT`` / ``JOIN``, ``FILTER``, ``GROUP_BY``, ``SORT``, ``WINDOW``: columns that
  decide which rows there are or how they are matched, not a value; OpenLineage puts
  these on the dataset as a whole.

Only SQL pipelines get column lineage: a Python pipeline is an arbitrary function over
Ibis tables, and its products carry product-level lineage only.

>>> lineage = sql_column_lineage(
...     "select c.id, upper(c.name) as name from customers as c where c.active",
...     {"customers": {"id": "int", "name": "text", "active": "boolean"}},
... )
>>> [(s.table, s.column, s.subtype) for s in lineage.fields["name"]]
[('customers', 'name', 'TRANSFORMATION')]
>>> [(s.table, s.column, s.subtype) for s in lineage.dataset]
[('customers', 'active', 'FILTER')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.lineage import Node, lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

# Strength of a step: a value that went through an aggregate anywhere on its path is an
# aggregation, else through any expression a transformation, else an identity.
_RANK = {"IDENTITY": 0, "TRANSFORMATION": 1, "AGGREGATION": 2}

Schemas = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True, order=True)
class SourceColumn:
    """One input column an output column (or the whole output) depends on."""

    table: str  # the name the query reads it under (input port or source name)
    column: str
    type: str  # DIRECT | INDIRECT
    subtype: str  # IDENTITY | TRANSFORMATION | AGGREGATION | JOIN | FILTER | GROUP_BY | SORT | WINDOW


@dataclass
class ColumnLineage:
    """What each output column of one query is made of."""

    fields: dict[str, list[SourceColumn]] = field(default_factory=dict)
    dataset: list[SourceColumn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def tables(self) -> set[str]:
        """Every table some output column or the row set depends on."""
        found = {s.table for sources in self.fields.values() for s in sources}
        return found | {s.table for s in self.dataset}


def sql_column_lineage(sql: str, schemas: Schemas, dialect: str = "duckdb") -> ColumnLineage:
    """Column lineage of one SELECT query (cached: a pipeline's lineage depends on its text only).

    ``schemas`` maps each table the query reads to ``{column: type}``; a table without a
    schema is still traced where columns are qualified or the scope has a single source.
    Output columns that cannot be traced are listed in ``problems``, never guessed.
    """
    frozen = tuple(sorted((t, tuple(sorted(cols.items()))) for t, cols in schemas.items()))
    return _cached(sql, frozen, dialect)


@lru_cache(maxsize=256)
def _cached(
    sql: str, frozen: tuple[tuple[str, tuple[tuple[str, str], ...]], ...], dialect: str
) -> ColumnLineage:
    schemas: dict[str, Any] = {table: dict(columns) for table, columns in frozen}
    result = ColumnLineage()
    try:
        expression = sqlglot.parse_one(sql, dialect=dialect)
        try:
            qualified = qualify(
                expression.copy(),
                schema=schemas or None,
                dialect=dialect,
                validate_qualify_columns=False,
                identify=False,
            )
        except OptimizeError:
            # A column aliased to its own name over a table without a schema
            # (`case … end as delivered_at`) defeats alias expansion; trace without it.
            qualified = qualify(
                expression,
                schema=schemas or None,
                dialect=dialect,
                validate_qualify_columns=False,
                identify=False,
                expand_alias_refs=False,
            )
        root = build_scope(qualified)
        if root is None or not isinstance(root.expression, exp.Query):
            result.problems.append("not a SELECT query: no column lineage")
            return result
        # trim_selects would copy each SELECT per column (most of the time): not needed here.
        nodes = lineage(None, qualified, schemas, dialect=dialect, scope=root, copy=False, trim_selects=False)
    except (SqlglotError, ValueError, KeyError) as exc:
        result.problems.append(f"column lineage could not be derived: {_describe(exc)}")
        return result
    tables = _base_tables(root)
    for name, node in nodes.items():
        result.fields[name] = sorted(_direct_sources(node, tables))
        unresolved = _unresolved(node)
        if unresolved:
            result.problems.append(f"`{name}`: could not trace {', '.join(unresolved)}")
    result.dataset = sorted(set(_indirect_sources(root, schemas, dialect, tables)))
    return result


def _describe(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        first = errors[0]
        return f"{first.get('description')} (line {first.get('line')}, column {first.get('col')})"
    return f"{type(exc).__name__}: {exc}"


def _base_tables(root: Scope) -> set[str]:
    """Names of the physical tables read anywhere in the query (not CTEs or subqueries)."""
    names = set()
    for scope in root.traverse():
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                names.add(source.name)
    return names


def _step(expression: exp.Expr) -> str:
    value = expression.this if isinstance(expression, exp.Alias) else expression
    if isinstance(value, exp.Column):
        return "IDENTITY"
    if isinstance(value, exp.AggFunc) or value.find(exp.AggFunc) is not None:
        return "AGGREGATION"
    return "TRANSFORMATION"


def _direct_sources(root: Node, tables: set[str]) -> set[SourceColumn]:
    """Leaves of a column's lineage tree, each with the strongest step on its path."""
    found: set[SourceColumn] = set()
    stack: list[tuple[Node, str]] = [(root, "IDENTITY")]
    seen: set[tuple[int, str]] = set()
    while stack:
        node, kind = stack.pop()
        if (id(node), kind) in seen:
            continue
        seen.add((id(node), kind))
        if isinstance(node.expression, exp.Table):
            table = node.expression.name
            column = node.name.split(".")[-1]
            if table in tables and column != "*":
                found.add(SourceColumn(table, column, "DIRECT", kind))
            continue
        here = _step(node.expression)
        strongest = here if _RANK[here] > _RANK[kind] else kind
        stack.extend((child, strongest) for child in node.downstream)
    return found


def _unresolved(root: Node) -> list[str]:
    """Leaves that are not a table's column: a column of an unknown table, or `*` without a schema."""
    missing = set()
    for node in root.walk():
        if isinstance(node.expression, exp.Table):
            if node.name.split(".")[-1] == "*":
                missing.add(f"`select *` from {node.expression.name} (no schema to expand it)")
        elif not node.downstream and (
            isinstance(node.expression, exp.Placeholder) or node.expression.find(exp.Column) is not None
        ):
            missing.add(f"`{node.name}` (its table is ambiguous or unknown)")
    return sorted(missing)


_INDIRECT_CLAUSES: tuple[tuple[str, str], ...] = (
    ("joins", "JOIN"),
    ("where", "FILTER"),
    ("having", "FILTER"),
    ("qualify", "FILTER"),
    ("group", "GROUP_BY"),
    ("order", "SORT"),
)


def _indirect_sources(
    root: Scope, schemas: Schemas, dialect: str, tables: set[str]
) -> Iterable[SourceColumn]:
    """Columns that decide the row set (joins, filters, grouping, order, windows), per scope."""
    for scope in root.traverse():
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        for key, subtype in _INDIRECT_CLAUSES:
            value = select.args.get(key)
            parts = value if isinstance(value, list) else [value] if value is not None else []
            for part in parts:
                target = part.args.get("on") if key == "joins" else part
                if target is None:
                    continue
                for column in target.find_all(exp.Column):
                    yield from _resolve(scope, column, subtype, schemas, dialect, tables)
        for window in select.find_all(exp.Window):
            for column in window.find_all(exp.Column):
                yield from _resolve(scope, column, "WINDOW", schemas, dialect, tables)


def _resolve(
    scope: Scope, column: exp.Column, subtype: str, schemas: Schemas, dialect: str, tables: set[str]
) -> Iterable[SourceColumn]:
    """The base-table columns behind ``column`` as seen from ``scope``."""
    source = scope.sources.get(column.table)
    if source is None and not column.table and len(scope.sources) == 1:
        source = next(iter(scope.sources.values()))
    if isinstance(source, exp.Table):
        if source.name in tables:
            yield SourceColumn(source.name, column.name, "INDIRECT", subtype)
        return
    if isinstance(source, Scope) and isinstance(source.expression, exp.Query):
        if column.name not in source.expression.named_selects:
            return
        try:
            node = lineage(
                column.name,
                source.expression,
                dict(schemas),
                dialect=dialect,
                scope=source,
                copy=False,
                trim_selects=False,
            )
        except (SqlglotError, ValueError):
            return
        for found in _direct_sources(node, tables):
            yield SourceColumn(found.table, found.column, "INDIRECT", subtype)
