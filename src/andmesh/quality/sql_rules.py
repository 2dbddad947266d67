"""``type: sql`` quality rules: a single read-only SELECT returning one number.

``{object}`` and ``{property}`` are replaced by the table and column names. The query
passes :func:`andmesh.spec.sqlguard.guard_select` (one read-only SELECT over the tables
the check was given, no table function) and runs on the check's session, which seals
itself before it (external access off, configuration locked): the measured value can
only be computed from the staged table and the tables its relationships point to.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from andmesh.engine.base import EngineSession
from andmesh.quality.operators import threshold_of
from andmesh.quality.plan import Evaluation, PlannedCheck, decided
from andmesh.quality.results import CheckStatus

if TYPE_CHECKING:
    from open_data_contract_standard.model import DataQuality


def read_only_query(query: str, tables: Collection[str], dialect: str = "duckdb") -> str:
    """Check that ``query`` is one SELECT over ``tables``; return the SQL to run, or raise ValueError.

    The SQL returned is the query as the guard parsed it (comments dropped): the engine
    runs exactly what was checked.

    >>> read_only_query("select count(*) from t where x < 0", {"t"})
    'SELECT COUNT(*) FROM t WHERE x < 0'
    >>> read_only_query("delete from t", {"t"})
    Traceback (most recent call last):
    ...
    andmesh.spec.sqlguard.SqlRefused: only a single SELECT is allowed, not DELETE
    """
    # Loaded here: the guard's node tables cost ~40 ms to build, and most contracts have no SQL rule.
    from andmesh.spec.sqlguard import guard_select

    return guard_select(query, tables, dialect).sql


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
        rows = session.fetch_user(query)
        if len(rows) != 1 or not rows[0]:
            raise ValueError(f"the query returned {len(rows)} rows; it must return one number")
        value = next(iter(rows[0].values()))
        if value is None:
            value = 0
        if not isinstance(value, int | float):
            raise ValueError(f"the query returned {value!r}, not a number")
        # Shown as the user wrote it; the engine ran its checked, comment-free form.
        return Evaluation(float(value) if isinstance(value, float) else int(value), text)

    return PlannedCheck(
        check_id, "sql", obj, prop, severity=severity, threshold=threshold, evaluate=evaluate, describe=label
    )
