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
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from andmesh.engine.config import EngineConfig
from andmesh.enterprise.entities import linkage
from andmesh.enterprise.entities.cluster import Clustering, assign_ids, id_number
from andmesh.enterprise.entities.links import hard_edges, load_decisions
from andmesh.enterprise.entities.records import load_records
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


@dataclass
class Resolution:
    """What a resolution produced; :meth:`save` writes it as a run's artifacts."""

    summary: ResolutionSummary
    xref: pa.Table
    evidence: pa.Table
    nodes: pa.Table
    model: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def save(self, folder: Path) -> None:
        """Write summary.json, model.json, xref/evidence/nodes .parquet into ``folder`` (atomically)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(exist_ok=True)
        (tmp / "model.json").write_text(json.dumps(self.model, indent=2, sort_keys=True))
        pq.write_table(self.xref, tmp / "xref.parquet", compression="zstd")
        pq.write_table(self.evidence, tmp / "evidence.parquet", compression="zstd")
        pq.write_table(self.nodes, tmp / "nodes.parquet", compression="zstd")
        (tmp / "summary.json").write_text(self.summary.model_dump_json(indent=2))
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        tmp.replace(folder)


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
    previous: pa.Table | None = None,
    run_id: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> Resolution:
    """Resolve ``spec``'s entity over ``tables``.

    ``decisions`` are steward verdicts on record pairs (a later one for the same pair
    wins); ``previous`` is the last published cross-reference (entity_id, source,
    record_id), whose ids are kept where its records still belong together.
    ``threads`` and ``memory_limit`` (e.g. ``"2GB"``: DuckDB spills to disk beyond it)
    bound what the resolution's DuckDB may use; by default they come from the engine
    configuration (``ANDMESH_MEMORY_LIMIT``, ``ANDMESH_TEMP_DIRECTORY``, ``ANDMESH_THREADS``).
    """
    clock: dict[str, float] = {}
    base = EngineConfig.from_env()
    config = EngineConfig(
        memory_limit=memory_limit or base.memory_limit,
        temp_directory=base.temp_directory,
        threads=threads or base.threads,
    ).duckdb()
    con = duckdb.connect(config=dict(config))
    try:
        start = time.perf_counter()
        columns = load_records(con, spec, tables)
        load_decisions(con, _latest(decisions))
        hard_edges(con, spec)
        nodes = _count(con, "am_nodes")
        tuples = _count(con, "am_tuples")

        clock["records"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        clustering, hard = _hard_clustering(con, spec, nodes)
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
        evidence, counts = _cluster(con, spec, nodes, clustering, hard)
        xref = _xref(con, spec, clustering, previous, version)
        clock["clustering"] = round(time.perf_counter() - start + hard_seconds, 3)

        records_by_source = dict(
            con.execute("SELECT source, count(*) FROM am_records GROUP BY 1 ORDER BY 1").fetchall()
        )
        sizes = np.bincount(clustering.roots(), minlength=nodes)
        summary = ResolutionSummary(
            entity=spec.name,
            run_id=run_id,
            model_version=version,
            records=xref.num_rows,
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
        node_table = con.execute("SELECT * FROM am_nodes ORDER BY node").to_arrow_table()
        return Resolution(summary, xref, evidence, node_table, linked.model, linked.notes)
    finally:
        con.close()


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
    """The trusted links, in the order they are joined, and what became of each."""

    lefts: np.ndarray
    rights: np.ndarray
    methods: list[str]
    reasons: list[str]


def _hard_clustering(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, nodes: int
) -> tuple[Clustering, _Hard]:
    """The groups the trusted links make (steward confirmations first), before any model.

    ``am_node_groups`` (node, grp) receives them: the model need not score pairs a group
    already holds.
    """
    rejects = [
        (int(a), int(b))
        for a, b in con.execute(
            "SELECT node_l, node_r FROM am_decisions WHERE decision = 'reject'"
        ).fetchall()
    ]
    clustering = Clustering(nodes, rejects=rejects)
    hard = con.execute(
        """SELECT node_l, node_r, method FROM am_hard_edges
        ORDER BY CASE method WHEN 'steward' THEN 0 ELSE 1 END, node_l, node_r"""
    ).fetchnumpy()
    lefts = np.asarray(hard["node_l"], dtype=np.int64)
    rights = np.asarray(hard["node_r"], dtype=np.int64)
    methods = [str(m) for m in hard["method"].tolist()]
    reasons = clustering.join_all(lefts, rights, methods)
    con.register(
        "am_node_groups_in", pa.table({"node": np.arange(nodes, dtype=np.int64), "grp": clustering.roots()})
    )
    con.execute("CREATE OR REPLACE TABLE am_node_groups AS SELECT * FROM am_node_groups_in")
    con.unregister("am_node_groups_in")
    # Trusted links never check exclusive values: each group's are gathered once, after them.
    for attr in spec.attributes:
        if attr.exclusive and attr.matching:
            column = '"' + attr.name.replace('"', '""') + '"'
            rows = con.execute(
                f"""SELECT g.grp, n.{column} FROM am_nodes n JOIN am_node_groups g USING (node)
                WHERE n.{column} IS NOT NULL GROUP BY ALL"""
            ).fetchnumpy()
            clustering.add_values(attr.name, rows["grp"], rows[attr.name])
    return clustering, _Hard(lefts, rights, methods, reasons)


def _cluster(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, nodes: int, clustering: Clustering, hard: _Hard
) -> tuple[pa.Table, dict[str, Any]]:
    threshold = spec.matching.threshold
    scored = con.execute(
        """SELECT unique_id_l, unique_id_r, match_probability FROM am_prob_edges
        ORDER BY match_probability DESC, unique_id_l, unique_id_r"""
    ).fetchnumpy()
    lefts = scored["unique_id_l"].astype(np.int64)
    rights = scored["unique_id_r"].astype(np.int64)
    probabilities = scored["match_probability"].astype(np.float64)
    reasons = np.full(len(lefts), "pending", dtype=object)
    # Pairs joining nodes already together are "already linked" whatever the order: only
    # the others go through the constrained union one by one.
    above = int(np.searchsorted(-probabilities, -threshold, side="right"))
    start_roots = clustering.roots()
    together = start_roots[lefts[:above]] == start_roots[rights[:above]]
    for index in np.flatnonzero(~together).tolist():
        reasons[index] = clustering.join(
            int(lefts[index]),
            int(rights[index]),
            float(probabilities[index]),
            "probabilistic",
            check_exclusive=True,
        )
    reasons[:above][together] = "already linked"
    clustering.raise_best(
        np.concatenate([lefts[:above][together], rights[:above][together]]),
        np.concatenate([probabilities[:above][together], probabilities[:above][together]]),
        "probabilistic",
    )
    roots = clustering.roots()
    below_l, below_r = lefts[above:], rights[above:]
    decided_pairs = con.execute("SELECT DISTINCT node_l, node_r FROM am_decisions").fetchnumpy()
    width = max(nodes, 1)
    decided = np.isin(
        below_l * width + below_r,
        decided_pairs["node_l"].astype(np.int64) * width + decided_pairs["node_r"].astype(np.int64),
    )
    reasons[above:] = np.where(
        decided,
        "decided by a steward",
        np.where(roots[below_l] == roots[below_r], "below threshold (linked through others)", "review"),
    )

    links: dict[str, int] = {}
    for method, reason in zip(hard.methods, hard.reasons, strict=True):
        if reason == "linked":
            links[method] = links.get(method, 0) + 1
    links["probabilistic"] = int((reasons == "linked").sum())
    counts = {
        "links": links,
        "review": int((reasons == "review").sum()),
        "conflicts": sum(1 for r in reasons[:above] if r.startswith("conflict")),
        "rejected": sum(1 for r in hard.reasons if r == "rejected by a steward")
        + int((reasons == "rejected by a steward").sum()),
    }

    con.register(
        "am_hard_outcomes",
        pa.table(
            {
                "node_l": pa.array(hard.lefts, pa.int64()),
                "node_r": pa.array(hard.rights, pa.int64()),
                "reason": pa.array(hard.reasons, pa.string()),
            }
        ),
    )
    con.register(
        "am_prob_outcomes",
        pa.table(
            {
                "node_l": pa.array(lefts, pa.int64()),
                "node_r": pa.array(rights, pa.int64()),
                "reason": pa.array(reasons.tolist(), pa.string()),
            }
        ),
    )
    extra = [c for c in _columns(con, "am_prob_edges") if c.startswith(("gamma_", "mw_"))]
    evidence = con.execute(
        f"""SELECT h.node_l, h.node_r, h.method, h.detail, 1.0::DOUBLE AS probability,
                   NULL::DOUBLE AS match_weight, o.reason IN ('linked', 'already linked') AS accepted, o.reason
                   {"".join(f", NULL AS {c}" for c in extra)}
            FROM am_hard_edges h JOIN am_hard_outcomes o USING (node_l, node_r)
            UNION ALL BY NAME
            SELECT p.unique_id_l AS node_l, p.unique_id_r AS node_r, 'probabilistic' AS method, NULL AS detail,
                   p.match_probability AS probability, p.match_weight,
                   o.reason IN ('linked', 'already linked') AS accepted, o.reason
                   {"".join(f", p.{c}" for c in extra)}
            FROM am_prob_edges p JOIN am_prob_outcomes o
              ON o.node_l = p.unique_id_l AND o.node_r = p.unique_id_r
            ORDER BY node_l, node_r, method"""
    ).to_arrow_table()
    return evidence, counts


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _xref(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    clustering: Clustering,
    previous: pa.Table | None,
    version: str,
) -> pa.Table:
    roots = clustering.roots()
    linked = clustering.best_method >= 0
    methods = pa.array(clustering.methods or [""], pa.string())
    con.register(
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
    # A node's first record is the least record id of its records (all of one source): the
    # cluster's first record is the least of its nodes' (a fifth of the rows of the records).
    firsts = con.execute(
        """SELECT c.cluster, min(n.source || chr(0) || n.first_record) AS first
        FROM am_nodes n JOIN am_node_clusters c USING (node) GROUP BY 1"""
    ).fetchnumpy()
    clusters = {
        int(c): tuple(str(f).split("\x00", 1))
        for c, f in zip(firsts["cluster"].tolist(), firsts["first"].tolist(), strict=True)
    }
    votes: dict[int, dict[str, int]] = {}
    floor = 0
    if previous is not None and previous.num_rows:
        con.register("am_previous", previous.select(["entity_id", "source", "record_id"]))
        for cluster, entity_id, count in con.execute(
            """SELECT c.cluster, p.entity_id, count(*) FROM am_records r
            JOIN am_node_clusters c USING (node)
            JOIN am_previous p ON p.source = r.source AND p.record_id = r.record_id
            GROUP BY 1, 2"""
        ).fetchall():
            votes.setdefault(int(cluster), {})[str(entity_id)] = int(count)
        numbers = [
            id_number(spec.idPrefix, str(e))
            for (e,) in con.execute("SELECT DISTINCT entity_id FROM am_previous").fetchall()
        ]
        floor = max((n for n in numbers if n is not None), default=0)
    ids = assign_ids(spec.idPrefix, {k: (v[0], v[1]) for k, v in clusters.items()}, votes, floor)
    con.register(
        "am_cluster_ids",
        pa.table(
            {
                "cluster": pa.array(list(ids), pa.int64()),
                "entity_id": pa.array(list(ids.values()), pa.string()),
            }
        ),
    )
    table = con.execute(
        f"""SELECT i.entity_id, r.source, r.record_id, r.node,
               CASE WHEN c.best_method IS NOT NULL THEN c.best_probability
                    WHEN n.records > 1 THEN 1.0 END AS match_probability,
               CASE WHEN c.best_method IS NOT NULL THEN c.best_method
                    WHEN n.records > 1 THEN 'identical' ELSE 'none' END AS match_method,
               '{version}' AS model_version
        FROM am_records r
        JOIN am_node_clusters c USING (node)
        JOIN am_nodes n USING (node)
        JOIN am_cluster_ids i USING (cluster)
        ORDER BY r.source, r.record_id"""
    ).to_arrow_table()
    return table.cast(XREF_SCHEMA)
