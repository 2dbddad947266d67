"""A published version is readable without andmesh: plain pyiceberg, pyarrow, DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog

from andmesh.facade import Andmesh


def test_read_current_and_pinned_versions_without_andmesh(andmesh: Andmesh, mesh_dir: Path) -> None:
    andmesh.run(mesh_dir)
    csv = mesh_dir / "data/sales/customers.csv"
    csv.write_text(csv.read_text() + "C004,Hooli,,enterprise,100,2024-02-02\n")
    andmesh.run(mesh_dir)

    ws = andmesh.workspace
    catalog = SqlCatalog("andmesh", uri=ws.catalog_url, warehouse=ws.warehouse.as_uri())
    table = catalog.load_table("sales.customers")
    current = table.scan().to_arrow()
    assert current.num_rows == 4
    snapshots = [s for s in table.snapshots() if s.summary and s.summary.operation.value == "append"]
    versions = {int(s.summary.additional_properties["andmesh.version"]): s.snapshot_id for s in snapshots}  # type: ignore[union-attr]
    assert sorted(versions) == [1, 2]
    pinned = table.scan(snapshot_id=versions[1]).to_arrow()
    assert sorted(pinned.column("customer_id").to_pylist()) == ["C001", "C002", "C003"]

    # DuckDB reading the snapshot's Parquet files directly (no extension needed).
    files = [
        t.file.file_path.removeprefix("file://") for t in table.scan(snapshot_id=versions[1]).plan_files()
    ]
    assert duckdb.sql(f"select count(*), min(customer_id) from read_parquet({files!r})").fetchone() == (
        3,
        "C001",
    )
    # And plain pyarrow.
    assert sum(pq.read_metadata(f).num_rows for f in files) == 3


def test_versions_are_immutable_after_later_publishes(andmesh: Andmesh, mesh_dir: Path) -> None:
    andmesh.run(mesh_dir)
    first = andmesh.read("sales.customers", version=1)
    csv = mesh_dir / "data/sales/customers.csv"
    csv.write_text(csv.read_text().replace("Acme GmbH", "Acme AG"))
    andmesh.run(mesh_dir)
    assert andmesh.read("sales.customers", version=1).equals(first)
    # Read the files themselves: `andmesh read` masks this PII column for readers without a grant.
    current = andmesh.warehouse.current("sales.customers")
    assert current is not None
    names = pa.concat_tables([pq.read_table(f) for f in current.files]).column("customer_name").to_pylist()
    assert "Acme AG" in names
