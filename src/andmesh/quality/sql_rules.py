"""``type: sql`` quality rules: a single read-only SELECT returning one number.

``{object}`` and ``{property}`` are replaced by the table and column names. Anything
but one SELECT (a DDL or DML statement, several statements) is refused, and so is a
query reading a table the check was not given.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlglot
from open_data_contract_standard.model import DataQuality
from sqlglot import exp

from andmesh.engine.base import EngineSession
from andmesh.quality.operators import threshold_of
from andmesh.quality.plan import Evaluation, PlannedCheck, decided
from andmesh.quality.results import CheckStatus


def read_only_query(query: str, tables: Collection[str], dialect: str = "duckdb") -> str:
    """Check that ``query`` is one SELECT over ``tables``; return it, or raise ValueError.

    >>> read_only_query("select count(*) from t where x < 0", {"t"})
    'select count(*) from t where x < 0'
    >>> read_only_query("delete from t", {"t"})
    Traceback (most recent call last):
    ...
    ValueError: only a single SELECT is allowed, not Delete
    """
    try:
        statements = [s for s in sqlglot.parse(query, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise ValueError(f"the query does not parse: {exc}") from exc
    if len(statements) != 1:
        raise ValueError(f"only a single SELECT is allowed, not {len(statements)} statements")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise ValueError(f"only a single SELECT is allowed, not {type(statement).__name__}")
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    for table in statement.find_all(exp.Table):
        if isinstance(table.this, exp.Func) or (table.name not in tables and table.name not in ctes):
            raise ValueError(
                f"the query reads `{table.sql(dialect=dialect)}`; allowed: {', '.join(sorted(tables))}"
            )
    return query


def plan_sql_rule(
    obj: str,
    prop: str | None,
    check_id: str,
    rule: DataQuality,
    tables: Collection[str],
    severity: str,
    physical: str | None = None,
) -> PlannedCheck:
    """A SQL rule; ``{property}`` becomes ``physical`` (the column as stored) or ``prop``."""
    threshold = threshold_of(rule)
    label = rule.name or "sql"

    def settle(status: CheckStatus, message: str) -> PlannedCheck:
        return decided(check_id, "sql", obj, prop, status, message, severity=severity, threshold=threshold)

    if not rule.query:
        return settle(CheckStatus.error, "a `type: sql` rule needs a `query`")
    if not threshold:
        return settle(
            CheckStatus.error,
            "the rule sets no threshold (mustBe, mustBeLessThan, …): it cannot pass or fail",
        )
    text = rule.query.replace("{object}", obj).replace("{property}", physical or prop or "")
    try:
        query = read_only_query(text, tables)
    except ValueError as exc:
        return settle(CheckStatus.error, f"rule `{label}` refused: {exc}")

    def evaluate(session: EngineSession) -> Evaluation:
        result = session.to_arrow(session.sql(query, "duckdb"))
        if result.num_rows != 1 or result.num_columns < 1:
            raise ValueError(f"the query returned {result.num_rows} rows; it must return one number")
        value = result.column(0)[0].as_py()
        if value is None:
            value = 0
        if not isinstance(value, int | float):
            raise ValueError(f"the query returned {value!r}, not a number")
        return Evaluation(float(value) if isinstance(value, float) else int(value), query)

    return PlannedCheck(
        check_id, "sql", obj, prop, severity=severity, threshold=threshold, evaluate=evaluate, describe=label
    )
