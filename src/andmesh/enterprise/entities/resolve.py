"""Resolve an entity: records → nodes → deterministic and probabilistic links → enterprise ids.

A pure library: Arrow tables in (one per source and link product, keyed by product
id), a :class:`Resolution` out (the cross-reference, the evidence of every link
considered, the trained model and a summary). It runs on its own in-memory DuckDB.

>>> import pyarrow as pa
>>> from andmesh.spec.entity import EntitySpec
>>> spec = EntitySpec.model_validate({
...     "apiVersion": "andmesh/v1", "kind": "Entity", "name": "customer", "idPrefix": "C-",
...     "attributes": [{"name": "name", "standardise": "company_name"},
...                    {"name": "tax_id", "standardise": "tax_id", "identifying": True}],
...     "sources": [{"product": "sales.accounts", "record": "id", "columns": {"name": "name", "tax_id": "vat"}}],
...     "matching": {"blocking": [["name"]], "comparisons": [{"method": "company_name", "attribute": "name"}]},
...     "products": {"xref": "enterprise.customer_xref"}})
>>> accounts = pa.table({"id": ["1", "2", "3"], "name": ["Acme GmbH", "ACME", "Bolt Ltd"],
...                      "vat": ["DE111111111", "DE111111111", None]})
>>> result = resolve(spec, {"sales.accounts": accounts})
>>> sorted(zip(result.xref["record_id"].to_pylist(), result.xref["entity_id"].to_pylist()))
[('1', 'C-000001'), ('2', 'C-000001'), ('3', 'C-000002')]
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from andmesh.engine.config import EngineConfig
from andmesh.enterprise.entities import linkage
from andmesh.enterprise.entities.cluster import OUTCOMES, Clustering
from andmesh.enterprise.entities.links import hard_edges, load_decisions
from andmesh.enterprise.entities.records import bind_table, load_records
from andmesh.enterprise.entities.results import Decision, ResolutionSummary
from andmesh.spec.entity import EntitySpec

XREF_SCHEMA = pa.schema(
    [
        ("entity_id", pa.string()),
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("node", pa.int64()),
        ("match_probability", pa.float64()),
        ("match_method", pa.string()),
        ("model_version", pa.string()),
    ]
)
# The tables a resolution writes as Parquet (``<name>.parquet`` in its folder).
TABLES = ("xref", "evidence", "nodes")


@dataclass
class Resolution:
    """What a resolution produced; :meth:`save` writes it as a run's artifacts.

    The cross-reference, the evidence and the nodes are Parquet files in ``folder``, written
    by the resolution's DuckDB (at a million customers they are tens of millions of rows:
    never held in Python). ``xref``, ``evidence`` and ``nodes`` read them as Arrow on first
    use; :meth:`path` gives a file to scan instead.
    """

    summary: ResolutionSummary
    model: dict[str, Any]
    folder: Path
    notes: list[str] = field(default_factory=list)
    # A folder of its own (a temporary one, or ``out``): save() moves the files, else copies.
    owned: bool = True

    def path(self, name: str) -> Path:
        """The Parquet file of ``name`` (xref, evidence, nodes)."""
        return self.folder / f"{name}.parquet"

    @cached_property
    def xref(self) -> pa.Table:
        return pq.read_table(self.path("xref")).cast(XREF_SCHEMA)

    @cached_property
    def evidence(self) -> pa.Table:
        return pq.read_table(self.path("evidence"))

    @cached_property
    def nodes(self) -> pa.Table:
        return pq.read_table(self.path("nodes"))

    def save(self, folder: Path) -> None:
        """Write summary.json, model.json, xref/evidence/nodes .parquet into ``folder`` (atomically)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(exist_ok=True)
        (tmp / "model.json").write_text(json.dumps(self.model, indent=2, sort_keys=True))
        for name in TABLES:
            source, target = self.path(name), tmp / f"{name}.parquet"
            if source.resolve() == target.resolve():
                continue
            if self.owned:
                shutil.move(source, target)
            else:
                shutil.copyfile(source, target)
        (tmp / "summary.json").write_text(self.summary.model_dump_json(indent=2))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.replace(folder)
        self.folder, self.owned = folder, False


def model_version(model: dict[str, Any]) -> str:
    """A model's version: the hash of its saved JSON (same training, same version).

    >>> model_version({"a": 1}) == model_version({"a": 1})
    True

    Probabilities are compared to 10 significant digits: DuckDB sums doubles in parallel, in
    an order that varies from run to run, so the same training differs in its last bits.

    >>> model_version({"m": 0.1 + 0.2}) == model_version({"m": 0.3})
    True
    """
    text = json.dumps(_rounded(model), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def resolve(
    spec: EntitySpec,
    tables: Mapping[str, pa.Table | Any],
    *,
    decisions: Sequence[Decision] = (),
    previous: pa.Table | Any | None = None,
    run_id: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    out: Path | None = None,
) -> Resolution:
    """Resolve ``spec``'s entity over ``tables``.

    ``decisions`` are steward verdicts on record pairs (a later one for the same pair
    wins); ``previous`` is the last published cross-reference (entity_id, source,
    record_id; an Arrow table or a lazy scan), whose ids are kept where its records still
    belong together. ``threads`` and ``memory_limit`` (e.g. ``"2GB"``: DuckDB spills to disk
    beyond it) bound what the resolution's DuckDB may use; by default they come from the
    engine configuration (``ANDMESH_MEMORY_LIMIT``, ``ANDMESH_TEMP_DIRECTORY``,
    ``ANDMESH_THREADS``). The cross-reference, evidence and nodes are written as Parquet
    into ``out`` (default: a temporary folder removed with the result).
    """
    clock: dict[str, float] = {}
    base = EngineConfig.from_env()
    if base.temp_directory:
        Path(base.temp_directory).mkdir(parents=True, exist_ok=True)
    # A spill folder of its own: DuckDB deletes its temporary files (and a folder it made)
    # when it closes, so two processes spilling into one shared folder break each other.
    spill = Path(tempfile.mkdtemp(prefix="andmesh-resolve-spill-", dir=base.temp_directory))
    config = EngineConfig(
        memory_limit=memory_limit or base.memory_limit,
        temp_directory=str(spill),
        threads=threads or base.threads,
    ).duckdb()
    if out is None:
        folder = Path(tempfile.mkdtemp(prefix="andmesh-resolution-", dir=base.temp_directory))
    else:
        folder = out
        folder.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(config=dict(config))
    except BaseException:
        shutil.rmtree(spill, ignore_errors=True)
        raise
    try:
        start = time.perf_counter()
        columns = load_records(con, spec, tables)
        load_decisions(con, _latest(decisions))
        hard_edges(con, spec)
        nodes = _count(con, "am_nodes")
        tuples = _count(con, "am_tuples")

        clock["records"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        clustering, hard = _hard_clustering(con, nodes)
        hard_seconds = time.perf_counter() - start

        start = time.perf_counter()
        # (Two nodes holding the only tuple are one company's records spelt alike: nothing to train on.)
        if tuples > 1 and spec.matching.comparisons:
            linked = linkage.link(con, spec, columns)
        else:
            con.execute(
                "CREATE OR REPLACE TABLE am_prob_edges (unique_id_l BIGINT, unique_id_r BIGINT, "
                "match_probability DOUBLE, match_weight DOUBLE)"
            )
            linked = linkage.LinkageResult({}, 0.0, 0, 0, "none", 0)
        clock["linkage"] = round(time.perf_counter() - start, 3)

        start = time.perf_counter()
        version = model_version(linked.model)
        counts = _cluster(con, spec, clustering, hard, folder / "evidence.parquet")
        _xref(con, spec, previous, version, folder / "xref.parquet")
        clock["clustering"] = round(time.perf_counter() - start + hard_seconds, 3)

        records_by_source = dict(
            con.execute("SELECT source, count(*) FROM am_records GROUP BY 1 ORDER BY 1").fetchall()
        )
        sizes = np.bincount(clustering.roots(), minlength=nodes)
        summary = ResolutionSummary(
            entity=spec.name,
            run_id=run_id,
            model_version=version,
            records=sum(int(v) for v in records_by_source.values()),
            records_by_source={str(k): int(v) for k, v in records_by_source.items()},
            nodes=nodes,
            tuples=tuples,
            entities=int((sizes > 0).sum()),
            singletons=int((sizes == 1).sum()),
            links=counts["links"],
            pairs_compared=linked.pairs_compared,
            candidate_pairs=linked.candidate_pairs,
            review_pairs=counts["review"],
            conflicts=counts["conflicts"],
            rejected=counts["rejected"],
            decisions=_count(con, "am_decisions"),
            threshold=spec.matching.threshold,
            review_from=spec.matching.reviewFrom,
            prior=linked.prior,
            training=linked.training,
            label_pairs=linked.label_pairs,
            seconds=clock,
        )
        _copy(con, "SELECT * FROM am_nodes ORDER BY node", folder / "nodes.parquet")
    except BaseException:
        if out is None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    resolution = Resolution(summary, linked.model, folder, linked.notes)
    if out is None:
        weakref.finalize(resolution, shutil.rmtree, folder, ignore_errors=True)
    return resolution


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    """Write ``query``'s rows to a Parquet file from the engine (streamed: nothing in Python).

    Sorted into a table first, then copied in its order: ``COPY (… ORDER BY …) TO`` ran out of
    a 6 GB budget at 1,000,000 customers (the evidence, 5.5 GiB used), where a sort into a
    table spills and a table's scan feeds the writer in order.
    """
    target = str(path).replace("'", "''")
    con.execute(f"CREATE OR REPLACE TEMP TABLE am_copy AS {query}")
    con.execute(f"COPY am_copy TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
    con.execute("DROP TABLE am_copy")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _latest(decisions: Sequence[Decision]) -> list[Decision]:
    """The last decision per pair (decisions come oldest first)."""
    latest: dict[str, Decision] = {}
    for decision in decisions:
        latest[decision.pair_id] = decision
    return list(latest.values())


@dataclass
class _Hard:
    """What the trusted links did: links that joined groups, by method, and rejections."""

    links: dict[str, int]
    rejected: int


def _hard_clustering(con: duckdb.DuckDBPyConnection, nodes: int) -> tuple[Clustering, _Hard]:
    """The groups the trusted links make (steward confirmations first), before any model.

    ``am_node_groups`` (node, grp) receives them: the model need not score pairs a group
    already holds. ``am_hard_outcomes`` (node_l, node_r, outcome: an index into ``OUTCOMES``)
    what each link did. The links travel as arrays (two node numbers and a method code):
    millions at scale, never a Python object each.
    """
    rejects = [
        (int(a), int(b))
        for a, b in con.execute(
            "SELECT node_l, node_r FROM am_decisions WHERE decision = 'reject'"
        ).fetchall()
    ]
    clustering = Clustering(nodes, rejects=rejects)
    names = [
        str(m) for (m,) in con.execute("SELECT DISTINCT method FROM am_hard_edges ORDER BY 1").fetchall()
    ]
    code = "CASE method " + " ".join(f"WHEN {_lit(m)} THEN {i}" for i, m in enumerate(names)) + " END"
    hard = con.execute(
        f"""SELECT node_l, node_r, ({code if names else "0"})::SMALLINT AS code FROM am_hard_edges
        ORDER BY CASE method WHEN 'steward' THEN 0 ELSE 1 END, node_l, node_r"""
    ).fetchnumpy()
    lefts = np.asarray(hard["node_l"], dtype=np.int64)
    rights = np.asarray(hard["node_r"], dtype=np.int64)
    codes = np.asarray(hard["code"], dtype=np.int16)
    del hard
    outcomes = clustering.join_codes(lefts, rights, codes, names)
    # Links that joined groups, by method, in the order of each method's first such link.
    joined = codes[outcomes == OUTCOMES.index("linked")]
    present, first = np.unique(joined, return_index=True)
    links = {names[int(c)]: int((joined == c).sum()) for c in present[np.argsort(first)]}
    _create(
        con,
        "am_hard_outcomes",
        pa.table(
            {
                "node_l": pa.array(lefts, pa.int64()),
                "node_r": pa.array(rights, pa.int64()),
                "outcome": pa.array(outcomes, pa.int8()),
            }
        ),
    )
    rejected = int((outcomes == OUTCOMES.index("rejected by a steward")).sum())
    del lefts, rights, codes, outcomes
    _create(
        con, "am_node_groups", pa.table({"node": np.arange(nodes, dtype=np.int64), "grp": clustering.roots()})
    )
    return clustering, _Hard(links, rejected)


def _create(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Copy an Arrow table into the engine (within its budget; Python's copy can then go)."""
    con.register(f"{name}_in", table)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_in")
    con.unregister(f"{name}_in")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cluster(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, clustering: Clustering, hard: _Hard, evidence: Path
) -> dict[str, Any]:
    """Add the scored pairs at or above the threshold, most probable first; write the evidence.

    Only the pairs joining different groups of the trusted links go through the constrained
    union one by one (in Python); the others — pairs inside a group ("already linked"),
    pairs below the threshold — are settled in the engine, where they are most of the
    millions of scored pairs. ``am_node_clusters`` (node, cluster, best_probability,
    best_method) receives each node's final cluster and strongest link.
    """
    threshold = repr(float(spec.matching.threshold))
    con.execute(
        f"""CREATE OR REPLACE TABLE am_joining AS
        SELECT p.unique_id_l AS node_l, p.unique_id_r AS node_r, p.match_probability, gl.grp AS grp_l, gr.grp AS grp_r
        FROM am_prob_edges p JOIN am_node_groups gl ON gl.node = p.unique_id_l
        JOIN am_node_groups gr ON gr.node = p.unique_id_r
        WHERE p.match_probability >= {threshold} AND gl.grp <> gr.grp"""
    )
    # Exclusive values are checked only when two groups join: gathered for those groups only.
    for attr in spec.attributes:
        if attr.exclusive and attr.matching:
            column = '"' + attr.name.replace('"', '""') + '"'
            rows = con.execute(
                f"""SELECT g.grp, n.{column} FROM am_nodes n JOIN am_node_groups g USING (node)
                WHERE n.{column} IS NOT NULL
                  AND g.grp IN (SELECT grp_l FROM am_joining UNION SELECT grp_r FROM am_joining)
                GROUP BY ALL"""
            ).fetchnumpy()
            clustering.add_values(attr.name, rows["grp"], rows[attr.name])
    joining = con.execute(
        """SELECT node_l, node_r, match_probability FROM am_joining
        ORDER BY match_probability DESC, node_l, node_r"""
    ).fetchnumpy()
    reasons = [
        clustering.join(int(a), int(b), float(p), "probabilistic", check_exclusive=True)
        for a, b, p in zip(
            joining["node_l"].tolist(),
            joining["node_r"].tolist(),
            joining["match_probability"].tolist(),
            strict=True,
        )
    ]
    _create(
        con,
        "am_prob_outcomes",
        pa.table(
            {
                "node_l": pa.array(joining["node_l"], pa.int64()),
                "node_r": pa.array(joining["node_r"], pa.int64()),
                "reason": pa.array(reasons, pa.string()),
            }
        ),
    )
    del joining
    # Pairs inside one group of the trusted links: "already linked"; each node keeps its strongest.
    raised = con.execute(
        f"""SELECT node, max(match_probability) AS p FROM (
            SELECT p.unique_id_l AS node, p.match_probability FROM am_prob_edges p
            JOIN am_node_groups gl ON gl.node = p.unique_id_l JOIN am_node_groups gr ON gr.node = p.unique_id_r
            WHERE p.match_probability >= {threshold} AND gl.grp = gr.grp
            UNION ALL
            SELECT p.unique_id_r, p.match_probability FROM am_prob_edges p
            JOIN am_node_groups gl ON gl.node = p.unique_id_l JOIN am_node_groups gr ON gr.node = p.unique_id_r
            WHERE p.match_probability >= {threshold} AND gl.grp = gr.grp
        ) GROUP BY node"""
    ).fetchnumpy()
    clustering.raise_best(
        np.asarray(raised["node"], dtype=np.int64),
        np.asarray(raised["p"], dtype=np.float64),
        "probabilistic",
    )
    del raised
    roots = clustering.roots()
    linked = clustering.best_method >= 0
    methods = pa.array(clustering.methods or [""], pa.string())
    _create(
        con,
        "am_node_clusters",
        pa.table(
            {
                "node": pa.array(np.arange(len(roots)), pa.int64()),
                "cluster": pa.array(roots, pa.int64()),
                "best_probability": pa.array(clustering.best_probability, pa.float64(), mask=~linked),
                "best_method": pa.DictionaryArray.from_arrays(
                    pa.array(np.maximum(clustering.best_method, 0).astype(np.int32), mask=~linked), methods
                ).cast(pa.string()),
            }
        ),
    )
    # Below the threshold: for a steward, linked through other pairs, or waiting for review.
    con.execute(
        f"""CREATE OR REPLACE TABLE am_prob_reasons AS
        SELECT p.unique_id_l AS node_l, p.unique_id_r AS node_r,
               CASE WHEN p.match_probability >= {threshold} THEN coalesce(o.reason, 'already linked')
                    WHEN d.node_l IS NOT NULL THEN 'decided by a steward'
                    WHEN cl.cluster = cr.cluster THEN 'below threshold (linked through others)'
                    ELSE 'review' END AS reason
        FROM am_prob_edges p
        JOIN am_node_clusters cl ON cl.node = p.unique_id_l JOIN am_node_clusters cr ON cr.node = p.unique_id_r
        LEFT JOIN am_prob_outcomes o ON o.node_l = p.unique_id_l AND o.node_r = p.unique_id_r
        LEFT JOIN (SELECT DISTINCT node_l, node_r FROM am_decisions) d
          ON d.node_l = p.unique_id_l AND d.node_r = p.unique_id_r"""
    )
    review = con.execute("SELECT count(*) FROM am_prob_reasons WHERE reason = 'review'").fetchone()
    links = dict(hard.links)
    links["probabilistic"] = sum(1 for r in reasons if r == "linked")
    counts = {
        "links": links,
        "review": int(review[0]) if review else 0,
        "conflicts": sum(1 for r in reasons if r.startswith("conflict")),
        "rejected": hard.rejected + sum(1 for r in reasons if r == "rejected by a steward"),
    }

    outcome = (
        "CASE o.outcome " + " ".join(f"WHEN {i} THEN {_lit(r)}" for i, r in enumerate(OUTCOMES)) + " END"
    )
    extra = [c for c in _columns(con, "am_prob_edges") if c.startswith(("gamma_", "mw_"))]
    # The two joins first, each alone (at 1,000,000 customers both joins and the sort in one
    # statement ran out of a 6 GB budget), then the sorted union of their rows.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE am_ev_hard AS
        SELECT h.node_l, h.node_r, h.method, h.detail, o.outcome
        FROM am_hard_edges h JOIN am_hard_outcomes o USING (node_l, node_r)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE am_ev_prob AS
        SELECT p.*, o.reason FROM am_prob_edges p JOIN am_prob_reasons o
          ON o.node_l = p.unique_id_l AND o.node_r = p.unique_id_r"""
    )
    _copy(
        con,
        f"""SELECT o.node_l, o.node_r, o.method, o.detail, 1.0::DOUBLE AS probability,
                   NULL::DOUBLE AS match_weight, o.outcome <= 1 AS accepted, {outcome} AS reason
                   {"".join(f", NULL AS {c}" for c in extra)}
            FROM am_ev_hard o
            UNION ALL BY NAME
            SELECT p.unique_id_l AS node_l, p.unique_id_r AS node_r, 'probabilistic' AS method, NULL AS detail,
                   p.match_probability AS probability, p.match_weight,
                   p.reason IN ('linked', 'already linked') AS accepted, p.reason
                   {"".join(f", p.{c}" for c in extra)}
            FROM am_ev_prob p
            ORDER BY node_l, node_r, method""",
        evidence,
    )
    con.execute("DROP TABLE am_ev_hard")
    con.execute("DROP TABLE am_ev_prob")
    for table in ("am_joining", "am_prob_outcomes", "am_prob_reasons", "am_hard_outcomes"):
        con.execute(f"DROP TABLE {table}")
    return counts


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _xref(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    previous: pa.Table | Any | None,
    version: str,
    path: Path,
) -> None:
    """Write the cross-reference: every record with its cluster's enterprise id.

    A previous id goes to the cluster holding most of its records (a split keeps the id on
    the bigger part; ties to the smaller id, then cluster); clusters left without one get
    new numbers after the highest ever given, in the order of their first record — as
    :func:`~andmesh.enterprise.entities.cluster.assign_ids` says, computed in the engine
    (a million clusters are no Python dictionary).
    """
    # A node's first record is the least record id of its records (all of one source): the
    # cluster's first record is the least of its nodes' (a fifth of the rows of the records).
    con.execute(
        """CREATE OR REPLACE TABLE am_cluster_first AS
        SELECT c.cluster, min(n.source || chr(0) || n.first_record) AS first
        FROM am_nodes n JOIN am_node_clusters c USING (node) GROUP BY 1"""
    )
    prefix = _lit(spec.idPrefix)
    floor = 0
    con.execute("CREATE OR REPLACE TABLE am_kept_ids (cluster BIGINT, entity_id VARCHAR)")
    if previous is not None and (not isinstance(previous, pa.Table) or previous.num_rows):
        bind_table(
            con,
            "am_previous",
            previous.select(["entity_id", "source", "record_id"])
            if isinstance(previous, pa.Table)
            else previous,
        )
        con.execute(
            """CREATE OR REPLACE TABLE am_votes AS
            SELECT c.cluster, p.entity_id, count(*) AS n FROM am_records r
            JOIN am_node_clusters c USING (node)
            JOIN am_previous p ON p.source = r.source AND p.record_id = r.record_id
            GROUP BY 1, 2"""
        )
        row = con.execute(
            f"""SELECT max(TRY_CAST(substr(entity_id, {len(spec.idPrefix) + 1}) AS HUGEINT)) FROM (
                SELECT DISTINCT entity_id FROM am_previous
                WHERE starts_with(entity_id, {prefix})
                  AND regexp_full_match(substr(entity_id, {len(spec.idPrefix) + 1}), '[0-9]+'))"""
        ).fetchone()
        con.execute("DROP VIEW IF EXISTS am_previous")
        con.unregister("am_previous")
        floor = int(row[0]) if row and row[0] is not None else 0
        # Most votes first; one id per cluster and one cluster per id, greedily (arrays, not
        # dictionaries: there is a vote per cluster).
        votes = con.execute(
            """SELECT cluster, dense_rank() OVER (ORDER BY entity_id) - 1 AS e FROM am_votes
            ORDER BY n DESC, entity_id, cluster"""
        ).fetchnumpy()
        clusters = np.asarray(votes["cluster"], dtype=np.int64)
        ids = np.asarray(votes["e"], dtype=np.int64)
        del votes
        given = np.full(int(clusters.max(initial=-1)) + 1, -1, dtype=np.int64)
        taken = np.zeros(int(ids.max(initial=-1)) + 1, dtype=bool)
        for cluster, entity in zip(clusters.tolist(), ids.tolist(), strict=True):
            if taken[entity] or given[cluster] >= 0:
                continue
            given[cluster] = entity
            taken[entity] = True
        kept = np.flatnonzero(given >= 0)
        _create(
            con,
            "am_given",
            pa.table({"cluster": pa.array(kept, pa.int64()), "e": pa.array(given[kept], pa.int64())}),
        )
        del clusters, ids, given, taken, kept
        con.execute(
            """INSERT INTO am_kept_ids SELECT g.cluster, v.entity_id FROM am_given g
            JOIN (SELECT DISTINCT dense_rank() OVER (ORDER BY entity_id) - 1 AS e, entity_id FROM am_votes) v USING (e)"""
        )
    con.execute(
        f"""CREATE OR REPLACE TABLE am_cluster_ids AS
        SELECT cluster, entity_id FROM am_kept_ids
        UNION ALL
        SELECT cluster, printf('%s%06d', {prefix}, ({floor} + row_number() OVER (ORDER BY first))::BIGINT) AS entity_id
        FROM am_cluster_first f WHERE NOT EXISTS (SELECT 1 FROM am_kept_ids k WHERE k.cluster = f.cluster)"""
    )
    _copy(
        con,
        f"""SELECT i.entity_id, r.source, r.record_id, r.node::BIGINT AS node,
               (CASE WHEN c.best_method IS NOT NULL THEN c.best_probability
                     WHEN n.records > 1 THEN 1.0 END)::DOUBLE AS match_probability,
               CASE WHEN c.best_method IS NOT NULL THEN c.best_method
                    WHEN n.records > 1 THEN 'identical' ELSE 'none' END AS match_method,
               {_lit(version)} AS model_version
        FROM am_records r
        JOIN am_node_clusters c USING (node)
        JOIN am_nodes n USING (node)
        JOIN am_cluster_ids i USING (cluster)
        ORDER BY r.source, r.record_id""",
        path,
    )
