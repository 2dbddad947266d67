"""Golden records on the Order-to-Cash units' products, against the rules applied record by record.

The survivorship standardises each distinct raw value once, counts alike records in
groups and reads the upstream files itself; the oracle here does none of that: it runs
each standardiser's SQL on every row, takes each record's least value, and sorts every
record's candidate by the attribute's rule in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from andmesh.enterprise.entities.records import vocabulary_of
from andmesh.enterprise.entities.resolve import resolve
from andmesh.enterprise.entities.standardise import STANDARDISERS
from andmesh.enterprise.entities.survivorship import golden_records, write_golden_records
from andmesh.enterprise.entities.upstream import ParquetFiles
from andmesh.errors import EngineError
from andmesh.spec.entity import EntitySpec, standardiser_of
from tests.enterprise.entities.conftest import MESH

EPOCH = dt.datetime(1970, 1, 1)


def entity(name: str) -> EntitySpec:
    return EntitySpec.model_validate(
        yaml.safe_load((MESH / "enterprise" / "entities" / f"{name}.yaml").read_text())
    )


def _latest_first(updated: dt.datetime | None) -> tuple[bool, float]:
    """``updated_at DESC NULLS LAST`` as an ascending key."""
    return (updated is None, -(updated - EPOCH).total_seconds() if updated else 0.0)


def _rank(rule: str, c: dict[str, Any]) -> tuple[Any, ...]:
    latest = _latest_first(c["updated_at"])
    keys = {
        "most_trusted": (-c["trust"], -c["frequency"], latest),
        "most_recent": (latest, -c["trust"], -c["frequency"]),
        "most_complete": (-len(c["value"]), -c["trust"], -c["frequency"]),
        "most_frequent": (-c["frequency"], -c["trust"], latest),
    }
    return (*keys[rule], c["source"], c["record_id"])


def oracle(spec: EntitySpec, xref: pa.Table, tables: Mapping[str, pa.Table]) -> dict[str, dict[str, Any]]:
    """The golden records by the module docstring's rules, one record's candidate at a time."""
    vocab = vocabulary_of(spec)
    entity_of = {
        (s, r): e
        for e, s, r in zip(
            xref["entity_id"].to_pylist(),
            xref["source"].to_pylist(),
            xref["record_id"].to_pylist(),
            strict=True,
        )
    }
    con = duckdb.connect()
    candidates: list[dict[str, Any]] = []
    for source in spec.sources:
        table = tables.get(source.product)
        if table is None:
            continue
        con.register("t", table)
        country = next(
            (
                c.column
                for a in spec.attributes
                if a.standardise == "country" and (c := source.column_for(a.name))
            ),
            None,
        )
        for attr in spec.attributes:
            column = source.column_for(attr.name)
            if not attr.golden or column is None:
                continue
            trust = column.trust if column.trust is not None else source.trust
            if trust <= 0:
                continue
            std = STANDARDISERS[standardiser_of(spec, source, attr.name)]
            raw = f'CAST("{column.column}" AS VARCHAR)'
            if std.canonical:
                value = std.outputs(
                    std.stage1(raw, f'CAST("{country}" AS VARCHAR)' if country else "NULL", vocab)
                )[""]
            else:
                value = f"nullif(trim(regexp_replace({raw}, '\\s+', ' ', 'g')), '')"
            updated = f'CAST("{source.updatedAt}" AS TIMESTAMP)' if source.updatedAt else "NULL::TIMESTAMP"
            records: dict[str, tuple[list[str], list[dt.datetime]]] = defaultdict(lambda: ([], []))
            for record, v, u in con.execute(
                f'SELECT CAST("{source.record}" AS VARCHAR), {value}, {updated} FROM t'
            ).fetchall():
                if v is not None:
                    records[record][0].append(v)
                if u is not None:
                    records[record][1].append(u)
            for record, (values, times) in records.items():
                if values and (source.product, record) in entity_of:
                    candidates.append(
                        {"attribute": attr.name, "entity_id": entity_of[(source.product, record)],
                         "source": source.product, "record_id": record, "value": min(values), "trust": trust,
                         "updated_at": max(times) if times else None}
                    )  # fmt: skip
    frequency = Counter((c["attribute"], c["entity_id"], c["value"]) for c in candidates)
    best: dict[tuple[str, str], dict[str, Any]] = {}
    rules = {a.name: a.survivorship for a in spec.attributes}
    for c in candidates:
        c["frequency"] = frequency[(c["attribute"], c["entity_id"], c["value"])]
        key = (c["attribute"], c["entity_id"])
        if key not in best or _rank(rules[c["attribute"]], c) < _rank(rules[c["attribute"]], best[key]):
            best[key] = c
    rows: dict[str, dict[str, Any]] = {}
    sources: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for (s, _), e in entity_of.items():
        sources[e].add(s)
        counts[e] += 1
    for e in entity_of.values():
        row: dict[str, Any] = {"entity_id": e}
        for attr in spec.attributes:
            if attr.golden:
                won = best.get((attr.name, e))
                row[attr.name] = won["value"] if won else None
                row[attr.name + "_source"] = won["source"] if won else None
        rows[e] = row | {"records": counts[e], "sources": len(sources[e])}
    return rows


@pytest.fixture(scope="module")
def resolved_o2c(o2c_tables: tuple[dict[str, pa.Table], Path]) -> dict[str, tuple[EntitySpec, pa.Table]]:
    tables, _ = o2c_tables
    found = {}
    for name in ("customer", "location"):
        spec = entity(name)
        found[name] = (spec, resolve(spec, tables).xref.select(["entity_id", "source", "record_id"]))
    return found


@pytest.mark.parametrize("name", ["customer", "location"])
def test_the_golden_records_are_the_rules_applied_record_by_record(
    name: str,
    o2c_tables: tuple[dict[str, pa.Table], Path],
    resolved_o2c: dict[str, tuple[EntitySpec, pa.Table]],
) -> None:
    tables, _ = o2c_tables
    spec, xref = resolved_o2c[name]
    got = golden_records(spec, xref, tables).to_pylist()
    assert [r["entity_id"] for r in got] == sorted({r["entity_id"] for r in got}), (
        "one row per id, in id order"
    )
    expected = oracle(spec, xref, tables)
    assert {r["entity_id"]: r for r in got} == expected
    # Not a vacuous comparison: records of several sources, and values that differ between them.
    assert sum(1 for r in expected.values() if r["sources"] > 2) > 100
    golden = [a.name for a in spec.attributes if a.golden]
    assert len({r[a + "_source"] for r in expected.values() for a in golden}) >= 3


def test_files_and_arrow_give_the_same_records(
    o2c_tables: tuple[dict[str, pa.Table], Path],
    resolved_o2c: dict[str, tuple[EntitySpec, pa.Table]],
    tmp_path: Path,
) -> None:
    tables, _ = o2c_tables
    spec, xref = resolved_o2c["customer"]
    files: dict[str, ParquetFiles] = {}
    for product, table in [*tables.items(), ("xref", xref)]:
        # Two files per table, as a version with several data files.
        half = table.num_rows // 2
        paths = [tmp_path / f"{product}-{part}.parquet" for part in (0, 1)]
        pq.write_table(table.slice(0, half), paths[0])
        pq.write_table(table.slice(half), paths[1])
        files[product] = ParquetFiles(str(p) for p in paths)
    out = write_golden_records(spec, files.pop("xref"), files, tmp_path / "out" / "golden.parquet")
    assert pq.read_table(out).equals(golden_records(spec, xref, tables))


def test_a_missing_column_names_the_product_and_the_column(
    o2c_tables: tuple[dict[str, pa.Table], Path],
    resolved_o2c: dict[str, tuple[EntitySpec, pa.Table]],
    tmp_path: Path,
) -> None:
    tables, _ = o2c_tables
    spec, xref = resolved_o2c["customer"]
    path = tmp_path / "accounts.parquet"
    pq.write_table(tables["order_management.accounts"].drop_columns(["email"]), path)
    with pytest.raises(EngineError) as raised:
        golden_records(spec, xref, {**tables, "order_management.accounts": ParquetFiles([str(path)])})
    assert "order_management.accounts has no column(s) email" in str(raised.value)
    assert raised.value.hint and "publish them in order_management.accounts" in raised.value.hint


def test_the_memory_budget_reaches_the_survivorship(
    o2c_tables: tuple[dict[str, pa.Table], Path],
    resolved_o2c: dict[str, tuple[EntitySpec, pa.Table]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    tables, _ = o2c_tables
    spec, xref = resolved_o2c["customer"]
    free = golden_records(spec, xref, tables)
    monkeypatch.setenv("ANDMESH_TEMP_DIRECTORY", str(tmp_path / "spill"))
    monkeypatch.setenv("ANDMESH_THREADS", "1")
    monkeypatch.setenv("ANDMESH_MEMORY_LIMIT", "1MB")
    with pytest.raises(duckdb.OutOfMemoryException):
        golden_records(spec, xref, tables)
    monkeypatch.setenv("ANDMESH_MEMORY_LIMIT", "64MB")
    assert golden_records(spec, xref, tables).equals(free)
