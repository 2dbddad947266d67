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
