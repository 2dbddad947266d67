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


def test_settle_keeps_committed_versions_and_removes_strays(tmp_path: Path) -> None:
    """A run's version folders survive settling (known committed, or found in a snapshot); a folder
    the journal names that no commit took is removed — by this process and by a fresh one alike."""
    catalog = f"sqlite:///{tmp_path / 'catalog.db'}"
    warehouse = Warehouse(catalog, tmp_path / "warehouse")
    for run_id in ("r1", "r2"):
        staged = warehouse.staging_dir(run_id, "d.t")
        staged.mkdir(parents=True, exist_ok=True)
        file = staged / "a.parquet"
        duckdb.execute(f"COPY (SELECT 1 AS id) TO '{file}' (FORMAT parquet)")
        version = warehouse.publish("d.t", [file], run_id=run_id, contract_version="1", fingerprint="f")
        kept = Path(version.files[0]).parent
        stray = kept.parent / f"stray-{run_id}"
        stray.mkdir()
        (stray / "part-00000.parquet").write_bytes(b"PAR1")
        warehouse.journal.record(run_id, "version", stray, "d.t")
        settler = warehouse if run_id == "r1" else Warehouse(catalog, tmp_path / "warehouse")
        removed = settler.settle(run_id)
        assert stray.resolve() in [p.resolve() for p in removed] and not stray.exists()
        assert kept.is_dir() and Path(version.files[0]).is_file()
    assert [v.version for v in warehouse.versions("d.t")] == [1, 2]
