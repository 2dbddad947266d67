"""Regular expressions as the default engine reads them, checked before any data is.

Contracts' ``pattern`` options run as the engine's regular expressions: DuckDB's are
RE2, which refuses look-arounds and back-references that Python's ``re`` accepts and
accepts ``\\p{L}`` and ``[[:alpha:]]`` that ``re`` refuses. So a pattern is compiled
by the engine itself, once, on a private in-memory connection that reads nothing.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

_lock = threading.Lock()
_connection: duckdb.DuckDBPyConnection | None = None


def _con() -> duckdb.DuckDBPyConnection:
    global _connection
    if _connection is None:
        # Imported here: a spec read from the cache, or without patterns, never needs DuckDB.
        import duckdb

        _connection = duckdb.connect(config={"enable_external_access": False})
    return _connection


@lru_cache(maxsize=4096)
def regex_problem(pattern: str) -> str | None:
    """Why the engine refuses ``pattern`` as a regular expression, or None if it compiles.

    >>> regex_problem("^INV[0-9]{9}$") is None
    True
    >>> regex_problem("([a-z")
    'missing ]: [a-z'
    >>> regex_problem("(?=x)")
    'invalid perl operator: (?='
    """
    if "\x00" in pattern:
        return "a pattern cannot contain a NUL character"
    with _lock:
        con = _con()
        import duckdb

        try:
            # A literal, not a `$1` parameter: DuckDB's Python client imports pandas and
            # numpy to inspect any bound parameter. SQL strings keep backslashes as written.
            literal = "'" + pattern.replace("'", "''") + "'"
            con.execute(f"select regexp_matches('', {literal})").fetchall()
        except duckdb.Error as exc:
            return str(exc).split("\n", 1)[0].replace("Invalid Input Error: ", "")
    return None
