"""The publish transaction: pending metadata worked out once per staged change, same commits."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import AlwaysTrue

from andmesh.storage.transaction import transaction


def _catalog(tmp_path: Path) -> SqlCatalog:
    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path / 'catalog.db'}", warehouse=tmp_path.as_uri())
    catalog.create_namespace("d")
    return catalog


def _file(tmp_path: Path, name: str, rows: int) -> str:
    path = tmp_path / f"{name}.parquet"
    duckdb.execute(f"COPY (SELECT range AS id FROM range({rows})) TO '{path}' (FORMAT parquet)")
    return str(path)


def test_pending_metadata_is_reused_until_a_change_is_staged(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    first = _file(tmp_path, "a", 3)
    table = catalog.create_table("d.t", schema=pq.read_schema(first))
    tx = transaction(table)
    before = tx.table_metadata
    assert tx.table_metadata is before  # nothing staged since: the same object
    tx.add_files([first], check_duplicate_files=False)
    after = tx.table_metadata
    assert after is not before and len(after.snapshots) == len(before.snapshots) + 1
    tx.commit_transaction()
    assert table.metadata.current_snapshot_id == after.current_snapshot_id


def test_commits_the_same_versions_as_a_plain_transaction(tmp_path: Path) -> None:
    """Delete everything then add files, three times, through both: the same snapshots and rows."""
    catalog = _catalog(tmp_path)
    files = [_file(tmp_path, f"f{n}", n + 1) for n in range(3)]
    schema = pq.read_schema(files[0])
    plain = catalog.create_table("d.plain", schema=schema)
    memo = catalog.create_table("d.memo", schema=schema)
    for file in files:
        for table, begin in ((plain, plain.transaction), (memo, lambda: transaction(memo))):
            with begin() as tx:
                if table.current_snapshot() is not None:
                    tx.delete(AlwaysTrue(), snapshot_properties={"v": file})
                tx.add_files([file], snapshot_properties={"v": file}, check_duplicate_files=False)

    def history(name: str) -> list[tuple[str, str, str]]:
        table = catalog.load_table(name)
        return [
            (s.summary.operation.value, s.summary["v"], s.summary["total-records"])
            for s in table.snapshots()
            if s.summary is not None
        ]

    assert history("d.memo") == history("d.plain")
    assert len(history("d.memo")) == 5  # one add, then a delete and an add per version
    assert catalog.load_table("d.memo").scan().to_arrow().num_rows == 3
