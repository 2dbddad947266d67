"""Entity resolution's own SQL (DuckDB's, in ``enterprise/entities/linkage.py``) runs on Spark
through ``spark_linkage.SparkConnection`` with the results DuckDB gives: tables are created,
replaced, filtered in place (``DELETE``), described and dropped; similarity functions are DuckDB's
(``engine/spark_similarity.py``); ``hash`` sampling splits the rows into two non-empty halves."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from andmesh.engine.base import Engine

STEPS = [
    "CREATE OR REPLACE TABLE am_t AS SELECT * FROM am_in WHERE name IS NOT NULL",
    "CREATE OR REPLACE TEMP TABLE am_pairs AS SELECT l.id AS id_l, r.id AS id_r, "
    "jaro_winkler_similarity(l.name, r.name) >= 0.9 AS close FROM am_t l JOIN am_t r ON l.id < r.id",
    "DELETE FROM am_pairs WHERE NOT close",
    "DROP TABLE IF EXISTS am_t",
    "DROP TABLE IF EXISTS am_never_made",
]
ROWS = pa.table(
    {
        "id": pa.array([1, 2, 3, 4, 5], pa.int64()),
        "name": ["mueller logistik", "muller logistik", "schmidt bau", None, "schmidt bau gmbh"],
    }
)


def _run(con: Any) -> dict[str, Any]:
    for step in STEPS:
        con.execute(step)
    pairs = con.execute("SELECT id_l, id_r FROM am_pairs ORDER BY ALL").fetchall()
    columns = [r[0] for r in con.execute("DESCRIBE am_pairs").fetchall()]
    halves = con.execute(
        "SELECT count(*) FILTER (WHERE hash(id, 7) % 2 = 0), count(*) FILTER (WHERE hash(id, 7) % 2 = 1) "
        "FROM am_in"
    ).fetchone()
    return {
        "pairs": [tuple(p) for p in pairs],
        "columns": columns,
        "halves": sum(halves),
        "both": min(halves) > 0,
    }


def test_linkage_sql_gives_duckdbs_results_on_spark(engine: Engine) -> None:
    duck = duckdb.connect()
    duck.register("am_in_arrow", ROWS)
    duck.execute("CREATE TABLE am_in AS SELECT * FROM am_in_arrow")
    expected = _run(duck)
    assert expected["pairs"] == [(1, 2), (3, 5)]
    if engine.name != "spark":
        return
    from andmesh.enterprise.entities.spark_linkage import SparkConnection, _register_aliases

    session = engine.session()
    con = SparkConnection(session.spark)  # type: ignore[attr-defined]
    try:
        from splink import SparkAPI

        SparkAPI(spark_session=session.spark)  # type: ignore[attr-defined]  # registers the jar's functions
        _register_aliases(session.spark)  # type: ignore[attr-defined]
        con.put("am_in", ROWS)
        assert _run(con) == expected
    finally:
        con.close()
        session.close()
