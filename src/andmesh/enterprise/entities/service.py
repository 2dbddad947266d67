"""What `andmesh entities …` does, for the facade: resolve, show, review, decide, accuracy.

Resolution itself runs as the entity's enterprise products (so it is versioned, gated,
crash-safe and idempotent like any product); this service runs them, and reads back
the published cross-reference, the golden record and the run's artifacts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from andmesh.enterprise.entities import accuracy as acc
from andmesh.enterprise.entities.artifacts import Artifacts, record_view, source_records
from andmesh.enterprise.entities.pipelines import stored_decisions
from andmesh.enterprise.entities.results import (
    AccuracyReport,
    AttributeValue,
    Decision,
    EntityView,
    Link,
    LinkedRecord,
    ResolutionSummary,
    ResolveReport,
    ReviewPair,
    ReviewQueue,
    pair_id,
)
from andmesh.errors import NotFound, UsageError
from andmesh.pipeline.build import artifacts_dir
from andmesh.pipeline.run import ProgressCallback
from andmesh.spec.entity import Entity
from andmesh.spec.mesh import Mesh
from andmesh.spec.suggest import hint_for
from andmesh.store.entity_reviews import EntityReviews

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

SHOW_LINKS = 200
# results.pair_id in SQL: sha1 of the two (source, record) sorted, 10 hex digits.
PAIR_ID_SQL = """substr(sha1(CASE WHEN l.source < r.source OR (l.source = r.source AND l.record_id <= r.record_id)
    THEN l.source || '|' || l.record_id || '|' || r.source || '|' || r.record_id
    ELSE r.source || '|' || r.record_id || '|' || l.source || '|' || l.record_id END), 1, 10)"""


class EntityService:
    """Entity resolution operations over one workspace (through the facade)."""

    def __init__(self, app: Andmesh) -> None:
        self.app = app

    # --- lookups -------------------------------------------------------------------------

    def entity(self, name: str, path: Path | None = None) -> tuple[Mesh, Entity]:
        mesh = self.app.mesh(path)
        entity = mesh.entities.get(name)
        if entity is None:
            raise NotFound(
                f"no entity `{name}` in mesh {mesh.name}",
                hint=hint_for(name, mesh.entities, "entities")
                or "declare one in enterprise/entities/<name>.yaml",
            )
        return mesh, entity

    def _table_id(self, mesh: Mesh, product_id: str) -> str:
        return mesh.products[product_id].output().table_id

    def _artifacts(self, mesh: Mesh, entity: Entity) -> tuple[Artifacts, Any]:
        table_id = self._table_id(mesh, entity.spec.products.xref)
        current = self.app.warehouse.current(table_id)
        if current is None or current.run_id is None:
            raise UsageError(
                f"entity `{entity.name}` has not been resolved in workspace {self.app.workspace.root}",
                hint=f"run `andmesh entities resolve {entity.name}` first",
            )
        folder = artifacts_dir(self.app.workspace.root, table_id, current.run_id)
        if not (folder / "summary.json").exists():
            raise UsageError(
                f"the artifacts of run {current.run_id} ({folder}) are missing",
                hint=f"rebuild them: `andmesh entities resolve {entity.name} --force`",
            )
        return Artifacts(folder), current

    def _source_files(self, mesh: Mesh, entity: Entity) -> dict[str, list[str]]:
        files: dict[str, list[str]] = {}
        for source in entity.sources:
            version = self.app.warehouse.current(source.port.table_id)
            if version is not None:
                files[source.product_id] = list(version.files)
        return files

    def summary(self, name: str, *, path: Path | None = None) -> ResolutionSummary:
        mesh, entity = self.entity(name, path)
        return self._artifacts(mesh, entity)[0].summary

    # --- resolve -------------------------------------------------------------------------

    def resolve(
        self,
        name: str,
        *,
        path: Path | None = None,
        data: Path | None = None,
        force: bool = False,
        on_event: ProgressCallback | None = None,
    ) -> ResolveReport:
        """Run the entity's products (and what they need upstream); summarise the resolution.

        ``force`` re-resolves from the sources' current versions (the upstream products are
        not rebuilt). Without ``data``, the data folder the workspace last ran with is used.
        """
        mesh, entity = self.entity(name, path)
        remembered = self.app.workspace.facts().get("data_root")
        if data is None and remembered:
            data = Path(remembered)
        select = list(entity.products) if force else [f"+{pid}" for pid in entity.products]
        run = self.app.run(mesh.root, data=data, select=select, force=force, on_event=on_event)
        try:
            summary: ResolutionSummary | None = self._artifacts(mesh, entity)[0].summary
        except UsageError:
            summary = None
        return ResolveReport(entity=name, run=run, summary=summary)

    # --- show ----------------------------------------------------------------------------

    def show(self, name: str, key: str, *, path: Path | None = None) -> EntityView:
        """The golden record of an enterprise id (or of the entity holding a record), its
        records, and the evidence of every link among them or to its neighbours."""
        mesh, entity = self.entity(name, path)
        art, _ = self._artifacts(mesh, entity)
        con = duckdb.connect()
        try:
            con.execute(f"CREATE VIEW x AS SELECT * FROM read_parquet('{art.path('xref')}')")
            entity_id = self._entity_id(con, entity, key)
            records = con.execute(
                "SELECT source, record_id, node, match_probability, match_method FROM x "
                "WHERE entity_id = ? ORDER BY source, record_id",
                [entity_id],
            ).fetchall()
            nodes = sorted({int(r[2]) for r in records})
            con.register("mine", pa.table({"node": pa.array(nodes, pa.int64())}))
            edges = (
                con.execute(
                    f"""SELECT e.* FROM read_parquet('{art.path("evidence")}') e
                    WHERE e.node_l IN (SELECT node FROM mine) OR e.node_r IN (SELECT node FROM mine)
                    ORDER BY e.accepted DESC, e.probability DESC, e.node_l, e.node_r LIMIT {SHOW_LINKS}"""
                )
                .to_arrow_table()
                .to_pylist()
            )
            ends = {int(e["node_l"]) for e in edges} | {int(e["node_r"]) for e in edges}
            con.register("ends", pa.table({"node": pa.array(sorted(ends), pa.int64())}))
            firsts = {
                int(n): (str(s), str(r), str(eid))
                for n, s, r, eid in con.execute(
                    "SELECT node, min(source), min(record_id), min(entity_id) FROM x "
                    "WHERE node IN (SELECT node FROM ends) GROUP BY 1"
                ).fetchall()
            }
        finally:
            con.close()
        wanted: dict[str, list[str]] = {}
        for source, record_id, *_ in records:
            wanted.setdefault(str(source), []).append(str(record_id))
        for source, record_id, _ in firsts.values():
            wanted.setdefault(source, []).append(record_id)
        attributes = source_records(entity, self._source_files(mesh, entity), wanted)
        links = []
        for edge in edges:
            left, right = firsts[int(edge["node_l"])], firsts[int(edge["node_r"])]
            links.append(
                Link(
                    left=record_view(left[0], left[1], attributes),
                    right=record_view(right[0], right[1], attributes),
                    method=str(edge["method"]),
                    detail=edge.get("detail"),
                    probability=edge.get("probability"),
                    match_weight=edge.get("match_weight"),
                    accepted=bool(edge["accepted"]),
                    reason=str(edge["reason"])
                    + ("" if left[2] == right[2] else f" (kept apart: {left[2]} / {right[2]})"),
                    evidence=art.evidence_of(edge) if edge["method"] == "probabilistic" else [],
                )
            )
        mine = {(str(s), str(r)) for s, r, *_ in records}
        decisions = [
            d
            for d in self._decisions(name)
            if (d.left_source, d.left_record) in mine or (d.right_source, d.right_record) in mine
        ]
        return EntityView(
            entity=name,
            entity_id=entity_id,
            model_version=art.summary.model_version,
            golden=self._golden(mesh, entity, entity_id),
            records=[
                LinkedRecord(
                    source=str(s),
                    record_id=str(r),
                    match_probability=p,
                    match_method=str(m),
                    attributes=attributes.get((str(s), str(r)), {}),
                )
                for s, r, _, p, m in records
            ],
            links=links,
            decisions=decisions,
        )

    def _entity_id(self, con: duckdb.DuckDBPyConnection, entity: Entity, key: str) -> str:
        if key.startswith(entity.spec.idPrefix):
            row = con.execute("SELECT count(*) FROM x WHERE entity_id = ?", [key]).fetchone()
            if row and row[0]:
                return key
            raise NotFound(
                f"no {entity.name} `{key}` in the current cross-reference",
                hint="give an enterprise id, a record id, or <source product>:<record id>",
            )
        source, _, record = key.rpartition(":")
        if source:
            rows = con.execute(
                "SELECT DISTINCT entity_id, source FROM x WHERE source = ? AND record_id = ?",
                [source, record],
            ).fetchall()
        else:
            rows = con.execute(
                "SELECT DISTINCT entity_id, source FROM x WHERE record_id = ?", [key]
            ).fetchall()
        if not rows:
            raise NotFound(
                f"`{key}` is neither a {entity.name} id ({entity.spec.idPrefix}…) nor a record of its sources",
                hint="give an enterprise id, a record id, or <source product>:<record id>",
            )
        if len(rows) > 1:
            raise UsageError(
                f"record id `{key}` exists in several sources",
                hint="say which: " + ", ".join(f"`{s}:{key}`" for _, s in rows),
            )
        return str(rows[0][0])

    def _golden(self, mesh: Mesh, entity: Entity, entity_id: str) -> list[AttributeValue]:
        if not entity.spec.products.master:
            return []
        current = self.app.warehouse.current(self._table_id(mesh, entity.spec.products.master))
        if current is None:
            return []
        con = duckdb.connect()
        try:
            row = con.execute(
                f"SELECT * FROM read_parquet({list(current.files)!r}) WHERE entity_id = ?", [entity_id]
            ).fetchone()
            names = [d[0] for d in con.description or []]
        finally:
            con.close()
        if row is None:
            return []
        values = dict(zip(names, row, strict=True))
        return [
            AttributeValue(
                attribute=a.name,
                value=values.get(a.name),
                source=values.get(f"{a.name}_source"),
                rule=a.survivorship,
            )
            for a in entity.spec.attributes
            if a.golden
        ]

    # --- review --------------------------------------------------------------------------

    def _decisions(self, name: str) -> list[Decision]:
        return stored_decisions(self.app.store.engine, name)

    def _pairs(self, art: Artifacts, where: str, limit: int | None) -> list[dict[str, Any]]:
        """Evidence rows with the first record of each node and each side's enterprise id."""
        con = duckdb.connect()
        try:
            return (
                con.execute(
                    f"""WITH firsts AS (
                        SELECT node, min(source) AS source, min(record_id) AS record_id, min(entity_id) AS entity_id
                        FROM read_parquet('{art.path("xref")}') GROUP BY 1)
                    SELECT e.*, l.source AS source_l, l.record_id AS record_l, l.entity_id AS entity_l,
                           r.source AS source_r, r.record_id AS record_r, r.entity_id AS entity_r
                    FROM read_parquet('{art.path("evidence")}') e
                    JOIN firsts l ON l.node = e.node_l JOIN firsts r ON r.node = e.node_r
                    WHERE {where}
                    ORDER BY e.probability DESC, e.node_l, e.node_r
                    {f"LIMIT {int(limit)}" if limit is not None else ""}"""
                )
                .to_arrow_table()
                .to_pylist()
            )
        finally:
            con.close()

    def review(self, name: str, *, limit: int = 20, path: Path | None = None) -> ReviewQueue:
        """Uncertain pairs (in the review band, in different entities), most probable first,
        without those a steward decided since."""
        mesh, entity = self.entity(name, path)
        art, _ = self._artifacts(mesh, entity)
        decided = {d.pair_id for d in self._decisions(name)}
        rows = [
            r
            for r in self._pairs(art, "e.reason = 'review'", None)
            if pair_id((r["source_l"], r["record_l"]), (r["source_r"], r["record_r"])) not in decided
        ]
        shown = rows[:limit]
        wanted: dict[str, list[str]] = {}
        for r in shown:
            wanted.setdefault(r["source_l"], []).append(r["record_l"])
            wanted.setdefault(r["source_r"], []).append(r["record_r"])
        attributes = source_records(entity, self._source_files(mesh, entity), wanted)
        return ReviewQueue(
            entity=name,
            model_version=art.summary.model_version,
            band=(entity.spec.matching.reviewFrom, entity.spec.matching.threshold),
            total=len(rows),
            pairs=[
                ReviewPair(
                    pair_id=pair_id((r["source_l"], r["record_l"]), (r["source_r"], r["record_r"])),
                    probability=float(r["probability"]),
                    match_weight=r.get("match_weight"),
                    left=record_view(r["source_l"], r["record_l"], attributes),
                    right=record_view(r["source_r"], r["record_r"], attributes),
                    left_entity=r["entity_l"],
                    right_entity=r["entity_r"],
                    evidence=art.evidence_of(r),
                )
                for r in shown
            ],
        )

    def decide(
        self,
        name: str,
        decision: str,
        *,
        pair: str | None = None,
        left: str | None = None,
        right: str | None = None,
        by: str,
        note: str | None = None,
        path: Path | None = None,
    ) -> Decision:
        """Record a steward's confirm or reject of a pair (by pair id, or two `source:record`).

        The next resolution links a confirmed pair, keeps a rejected one apart, and trains
        on both.
        """
        if decision not in ("confirm", "reject"):
            raise UsageError(f"a decision is `confirm` or `reject`, not `{decision}`")
        mesh, entity = self.entity(name, path)
        # ``by`` was authorized as a steward by the facade (andmesh.security.authz).
        steward = by
        art, current = self._artifacts(mesh, entity)
        probability: float | None = None
        if pair is not None:
            if not pair.isalnum():
                raise UsageError(
                    f"`{pair}` is not a pair id", hint="pair ids are 10 hex digits, as review lists them"
                )
            found = self._pairs(art, f"{PAIR_ID_SQL} = '{pair.lower()}'", 1)
            match = found[0] if found else None
            if match is None:
                raise UsageError(
                    f"no pair `{pair}` in the evidence of the current resolution",
                    hint=f"list them with `andmesh entities review {name}`, or give --left and --right",
                )
            left_ref, right_ref = (
                (match["source_l"], match["record_l"]),
                (match["source_r"], match["record_r"]),
            )
            probability = match.get("probability")
        elif left and right:
            left_ref, right_ref = self._record_ref(art, entity, left), self._record_ref(art, entity, right)
        else:
            raise UsageError("say which pair: a pair id, or both records (--left and --right)")
        row = EntityReviews(self.app.store.engine).record(
            entity=name,
            pair_id=pair_id(left_ref, right_ref),
            left=left_ref,
            right=right_ref,
            decision=decision,
            decided_by=steward,
            note=note,
            probability=probability,
            model_version=art.summary.model_version,
            run_id=current.run_id,
        )
        return Decision(
            entity=name,
            left_source=left_ref[0],
            left_record=left_ref[1],
            right_source=right_ref[0],
            right_record=right_ref[1],
            decision=row["decision"],
            decided_by=row["decided_by"],
            decided_at=row["decided_at"],
            note=note,
        )

    def _record_ref(self, art: Artifacts, entity: Entity, ref: str) -> tuple[str, str]:
        source, _, record = ref.rpartition(":")
        con = duckdb.connect()
        try:
            where = "source = ? AND record_id = ?" if source else "record_id = ?"
            params = [source, record] if source else [ref]
            rows = con.execute(
                f"SELECT DISTINCT source, record_id FROM read_parquet('{art.path('xref')}') WHERE {where}",
                params,
            ).fetchall()
        finally:
            con.close()
        if len(rows) != 1:
            raise UsageError(
                f"`{ref}` is {'not a record' if not rows else 'a record of several sources'} of entity {entity.name}",
                hint="write it as <source product>:<record id>",
            )
        return str(rows[0][0]), str(rows[0][1])

    # --- accuracy ------------------------------------------------------------------------

    def accuracy(self, name: str, truth: Path, *, path: Path | None = None) -> AccuracyReport:
        """Pairwise, B-cubed and cluster scores of the current cross-reference against a truth.

        ``truth`` is a folder with ``record_map/`` (domain, record_id, ``<entity>_id``), as the
        Order-to-Cash generator writes it; with ``customers/`` holding ``head_office_of`` and
        ``shares_address_with``, the merges of related entities are counted too.
        """
        mesh, entity = self.entity(name, path)
        art, _ = self._artifacts(mesh, entity)
        return score_against_truth(name, pq.read_table(art.path("xref")), truth, art.summary.model_version)


def score_against_truth(
    entity: str, xref: pa.Table, truth: Path, model_version: str | None = None
) -> AccuracyReport:
    """Accuracy of a cross-reference (entity_id, source, record_id) against a truth folder."""
    record_map = truth / "record_map"
    if not record_map.exists():
        raise UsageError(f"no record_map/ in {truth}", hint="point at the generator's truth/ folder")
    id_column = f"{entity}_id"
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{record_map}/*.parquet')")
        columns = [r[0] for r in con.execute("DESCRIBE t").fetchall()]
        if id_column not in columns:
            raise UsageError(
                f"the truth in {truth} has no `{id_column}`: it does not label entity `{entity}`",
                hint=f"columns: {', '.join(columns)}",
            )
        con.register("x", xref.select(["entity_id", "source", "record_id"]))
        joined = con.execute(
            f"""SELECT x.source, x.entity_id, t.{id_column} AS true_id
            FROM x JOIN t ON t.domain = split_part(x.source, '.', 1) AND t.record_id = x.record_id"""
        ).fetchnumpy()
        missing_truth = con.execute(
            "SELECT count(*) FROM x ANTI JOIN t ON t.domain = split_part(x.source, '.', 1) AND t.record_id = x.record_id"
        ).fetchone()
        missing_xref = con.execute(
            "SELECT count(*) FROM t ANTI JOIN x ON t.domain = split_part(x.source, '.', 1) AND t.record_id = x.record_id"
        ).fetchone()
    finally:
        con.close()
    predicted, true = joined["entity_id"], joined["true_id"]
    right = acc.placed_right(predicted, true)
    by_source = {
        str(s): round(float(right[joined["source"] == s].mean()), 6)
        for s in sorted(set(joined["source"].tolist()))
    }
    related = []
    customers = truth / "customers"
    if customers.exists():
        table = pq.read_table(customers)
        owners: dict[str, set[str]] = {}
        for p, t in zip(predicted.tolist(), true.tolist(), strict=True):
            owners.setdefault(str(t), set()).add(str(p))
        majority = _majority(predicted, true)
        for column, kind in (
            ("head_office_of", "branch and head office"),
            ("shares_address_with", "companies sharing an address"),
        ):
            if column not in table.column_names:
                continue
            ids = table.column(
                f"{entity}_id" if f"{entity}_id" in table.column_names else "customer_id"
            ).to_pylist()
            pairs = [
                (str(a), str(b)) for a, b in zip(ids, table.column(column).to_pylist(), strict=True) if b
            ]
            related.append(acc.related_merges(f"{kind} (any record)", pairs, owners))
            related.append(
                acc.related_merges(f"{kind} (same entity)", pairs, {k: {v} for k, v in majority.items()})
            )
    return AccuracyReport(
        entity=entity,
        truth=str(truth),
        model_version=model_version,
        records=len(predicted),
        missing_from_truth=int(missing_truth[0]) if missing_truth else 0,
        missing_from_xref=int(missing_xref[0]) if missing_xref else 0,
        pairwise=acc.pairwise(predicted, true),
        clusters=acc.clusters(predicted, true),
        by_source=by_source,
        related=related,
    )


def _majority(predicted: np.ndarray, true: np.ndarray) -> dict[str, str]:
    """Each true entity's enterprise id holding most of its records."""
    counts: dict[tuple[str, str], int] = {}
    for p, t in zip(predicted.tolist(), true.tolist(), strict=True):
        counts[(str(t), str(p))] = counts.get((str(t), str(p)), 0) + 1
    best: dict[str, tuple[int, str]] = {}
    for (t, p), n in counts.items():
        if t not in best or (n, p) > best[t]:
            best[t] = (n, p)
    return {t: p for t, (_, p) in best.items()}
