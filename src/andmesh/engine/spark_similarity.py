"""DuckDB's string similarity functions on Spark: the same number on both engines, by construction.

Entity resolution's comparisons and blocking rules are written in DuckDB's SQL
(``jaro_winkler_similarity(a, b) >= 0.94``). Splink's jar computes Jaro-Winkler otherwise than
DuckDB in two ways, so a pair could land in another comparison level on Spark:

* DuckDB counts half the out-of-order characters and **rounds the transpositions down**
  (``'eiken ln 79'`` / ``'eikenln 79'``: three out of order, one transposition, 0.9618); the jar
  does not round (1.5 transpositions, 0.9518). Streets one glued word apart fell in another level;
* DuckDB compares **UTF-8 bytes**, the jar characters (``'müller logistik'`` / ``'muller
  logistik'``: 0.9425 on DuckDB, 0.96 in the jar).

So on Spark these functions *are* DuckDB's: :func:`register` makes ``jarowinkler_similarity`` (the
name sqlglot gives DuckDB's ``jaro_winkler_similarity`` in Spark SQL), ``jaro_similarity`` and
``damerau_levenshtein`` vectorised (pandas) UDFs of a session, each calling DuckDB on a batch of
pairs in Spark's Python worker (an in-memory DuckDB, no file access: pure functions of the two
columns). The same functions written in Spark SQL's higher-order functions gave the same numbers
but ran interpreted, about a millisecond a pair on a loaded machine (816 s for the location linkage
at 20,000 customers); a batch through DuckDB costs microseconds a pair.

The executors need Python with andmesh's dependencies (``duckdb``, ``pyarrow``, ``pandas``): on
``local[…]`` they run this process's interpreter (``PYSPARK_PYTHON``, set by :mod:`.spark_conf` unless given).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# Spark SQL name → (DuckDB's function, Spark's result type).
FUNCTIONS = {
    "jarowinkler_similarity": ("jaro_winkler_similarity", "double"),
    "jaro_similarity": ("jaro_similarity", "double"),
    "damerau_levenshtein": ("damerau_levenshtein", "bigint"),
}

_connection: duckdb.DuckDBPyConnection | None = None


def _duckdb() -> duckdb.DuckDBPyConnection:
    """The worker's DuckDB (one per Python worker: a batch is a few thousand pairs)."""
    global _connection
    if _connection is None:
        import duckdb

        _connection = duckdb.connect(config={"enable_external_access": False, "threads": 1})
    return _connection


def on_duckdb(function: str, a: pd.Series, b: pd.Series) -> pd.Series:
    """``function(a, b)`` for each pair of the two columns, computed by DuckDB (NULL in, NULL out).

    >>> import pandas as pd
    >>> on_duckdb("jaro_winkler_similarity", pd.Series(["eiken ln 79", None]), pd.Series(["eikenln 79", "x"])).tolist()
    [0.9618181818181818, nan]
    """
    import pyarrow as pa

    pairs = pa.table(
        {"a": pa.array(a, pa.string(), from_pandas=True), "b": pa.array(b, pa.string(), from_pandas=True)}
    )
    con = _duckdb()
    con.register("am_pairs", pairs)
    try:
        result = con.execute(f"SELECT {function}(a, b) FROM am_pairs").to_arrow_table().column(0)
    finally:
        con.unregister("am_pairs")
    # Spark turns the missing values of a pandas result back into NULL.
    return result.to_pandas()


def register(spark: Any) -> None:
    """Define the functions in ``spark``'s session (temporary functions; again replaces them)."""
    from functools import partial

    from pyspark.sql.functions import pandas_udf

    vectorised: Any = pandas_udf  # its overloads want the function's hints, given at run time (_typed)

    for name, (function, result_type) in FUNCTIONS.items():
        batch = partial(on_duckdb, function)
        spark.udf.register(name, vectorised(_typed(batch), result_type))


def _typed(batch: Any) -> Any:
    """``batch`` as a function pandas_udf accepts (it reads the type hints to know the UDF's kind)."""
    import pandas as pd

    def pairs(a: Any, b: Any) -> Any:
        return batch(a, b)

    # The classes themselves: this module's annotations are strings, and ``pd`` is not its global.
    pairs.__annotations__ = {"a": pd.Series, "b": pd.Series, "return": pd.Series}
    return pairs
