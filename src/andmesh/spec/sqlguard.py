"""The early, friendly check of user SQL: one read-only SELECT over the tables it was given.

Pipelines, ``type: sql`` quality rules and SQL policies all pass through
:func:`guard_select` before they reach an engine. The check is an allow-list: every node
of the parsed query must be of a kind a read-only query over bound tables may contain
(selects, joins, set operations, CTEs, expressions, scalar and aggregate functions), and
every table it reads must be a bound name or one of its own CTEs. Table-valued functions
(``read_text``, ``read_csv``, ``glob``, ``LATERAL f(...)``…), qualified names
(``information_schema.tables``), statements other than SELECT, several statements,
parameters and ``SELECT … INTO`` are refused.

This is not the boundary: the engine session that runs the query is sealed (external
access off, configuration locked; see ``andmesh.engine.duckdb``), so a query that slips
past this check still reads nothing but its inputs. What the engine runs is the query as
parsed here, regenerated without comments, so the engine and this check cannot disagree
on where a statement or a comment ends.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

# Node kinds a read-only query over bound tables may contain, besides functions.
_STRUCTURE: tuple[type[exp.Expr], ...] = (
    exp.Select,
    exp.SetOperation,
    exp.Subquery,
    exp.With,
    exp.CTE,
    exp.TableAlias,
    exp.From,
    exp.Join,
    exp.Where,
    exp.Group,
    exp.Having,
    exp.Qualify,
    exp.Order,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Fetch,
    exp.Window,
    exp.WindowSpec,
    exp.Distinct,
    exp.Values,
    exp.Tuple,
    exp.Lateral,
    exp.Pivot,
    exp.PivotAlias,
    exp.Table,
    exp.Column,
    exp.Identifier,
    exp.Star,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Alias,
    exp.Aliases,
    exp.DataType,
    exp.DataTypeParam,
    exp.Var,
    exp.Binary,
    exp.Unary,
    exp.Lambda,
    exp.PropertyEQ,
    exp.Kwarg,
    exp.Slice,
    exp.WithinGroup,
    exp.GroupingSets,
    exp.Cube,
    exp.Rollup,
    exp.ColumnDef,
    exp.IntervalSpan,
    exp.RecursiveWithSearch,
    exp.Predicate,
    exp.Filter,
    exp.AtTimeZone,
    exp.Interval,
    exp.Bracket,
    exp.JSONPath,
    exp.JSONPathPart,
    exp.National,
    exp.RawString,
    exp.TableSample,
)
# Function-like nodes that are never scalar: they read files or the engine's own state.
_FORBIDDEN_FUNCTIONS: tuple[type[exp.Expr], ...] = (exp.ReadCSV, exp.ReadParquet, exp.ToFile)
# Names of engine functions that read files, the engine's settings or its catalog, or run
# SQL given as a string. DuckDB has no scalar function that reads a file (they are all
# table functions, refused by position), so this list is for clear errors, not the boundary.
_FORBIDDEN_NAMES = re.compile(
    r"^(read_\w*|parquet_\w*|duckdb_\w*|pragma_\w*|sqlite_\w*|postgres_\w*|mysql_\w*|iceberg_\w*"
    r"|delta_\w*|arrow_\w*|sniff_csv|glob|query|query_table|current_setting|getvariable|getenv"
    r"|which_secret|checkpoint|force_checkpoint|json_execute_serialized_sql|from_substrait\w*"
    r"|get_substrait\w*|load_\w*|install_\w*)$",
    re.IGNORECASE,
)
# Names of the engine's catalog a CTE must not take (it would pass for a bound table).
_CATALOG_NAMES = re.compile(
    r"^(information_schema|pg_catalog|main|temp|system|memory|tables|columns|schemata|views"
    r"|character_sets|key_column_usage|referential_constraints|table_constraints"
    r"|constraint_column_usage|constraint_table_usage|check_constraints"
    r"|(duckdb|pragma|sqlite|pg)_\w*)$",
    re.IGNORECASE,
)


class SqlRefused(ValueError):
    """User SQL that is not one read-only SELECT over its bound tables."""

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str = "",
        *,
        kind: str = "node",
        name: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        self.kind = kind  # parse | statement | table | table_function | function | cte | node
        self.name = name  # what was refused: a table or function name


@dataclass(frozen=True)
class GuardedQuery:
    """A query that passed the guard: its parsed form and the SQL the engine must run."""

    statement: exp.Query
    sql: str


def guard_select(text: str, tables: Collection[str], dialect: str = "duckdb") -> GuardedQuery:
    """Check that ``text`` is one read-only SELECT over ``tables``; raise :class:`SqlRefused`.

    >>> guard_select("select count(*) as n from t -- rows", {"t"}).sql
    'SELECT COUNT(*) AS n FROM t'
    >>> guard_select("select * from t, lateral read_text('/etc/passwd')", {"t"})
    Traceback (most recent call last):
    ...
    andmesh.spec.sqlguard.SqlRefused: `LATERAL read_text(...)` is a table function: user SQL reads only its inputs (t)
    """
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        detail = exc.errors[0] if exc.errors else {}
        raise SqlRefused(
            f"the SQL does not parse: {detail.get('description', str(exc).splitlines()[0])}",
            detail.get("line"),
            detail.get("col"),
            f"near `{detail['highlight']}`" if detail.get("highlight") else "",
            kind="parse",
        ) from exc
    except sqlglot.errors.SqlglotError as exc:
        raise SqlRefused(f"the SQL does not parse: {str(exc).splitlines()[0]}", kind="parse") from exc
    nested = _nested_comment(text, dialect)
    if nested is not None:
        raise SqlRefused(
            f"a comment holds a comment marker (`{nested.strip()[:40]}`): engines disagree on where it ends",
            hint="remove the `/*` or `*/` from the comment",
            kind="parse",
        )
    if len(statements) != 1:
        raise SqlRefused(
            f"only a single SELECT is allowed, found {len(statements)} statements",
            hint="remove the other statements",
            kind="statement",
        )
    statement = statements[0]
    if not isinstance(statement, exp.Query) or isinstance(statement, exp.Values):
        kind = (
            statement.key.upper() if not isinstance(statement, exp.Command) else str(statement.this).upper()
        )
        raise SqlRefused(
            f"only a single SELECT is allowed, not {kind}", *_position(statement, text), kind="statement"
        )
    bound = {t.lower() for t in tables}
    _check_nodes(statement, text, bound)
    guarded = GuardedQuery(statement, statement.sql(dialect=dialect, comments=False))
    if len(_PASSED) >= _PASSED_MAX:
        _PASSED.clear()
    _PASSED[(text, frozenset(bound), dialect)] = guarded.sql
    return guarded


# The SQL of the queries that passed in this process: a run lints its pipelines when it loads
# the mesh, then builds them; the build takes the guarded SQL without parsing it again.
_PASSED: dict[tuple[str, frozenset[str], str], str] = {}
_PASSED_MAX = 1024


def guarded_sql(text: str, tables: Collection[str], dialect: str = "duckdb") -> str:
    """The SQL the engine runs for ``text`` (:func:`guard_select`'s), remembered once it passed.

    >>> guarded_sql("select 1 as one from t /* ok */", ["T"]) == guard_select("select 1 as one from t", ["t"]).sql
    True
    """
    known = _PASSED.get((text, frozenset(t.lower() for t in tables), dialect))
    return known if known is not None else guard_select(text, tables, dialect).sql


def remember_passed(text: str, tables: Collection[str], dialect: str, sql: str) -> None:
    """Take ``sql`` as what :func:`guarded_sql` gives for ``text``: the guard's own output, kept by
    the workspace's signed spec cache from the run that parsed it (the build then parses nothing).

    >>> remember_passed("select 1 as one from t", ["t"], "duckdb", "SELECT 1 AS one FROM t")
    >>> guarded_sql("select 1 as one from t", ["T"])
    'SELECT 1 AS one FROM t'
    """
    if len(_PASSED) >= _PASSED_MAX:
        _PASSED.clear()
    _PASSED[(text, frozenset(t.lower() for t in tables), dialect)] = sql


def _nested_comment(text: str, dialect: str) -> str | None:
    """A comment that itself contains ``/*`` or ``*/`` (DuckDB nests block comments)."""
    tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(text)
    return next((c for t in tokens for c in t.comments if "/*" in c or "*/" in c), None)


def refusal(text: str, tables: Collection[str], dialect: str = "duckdb") -> SqlRefused | None:
    """Why ``text`` is refused, or None when it passes."""
    try:
        guard_select(text, tables, dialect)
    except SqlRefused as exc:
        return exc
    return None


def _check_nodes(statement: exp.Query, text: str, bound: set[str]) -> None:
    ctes = set()
    for cte in statement.find_all(exp.CTE):
        name = cte.alias_or_name
        if _CATALOG_NAMES.match(name) and name.lower() not in bound:
            raise SqlRefused(
                f"the CTE `{name}` takes the name of the engine's catalog",
                *_position(cte.args.get("alias") or cte, text),
                hint="rename it",
                kind="cte",
                name=name,
            )
        ctes.add(name.lower())
    allowed = bound | ctes
    listing = ", ".join(sorted(bound)) or "none"
    for node in statement.walk():
        if isinstance(node, exp.Table):
            _check_table(node, text, allowed, listing)
        elif isinstance(node, exp.Lateral):
            if not isinstance(node.this, exp.Unnest | exp.Subquery):
                raise SqlRefused(
                    f"`LATERAL {_name(node.this)}(...)` is a table function: user SQL reads only its inputs "
                    f"({listing})",
                    *_position(node.this, text),
                    kind="table_function",
                    name=_name(node.this),
                )
        elif isinstance(node, _FORBIDDEN_FUNCTIONS) or (
            isinstance(node, exp.Func) and _FORBIDDEN_NAMES.match(_name(node))
        ):
            raise SqlRefused(
                f"`{_name(node)}(...)` reads files or the engine's state: user SQL reads only its inputs "
                f"({listing})",
                *_position(node, text),
                kind="function",
                name=_name(node),
            )
        elif not isinstance(node, (exp.Func, *_STRUCTURE)) or isinstance(node, exp.Into):
            raise SqlRefused(
                f"`{node.key.upper()}` is not allowed in user SQL (a read-only SELECT over its inputs)",
                *_position(node, text),
            )


def _check_table(node: exp.Table, text: str, allowed: set[str], listing: str) -> None:
    source = node.this
    if not isinstance(source, exp.Identifier):
        raise SqlRefused(
            f"`{_name(source)}(...)` is a table function: user SQL reads only its inputs ({listing})",
            *_position(source, text),
            kind="table_function",
            name=_name(source),
        )
    if node.args.get("db") or node.args.get("catalog"):
        raise SqlRefused(
            f"`{node.sql()}` is a qualified name: user SQL reads only its inputs ({listing})",
            *_position(source, text),
            kind="table_function",
            name=node.sql(),
        )
    if source.name.lower() not in allowed:
        raise SqlRefused(
            f"the query reads `{source.name}`, which is not one of its inputs ({listing})",
            *_position(source, text),
            hint="declare it as a source or an input port and select from its name",
            kind="table",
            name=source.name,
        )


def _name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name)
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return node.key.lower()


def start_column(meta: dict[str, int]) -> int | None:
    """The column a token starts at (the parser records where it ends)."""
    if "col" not in meta:
        return None
    return meta["col"] - (meta.get("end", 0) - meta.get("start", 0))


def _position(node: exp.Expr, text: str) -> tuple[int | None, int | None]:
    """Line and column of ``node`` in ``text`` (from the parser; else the first line naming it)."""
    for candidate in (node, node.args.get("this")):
        if isinstance(candidate, exp.Expr) and candidate.meta.get("line"):
            return candidate.meta["line"], start_column(candidate.meta)
    needle = _name(node) if isinstance(node, exp.Func) else str(getattr(node, "name", "") or "")
    if needle:
        for number, line in enumerate(text.splitlines(), start=1):
            if needle.lower() in line.lower():
                return number, line.lower().index(needle.lower()) + 1
    return None, None
