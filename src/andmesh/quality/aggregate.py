"""The one scan every row-level check shares, and what to do when it fails.

All row-level measures run as one aggregate. When the engine refuses it, one bad
measure must not take the others down, and data that cannot be read must not look
like checks that failed: the data is read once on its own (every column, decoded)
and, if that fails, the input is reported as unreadable; otherwise each measure runs
alone and the ones that fail become ``error`` checks, never passes.
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from andmesh.engine.base import EngineSession
from andmesh.errors import AndmeshError, DataFileError
from andmesh.quality.sql import Relation

ROWS = "__rows"
_QUOTED_PATH = re.compile(r"""["'](/[^"']+)["']""")


def _aggregate(session: EngineSession, table: Relation, measures: dict[str, exp.Expr]) -> str:
    # `alias_` copies each measure (the measures stay untouched for the one-by-one retry);
    # the query is built here and thrown away, so rendering it need not copy it again.
    columns = [exp.alias_(m, key, quoted=True) for key, m in measures.items()]
    return table.select(*columns).sql(session.dialect, copy=False)


def shared_aggregate(
    session: EngineSession, table: Relation, measures: dict[str, exp.Expr], table_name: str
) -> tuple[dict[str, Any], dict[str, str], str]:
    """The value of every measure (plus the row count under ``ROWS``), the measures the
    engine could not evaluate with its reason, and the SQL of the shared scan."""
    rows = exp.Count(this=exp.Star())
    sql = _aggregate(session, table, {ROWS: rows, **measures})
    try:
        return session.fetch(sql)[0], {}, sql
    except AndmeshError:
        raise
    except Exception:  # the engine's own error type: each engine has its own
        pass
    _readable(session, table, table_name)
    row: dict[str, Any] = {ROWS: session.fetch(_aggregate(session, table, {ROWS: rows}))[0][ROWS]}
    broken: dict[str, str] = {}
    for key, measure in measures.items():
        try:
            row[key] = session.fetch(_aggregate(session, table, {key: measure}))[0][key]
        except AndmeshError:
            raise
        except Exception as exc:
            broken[key] = first_line(exc)
    return row, broken, sql


def _readable(session: EngineSession, table: Relation, table_name: str) -> None:
    """Read every column once, decoding values; raise ``DataFileError`` if the data is broken."""
    probe = {f"__c{i}": exp.ApproxDistinct(this=table.ref(c)) for i, c in enumerate(table.columns)}
    try:
        session.fetch(_aggregate(session, table, {ROWS: exp.Count(this=exp.Star()), **probe}))
    except AndmeshError:
        raise
    except Exception as exc:
        reason = first_line(exc)
        found = _QUOTED_PATH.search(reason)
        file = found.group(1) if found else None
        raise DataFileError(
            f"{file or table_name}: the data cannot be read ({reason})",
            file=file,
            hint="the file is corrupt or was truncated: write it again, or remove it from the input",
        ) from None


def first_line(exc: BaseException) -> str:
    """An engine error's first line, without the engine's error-class prefix."""
    text = str(exc).strip().split("\n", 1)[0]
    return re.sub(r"^[A-Za-z ]+ Error: ", "", text)
