"""Reading a resolution back: the artifacts of the run that published the current xref.

A run of an entity's xref product saves, in ``<workspace>/artifacts/<xref table>/<run id>/``:
``summary.json``, ``model.json`` (the trained Splink model), ``xref.parquet`` (with each
record's node), ``nodes.parquet`` (standardised values) and ``evidence.parquet`` (every
link considered, with each comparison's level and Bayes factor). The current version of
the xref port names its run, so the evidence always matches what consumers read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from andmesh.enterprise.entities.linkage import level_labels, weight
from andmesh.enterprise.entities.results import Evidence, RecordView, ResolutionSummary
from andmesh.spec.entity import Entity


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Artifacts:
    folder: Path

    @cached_property
    def summary(self) -> ResolutionSummary:
        return ResolutionSummary.model_validate_json((self.folder / "summary.json").read_text())

    @cached_property
    def model(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.folder / "model.json").read_text())
        return data

    @cached_property
    def labels(self) -> dict[str, dict[int, str]]:
        return level_labels(self.model)

    def table(self, name: str) -> pa.Table:
        return pq.read_table(self.folder / f"{name}.parquet")

    def path(self, name: str) -> str:
        return str(self.folder / f"{name}.parquet")

    def evidence_of(self, row: dict[str, Any]) -> list[Evidence]:
        """A scored pair's comparisons: the level each fell in and its weight in bits."""
        found = []
        for comparison, levels in self.labels.items():
            gamma = row.get(f"gamma_{comparison}")
            if gamma is None or int(gamma) == -1:
                continue  # a value missing on either side says nothing
            found.append(
                Evidence(
                    comparison=comparison,
                    level=levels.get(int(gamma), str(gamma)),
                    weight=weight(row.get(f"mw_{comparison}")),
                )
            )
        return found


def source_records(
    entity: Entity, files: dict[str, list[str]], wanted: dict[str, list[str]], limit: int = 200
) -> dict[tuple[str, str], dict[str, Any]]:
    """The raw attributes of records (source, record id) from the sources' current versions."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    con = duckdb.connect()
    try:
        for source in entity.spec.sources:
            ids = list(dict.fromkeys(wanted.get(source.product, [])))[:limit]
            paths = files.get(source.product)
            if not ids or not paths:
                continue
            columns = {a: c.column for a in source.columns if (c := source.column_for(a)) is not None}
            select = ", ".join(
                f"min(CAST({_q(col)} AS VARCHAR)) AS {_q(attr)}" for attr, col in columns.items()
            )
            con.register("ids", pa.table({"record_id": pa.array(ids, pa.string())}))
            rows = con.execute(
                f"""SELECT CAST({_q(source.record)} AS VARCHAR) AS record_id, {select}
                FROM read_parquet({paths!r}) WHERE CAST({_q(source.record)} AS VARCHAR) IN (SELECT record_id FROM ids)
                GROUP BY 1"""
            ).fetchall()
            names = ["record_id", *columns]
            for row in rows:
                values = dict(zip(names, row, strict=True))
                record = str(values.pop("record_id"))
                found[(source.product, record)] = {k: v for k, v in values.items() if v is not None}
            con.unregister("ids")
    finally:
        con.close()
    return found


def record_view(source: str, record_id: str, attributes: dict[tuple[str, str], dict[str, Any]]) -> RecordView:
    return RecordView(source=source, record_id=record_id, attributes=attributes.get((source, record_id), {}))
