"""Jaro, Jaro-Winkler and Damerau-Levenshtein give DuckDB's number on every engine, to the last digit.

Entity resolution's comparison levels and blocking rules are thresholds on
``jaro_winkler_similarity``: a pair one ulp either side of 0.94 lands in another level. On Spark
they are DuckDB's own functions called on batches of pairs (``engine/spark_similarity.py``); Splink's
jar differs on odd transpositions (``'eiken ln 79'`` / ``'eikenln 79'``) and on non-ASCII text.
"""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa

from andmesh.engine.base import Engine

# Pairs where a definition could slip: odd transpositions, glued words, non-ASCII (DuckDB compares
# UTF-8 bytes), empty strings, one byte, a long and a short string, equal strings, NULL.
EDGES = [
    ("eiken ln 79", "eikenln 79"),
    ("martha", "marhta"),
    ("dixon", "dicksonx"),
    ("abc", "cba"),
    ("ab", "ba"),
    ("abcd", "abdc"),
    ("müller logistik", "muller logistik"),
    ("straße", "strasse"),
    ("", ""),
    ("a", ""),
    ("", "a"),
    ("a", "a"),
    ("a", "b"),
    ("x", "xy"),
    ("bahnhof str 5", "bahnhofstr 5"),
    ("a", "the quick brown fox jumps over a lazy dog"),
    ("distribution services", "distribution services"),
    (None, "a"),
    ("a", None),
]


def _pairs() -> pa.Table:
    rng = random.Random(7)
    alphabet = "abcde fü1"
    pairs = list(EDGES)
    for _ in range(3000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        b = list(a)
        for _ in range(rng.randint(0, 4)):
            op = rng.random()
            if op < 0.3 and b:
                del b[rng.randrange(len(b))]
            elif op < 0.6:
                b.insert(rng.randint(0, len(b)), rng.choice(alphabet))
            elif b:
                i = rng.randrange(len(b))
                j = min(len(b) - 1, i + rng.randint(1, 3))
                b[i], b[j] = b[j], b[i]
        pairs.append((a, "".join(b)))
    return pa.table({"id": range(len(pairs)), "a": [p[0] for p in pairs], "b": [p[1] for p in pairs]})


QUERY = (
    "SELECT id, jaro_similarity(a, b) AS j, jaro_winkler_similarity(a, b) AS jw, "
    "damerau_levenshtein(a, b) AS dl FROM pairs ORDER BY id"
)


def test_jaro_winkler_is_duckdbs_on_every_engine(engine: Engine) -> None:
    pairs = _pairs()
    duck = duckdb.connect()
    duck.register("pairs", pairs)
    expected = duck.execute(QUERY).fetchall()
    assert expected[0][2] == 0.9618181818181818  # three bytes out of order: one transposition (rounded down)
    if engine.name != "spark":
        return
    from andmesh.engine.spark_similarity import register
    from andmesh.enterprise.entities.spark_linkage import to_spark

    session = engine.session()
    spark = session.spark  # type: ignore[attr-defined]
    try:
        register(spark)
        spark.createDataFrame(pairs).createOrReplaceTempView("pairs")
        got = [tuple(r) for r in spark.sql(to_spark(QUERY)).collect()]
        differ = [
            (e, g, pairs.slice(e[0], 1).to_pylist()) for e, g in zip(expected, got, strict=True) if e != g
        ]
        assert differ == []
    finally:
        spark.catalog.dropTempView("pairs")
        session.close()
