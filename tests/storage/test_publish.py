"""What `publish` returns (built from the commit, not re-read) is what the catalog then says."""

from __future__ import annotations

from pathlib import Path

import duckdb

from andmesh.storage.warehouse import Warehouse


def test_published_version_is_the_current_one(tmp_path: Path) -> None:
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'catalog.db'}", tmp_path / "warehouse")
    for number, rows in ((1, 10), (2, 7), (3, 0)):
        run_id = f"run{number}"
        staged = warehouse.staging_dir(run_id, "d.t")
        staged.mkdir(parents=True, exist_ok=True)
        files = [staged / "a.parquet", staged / "b.parquet"]
        for file in files:
            duckdb.execute(f"COPY (SELECT range AS id FROM range({rows})) TO '{file}' (FORMAT parquet)")
        published = warehouse.publish(
            "d.t", files, run_id=run_id, contract_version="1.0.0", fingerprint=run_id
        )
        assert published == warehouse.current("d.t")  # a fresh read: catalog, metadata and manifests
        assert (published.version, published.rows, published.run_id) == (number, 2 * rows, run_id)
        names = ["part-00000.parquet", "part-00001.parquet"] if rows else []  # a scan skips empty files
        assert [Path(f).name for f in published.files] == names
        assert all(Path(f).is_file() for f in published.files)


def test_a_column_may_change_type_between_versions(tmp_path: Path) -> None:
    """A double that becomes an exact decimal: the new version is decimal, the old one still double."""
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'catalog.db'}", tmp_path / "warehouse")
    for number, amount in ((1, "1.5::double"), (2, "1.50::decimal(15,2)"), (3, "2::bigint")):
        staged = warehouse.staging_dir(f"run{number}", "d.t")
        staged.mkdir(parents=True, exist_ok=True)
        file = staged / "a.parquet"
        duckdb.execute(f"COPY (SELECT {amount} AS amount) TO '{file}' (FORMAT parquet)")
        warehouse.publish("d.t", [file], run_id=f"run{number}", contract_version="1.0.0", fingerprint="f")
    table = warehouse.catalog.load_table("d.t")
    by_version = {v.version: v for v in warehouse.versions("d.t")}
    types = {
        number: str(
            table.scan(snapshot_id=by_version[number].snapshot_id).to_arrow().schema.field("amount").type
        )
        for number in (1, 2, 3)
    }
    assert types == {1: "double", 2: "decimal128(15, 2)", 3: "int64"}
