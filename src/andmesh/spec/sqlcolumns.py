"""Columns a SQL pipeline names that its inputs do not have (lint, before anything runs).

The columns of an input port are those its contract promises; a source's columns are
not declared, so a query over a source is not checked (nor is a column that could come
from it). One mistake gives one problem: a misspelt column is reported once, where it
first appears, and a CTE or subquery with a problem is not checked again through the
queries that read it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from andmesh.spec.sqlguard import start_column


@dataclass(frozen=True)
class UnknownColumn:
    """A column the query names that none of the inputs it could come from has."""

    name: str
    inputs: tuple[str, ...]  # the inputs it was looked for in
    candidates: tuple[str, ...]  # their columns, for "did you mean"
    line: int | None
    column: int | None


def unknown_columns(
    statement: exp.Query, schemas: Mapping[str, Collection[str] | None]
) -> list[UnknownColumn]:
    """Columns of ``statement`` that its inputs do not have; ``schemas`` maps an input to its
    columns, or to None when they are not known.

    >>> import sqlglot
    >>> q = sqlglot.parse_one("with o as (select custmer_id from orders) select customer_id from o")
    >>> [(u.name, u.inputs) for u in unknown_columns(q, {"orders": ["customer_id", "amount"]})]
    [('custmer_id', ('orders',))]
    """
    known: dict[str, set[str] | None] = {
        k.lower(): None if v is None else {c.lower() for c in v} for k, v in schemas.items()
    }
    lambdas = {p.name.lower() for lam in statement.find_all(exp.Lambda) for p in lam.expressions}
    tainted: set[int] = set()  # scopes with a problem: not checked again through their readers
    found: dict[tuple[str, tuple[str, ...]], UnknownColumn] = {}
    try:
        scopes = traverse_scope(statement)
    except Exception:  # a construct the scope analysis does not follow: say nothing rather than guess
        return []
    for scope in scopes:
        for column in scope.columns:
            if isinstance(column.this, exp.Star) or column.name.lower() in lambdas:
                continue
            problem = _resolve(column, scope, known, tainted)
            if problem is not None:
                tainted.add(id(scope))
                key = (problem.name.lower(), problem.inputs)
                if key not in found or _before(problem, found[key]):
                    found[key] = problem
    return sorted(found.values(), key=lambda u: (u.line or 0, u.column or 0))


def _before(a: UnknownColumn, b: UnknownColumn) -> bool:
    return (a.line or 0, a.column or 0) < (b.line or 0, b.column or 0)


def _resolve(
    column: exp.Column, scope: Scope, schemas: Mapping[str, set[str] | None], tainted: set[int]
) -> UnknownColumn | None:
    name = column.name.lower()
    qualifier = column.table.lower()
    looked: list[str] = []
    candidates: set[str] = set()
    current: Scope | None = scope
    while current is not None:  # a correlated subquery may name the columns of its outer query
        sources = {alias.lower(): source for alias, source in current.sources.items()}
        if qualifier:
            if qualifier in sources:
                columns = _columns(sources[qualifier], schemas, tainted)
                if columns is None or name in columns:
                    return None
                looked.append(_label(qualifier, sources[qualifier]))
                candidates |= columns
                return _unknown(column, looked, candidates)
        else:
            if name in {s.lower() for s in _aliases(current)} or name in sources:
                return None  # a select alias, or a whole row named by its table
            for alias, source in sources.items():
                columns = _columns(source, schemas, tainted)
                if columns is None or name in columns:
                    return None
                looked.append(_label(alias, source))
                candidates |= columns
        # Only a subquery in an expression sees its outer query (CTEs and derived tables do not).
        current = current.parent if current.is_subquery else None
    if qualifier or not looked:
        return None  # a struct field (`s.a`) or a name the scopes do not explain: not ours to judge
    return _unknown(column, looked, candidates)


def _unknown(column: exp.Column, looked: list[str], candidates: set[str]) -> UnknownColumn:
    meta = column.this.meta if isinstance(column.this, exp.Expr) else {}
    return UnknownColumn(
        column.name,
        tuple(dict.fromkeys(looked)),
        tuple(sorted(candidates)),
        meta.get("line"),
        start_column(meta),
    )


def _aliases(scope: Scope) -> list[str]:
    """Names the scope's select list gives (``x as name``): DuckDB lets the query reuse them."""
    expression = scope.expression
    if not isinstance(expression, exp.Select):
        return []
    return [s.alias for s in expression.selects if isinstance(s, exp.Alias)]


def _label(alias: str, source: exp.Table | Scope) -> str:
    return source.name if isinstance(source, exp.Table) else alias


def _columns(
    source: exp.Table | Scope, schemas: Mapping[str, set[str] | None], tainted: set[int]
) -> set[str] | None:
    """The columns a source offers, or None when they are not known."""
    if isinstance(source, exp.Table):
        alias = source.args.get("alias")
        if (isinstance(alias, exp.TableAlias) and alias.columns) or source.args.get("pivots"):
            return None  # renamed columns `t(a, b)`, or a pivot's
        return schemas.get(source.name.lower())
    if not isinstance(source, Scope) or id(source) in tainted:
        return None
    expression = source.expression
    if not isinstance(expression, exp.Select | exp.SetOperation):
        return None
    selects = expression.selects if isinstance(expression, exp.Select) else expression.left.selects
    if any(isinstance(s, exp.Star) or (isinstance(s, exp.Column) and s.is_star) for s in selects):
        return None
    if isinstance(expression, exp.Select) and expression.args.get("pivots"):
        return None
    return {n.lower() for n in expression.named_selects}
