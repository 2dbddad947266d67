"""Entity resolution's pair work on Spark: Splink's Spark backend on the build's Spark session.

Under ``--engine spark`` a product build runs in a Spark session (``engine.spark.current_session``).
:func:`link` then keeps :func:`linkage.link`'s contract and its steps, but the model trains with
Splink's ``SparkAPI`` and every pair is found, counted and scored by Spark:

* in the resolution's own DuckDB (small, per identity tuple): the model's input rows, the prior,
  and every *sample* training draws — the label pairs, u by Splink's random sampling, the u
  re-estimate on known non-matches — with DuckDB's seeded hash, so both engines train on the same
  pairs (Spark's hash is another: other samples, other u, other clusters);
* on Spark: m (Splink's EM or labels, through its ``SparkAPI``), the candidate pairs of the blocking
  rules, their scores, the same-tuple pairs and the fan-out to node pairs; only ``am_prob_edges``
  (the pairs at or above the review band) comes back to DuckDB for clustering.

The steps are :mod:`.linkage`'s own functions: they speak DuckDB's SQL to a connection, and
:class:`SparkConnection` gives them one that runs it on Spark (sqlglot transpiles; a table is a
cached temporary view). So the two engines cannot drift apart in what they compute.

Jaro-Winkler, Jaro and Damerau-Levenshtein are DuckDB's own functions, called on batches of pairs
(:mod:`andmesh.engine.spark_similarity`: the jar's Jaro-Winkler differs on some pairs).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from andmesh.enterprise.entities import linkage
from andmesh.enterprise.entities.linkage import U_SAMPLE_PAIRS, LinkageResult
from andmesh.enterprise.entities.records import Columns
from andmesh.spec.entity import EntitySpec

if TYPE_CHECKING:
    import duckdb

_log = logging.getLogger("andmesh.entities.spark")

# Spark's session and data frames (pyspark is imported by andmesh.engine only: the import rules).
SparkSession = Any
DataFrame = Any

# What the Spark steps read from the resolution's DuckDB.
_INPUTS = {
    "am_splink_input": "*",
    "am_labels": "*",
    "am_nodes": "node, tuple",
    "am_node_groups": "node, grp",
}


def spark_session() -> SparkSession | None:
    """The Spark session of the product build running in this thread (None: not on Spark)."""
    from andmesh.engine.spark import current_session

    session = current_session()
    return session.spark if session is not None else None


def link(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, columns: Columns, spark: SparkSession
) -> LinkageResult:
    """:func:`linkage.link` with the model trained and the pairs scored on ``spark``."""
    from splink import DuckDBAPI, Linker, SparkAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    training = spec.matching.training
    linkage._input(con, columns)
    prior, prior_note = linkage._prior(con, spec)
    keyed, confirmed = linkage._labels(con, training.labelPairs, training.seed)
    spark_con = SparkConnection(spark)
    try:
        with _timed("inputs to Spark"):
            for name, wanted in _INPUTS.items():
                spark_con.put(name, con.execute(f"SELECT {wanted} FROM {name}").to_arrow_table())
        # Persisted, not written as Parquet checkpoints: nothing of the model's goes to disk.
        db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
        _register_aliases(spark)
        model = linkage.settings(spec, prior)
        linker = Linker(db_api.register("am_splink_input"), model, log_level=None)
        notes = [f"prior {prior:.3g} {prior_note}", "trained and scored on Spark (Splink's SparkAPI)"]
        # u by random sampling on the resolution's DuckDB, the call linkage.link makes: the same
        # seeded sample, so the same u on both engines (Splink samples by the engine's own hash:
        # a sample of other pairs on Spark gave other u, other m after EM, and 146 fewer location
        # clusters at 20,000 customers). The sample is at most U_SAMPLE_PAIRS pairs of tuples
        # whatever the scale, and on Spark it cost a job per comparison.
        with _timed("u by random sampling (DuckDB)"):
            sampler = Linker(DuckDBAPI(connection=con).register("am_splink_input"), model, log_level=None)
            sampler.training.estimate_u_using_random_sampling(
                max_pairs=min(training.uPairs, U_SAMPLE_PAIRS), seed=training.seed
            )
            _copy_parameters(sampler, linker)
        with _timed("m (Spark)"):
            methods = linkage.train_m(linker, spec, keyed, confirmed, notes, em=_em)
        # The trained model in DuckDB's dialect (the dialect linkage's SQL is written in, and the
        # one the model is saved in on DuckDB): its SQL runs on Spark through the connection.
        shadow = Linker(DuckDBAPI(connection=con).register("am_splink_input"), model, log_level=None)
        _copy_parameters(linker, shadow)
        conn: Any = spark_con  # linkage's steps take a DuckDB connection: this one runs on Spark
        # u re-estimated on known non-matches on the resolution's DuckDB too: its sample of the
        # "other" pairs is drawn by `hash`, which is not DuckDB's on Spark (the same u needs the same
        # sample); its blocked pairs are those of tuples carrying the exclusive attribute.
        with _timed("u on known non-matches (DuckDB)"):
            linkage._u_from_non_matches(con, spec, shadow, model, training.uPairs, training.seed, notes)
        shadow._settings_obj._probability_two_random_records_match = prior

        with _timed("candidates (Spark)"):
            pairs_compared = linkage._candidates(conn, spec)
        with _timed("scores (Spark)"):
            kept = linkage._score(conn, spec, shadow, prior)
            pairs_compared += linkage._same_tuple_pairs(conn, spec, shadow, prior, kept)
        with _timed("fan-out and edges back (Spark)"):
            linkage._fan_out(conn, kept)
            candidate_pairs = spark_con.count("am_tuple_edges") + spark_con.count("am_same_tuple")
            edges = spark_con.frame("am_prob_edges").toArrow()
    finally:
        spark_con.close()
    con.register("am_prob_edges_spark", edges)
    con.execute("CREATE OR REPLACE TABLE am_prob_edges AS SELECT * FROM am_prob_edges_spark")
    con.unregister("am_prob_edges_spark")
    saved = json.loads(json.dumps(shadow.misc.save_model_to_json(out_path=None)))
    saved.pop("linker_uid", None)
    return LinkageResult(
        model=saved,
        prior=prior,
        pairs_compared=pairs_compared,
        candidate_pairs=candidate_pairs,
        training="+".join(dict.fromkeys(methods)) or "none (u only)",
        label_pairs=keyed + confirmed,
        notes=notes,
    )


@contextmanager
def _timed(step: str) -> Iterator[None]:
    """Log how long ``step`` took (logger ``andmesh.entities.spark``, DEBUG): where Spark's time goes."""
    clock = time.perf_counter()
    try:
        yield
    finally:
        _log.debug("%s: %.1f s", step, time.perf_counter() - clock)


def _em(linker: Any, rule: list[str], notes: list[str]) -> list[str]:
    """:func:`linkage._em` with the blocking rule marked as DuckDB's SQL (its double-quoted
    identifiers are strings to Spark's parser): Splink translates it."""
    import copy

    from splink.blocking_rule_library import CustomRule

    saved = copy.deepcopy(linker._settings_obj.core_model_settings)
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            CustomRule(linkage.rule_sql(rule), sql_dialect="duckdb"), estimate_without_term_frequencies=True
        )
        return ["em"]
    except Exception as exc:  # too few or too uniform pairs: the other sessions still train
        linker._settings_obj.core_model_settings = saved
        notes.append(f"EM on {rule} skipped: {type(exc).__name__}: {str(exc)[:160]}")
        return []


def _copy_parameters(source: Any, target: Any) -> None:
    """Each comparison level's trained m and u from ``source`` to the same level of ``target``
    (both linkers are built from one settings dictionary: same comparisons, same levels)."""
    pairs = zip(source._settings_obj.comparisons, target._settings_obj.comparisons, strict=True)
    for theirs, mine in pairs:
        for level, twin in zip(theirs.comparison_levels, mine.comparison_levels, strict=True):
            if level.is_null_level:
                continue
            # The stored values, not the properties: an untrained level reads as Splink's default
            # through them, and would be saved as if trained.
            for name in (
                "_m_probability",
                "_u_probability",
                "_trained_m_probabilities",
                "_trained_u_probabilities",
            ):
                setattr(twin, name, getattr(level, name))


def _register_aliases(spark: SparkSession) -> None:
    """DuckDB's similarity functions (the comparisons' and blocking rules' SQL is DuckDB's, transpiled)
    as this session's functions, computed by DuckDB itself: the jar's Jaro-Winkler does not round
    transpositions down and compares characters, not bytes (other levels for some pairs)."""
    from andmesh.engine.spark_similarity import register

    register(spark)


def to_spark(sql: str) -> str:
    """DuckDB SQL (linkage's) as Spark SQL: transpiled, with a non-negative 64-bit ``hash``
    (Spark's is a signed 32-bit murmur3: ``% 2`` would give -1 for half the values).

    >>> to_spark("SELECT jaro_winkler_similarity(a, b) >= 0.9 FROM t WHERE hash(x, 7) % 2 = 0")
    'SELECT JAROWINKLER_SIMILARITY(a, b) >= 0.9 FROM t WHERE (XXHASH64(x, 7) & 9223372036854775807) % 2 = 0'
    """
    tree = sqlglot.parse_one(sql, read="duckdb")

    def rename(node: exp.Expression) -> exp.Expression:
        name = node.name.lower() if isinstance(node, exp.Anonymous) else ""
        if isinstance(node, exp.Func) and not name:
            name = node.sql_name().lower()
        if name == "hash":
            args = [a.copy() for a in node.expressions] or [a.copy() for a in node.args.values() if a]
            return exp.Paren(
                this=exp.BitwiseAnd(
                    this=exp.Anonymous(this="XXHASH64", expressions=args),
                    expression=exp.Literal.number(2**63 - 1),
                )
            )
        return node

    return tree.transform(rename).sql("spark")


@dataclass
class _Result:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


class SparkConnection:
    """What :mod:`.linkage` asks of a DuckDB connection (``execute`` with ``fetchone``/``fetchall``),
    on Spark: a created table is a cached temporary view, ``DELETE`` a filtered one."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._frames: dict[str, DataFrame] = {}

    def put(self, name: str, table: Any) -> None:
        self._keep(name, self.spark.createDataFrame(table))

    def frame(self, name: str) -> DataFrame:
        return self._frames[name]

    def count(self, name: str) -> int:
        return int(self._frames[name].count())

    def execute(self, sql: str) -> _Result:
        tree = sqlglot.parse_one(sql, read="duckdb")
        if isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Query):
            self._keep(tree.this.name, self.spark.sql(to_spark(tree.expression.sql("duckdb"))))
            return _Result()
        if isinstance(tree, exp.Drop):
            for table in tree.find_all(exp.Table):
                self._drop(table.name)
            return _Result()
        if isinstance(tree, exp.Delete):
            name = tree.this.name
            where = tree.args["where"].this.sql("duckdb")
            kept = self.spark.sql(to_spark(f"SELECT * FROM {name} WHERE NOT coalesce(({where}), FALSE)"))
            self._keep(name, kept)
            return _Result()
        if isinstance(tree, exp.Describe):
            fields = self._frames[tree.this.name].schema.fields
            return _Result(
                [(f.name, f.dataType.simpleString()) for f in fields], ["column_name", "column_type"]
            )
        frame = self.spark.sql(to_spark(sql))
        table = frame.toArrow()
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        return _Result(list(zip(*columns, strict=True)) if columns else [], table.column_names)

    def _keep(self, name: str, frame: DataFrame) -> None:
        # Cached when first computed (a Spark job per table costs ~0.1 s even for a few rows). A
        # table's plan holds what it reads, not their names: a later DROP or DELETE of an input
        # changes nothing, at worst it is recomputed. One that replaces itself (DELETE) is computed
        # before the version it reads is released.
        frame = frame.persist()
        previous = self._frames.pop(name, None)
        if previous is not None:
            frame.count()
        frame.createOrReplaceTempView(name)
        self._frames[name] = frame
        if previous is not None:
            previous.unpersist()

    def _drop(self, name: str) -> None:
        frame = self._frames.pop(name, None)
        self.spark.catalog.dropTempView(name)
        if frame is not None:
            frame.unpersist()

    def close(self) -> None:
        for name in list(self._frames):
            self._drop(name)
