"""Workspace faults lose nothing: copies, a lost catalog, read-only, a full disk, a newer store."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.errors import CatalogDamaged, StoreTooNew
from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from andmesh.store.ledger import Ledger
from andmesh.workspace import Workspace

TABLE = "sales.customers"


def add_customer(mesh: Path, key: str) -> None:
    csv = mesh / "data/sales/customers.csv"
    csv.write_text(csv.read_text() + f"{key},Hooli {key},,enterprise,100,2024-02-02\n")


def cli(
    workspace: Path, *args: str, prefix: tuple[str, ...] = (), fsize: int | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANDMESH_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)

    def limit() -> None:  # the child's files may not grow past ``fsize`` bytes: writes fail EFBIG
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [*prefix, sys.executable, "-m", "andmesh.cli", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        preexec_fn=limit,
    )


def rows(andmesh: Andmesh, version: int | None = None) -> list[str]:
    pinned = andmesh.version(TABLE, version)
    table = pa.concat_tables([pq.read_table(f) for f in pinned.files])
    return sorted(table.column("customer_id").to_pylist())


def data_folders(workspace: Workspace) -> list[str]:
    return sorted(p.name for p in (workspace.warehouse / "sales/customers/data").iterdir())


# --- copies and moves -------------------------------------------------------------------


def test_copied_workspace_is_independent_and_a_moved_one_still_works(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path
) -> None:
    original = Andmesh(workspace)
    original.run(mesh_dir)
    copy_ws = Workspace.resolve(tmp_path / "copy")
    shutil.copytree(workspace.root, copy_ws.root)

    add_customer(mesh_dir, "C004")
    copy = Andmesh(copy_ws)
    assert copy.run(mesh_dir).outcomes[0].status == PortStatus.published
    # The copy wrote into itself only: the original has just its own version folder.
    assert len(data_folders(workspace)) == 1
    assert len(data_folders(copy_ws)) == 2
    for version in copy.warehouse.versions(TABLE):
        assert all(Path(f).is_relative_to(copy_ws.root) for f in version.files)

    # The original goes on by itself, and its repair touches nothing of the copy.
    add_customer(mesh_dir, "C005")
    assert Andmesh(workspace).run(mesh_dir).outcomes[0].version == 2
    assert rows(Andmesh(copy_ws)) == ["C001", "C002", "C003", "C004"]
    assert rows(Andmesh(copy_ws), 1) == ["C001", "C002", "C003"]
    assert rows(Andmesh(workspace)) == ["C001", "C002", "C003", "C004", "C005"]

    # Moved: the old place is gone, every version reads from the new one, and it publishes there.
    moved_ws = Workspace.resolve(tmp_path / "moved")
    copy_ws.root.rename(moved_ws.root)
    moved = Andmesh(moved_ws)
    assert [v.version for v in moved.warehouse.versions(TABLE)] == [1, 2]
    assert rows(moved, 1) == ["C001", "C002", "C003"]
    add_customer(mesh_dir, "C006")
    assert moved.run(mesh_dir).outcomes[0].version == 3
    assert all(Path(f).is_relative_to(moved_ws.root) for f in moved.version(TABLE).files)
    assert moved.doctor().exit_code == 0


# --- the catalog lost -------------------------------------------------------------------


def _empty_catalog(ws: Workspace, how: str) -> None:
    catalog = ws.root / "catalog.db"
    if how == "truncated":
        catalog.write_bytes(b"")
    elif how == "rows deleted":
        with sqlite3.connect(catalog) as connection:
            connection.execute("delete from iceberg_tables")
    elif how == "garbage":
        catalog.write_bytes(b"not a database at all" * 100)
    else:
        catalog.unlink()


@pytest.mark.parametrize("how", ["truncated", "rows deleted", "garbage", "missing"])
def test_lost_catalog_is_refused_and_doctor_rebuilds_it(
    workspace: Workspace, mesh_dir: Path, how: str
) -> None:
    andmesh = Andmesh(workspace)
    andmesh.run(mesh_dir)
    add_customer(mesh_dir, "C004")
    andmesh.run(mesh_dir)
    before = {v.version: rows(andmesh, v.version) for v in andmesh.warehouse.versions(TABLE)}
    folders = data_folders(workspace)
    _empty_catalog(workspace, how)

    with pytest.raises(CatalogDamaged, match="doctor"):
        Andmesh(workspace).run(mesh_dir)
    with pytest.raises(CatalogDamaged):
        Andmesh(workspace).read(TABLE)
    assert data_folders(workspace) == folders  # nothing deleted, nothing written over

    diagnosis = Andmesh(workspace).doctor()
    assert diagnosis.exit_code == 2
    assert any(f.area == "catalog" and f.status == "error" for f in diagnosis.findings)

    repaired = Andmesh(workspace).doctor(repair=True)
    assert repaired.exit_code == 0, repaired.findings
    healed = Andmesh(workspace)
    assert {v.version: rows(healed, v.version) for v in healed.warehouse.versions(TABLE)} == before
    add_customer(mesh_dir, "C005")
    assert healed.run(mesh_dir).outcomes[0].version == 3
    assert set(folders) < set(data_folders(workspace))


def test_emptied_catalog_through_the_cli_exits_2_without_a_traceback(
    workspace: Workspace, mesh_dir: Path
) -> None:
    Andmesh(workspace).run(mesh_dir)
    _empty_catalog(workspace, "truncated")
    refused = cli(workspace.root, "run", str(mesh_dir))
    assert refused.returncode == 2
    assert "catalog" in refused.stderr and "andmesh doctor" in refused.stderr
    assert "Traceback" not in refused.stderr
    doctor = cli(workspace.root, "doctor", "--repair")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "registered sales.customers" in doctor.stdout
    assert rows(Andmesh(workspace), 1) == ["C001", "C002", "C003"]


def test_repair_deletes_only_what_this_workspace_journaled(workspace: Workspace, mesh_dir: Path) -> None:
    andmesh = Andmesh(workspace)
    andmesh.run(mesh_dir)
    data = workspace.warehouse / "sales/customers/data"
    stranger = data / "v000007-20990101T000000-feed01"  # looks like a crashed version, was never journaled
    stranger.mkdir()
    (stranger / "part-00000.parquet").write_bytes(b"someone else's")
    add_customer(mesh_dir, "C004")
    assert andmesh.run(mesh_dir).outcomes[0].version == 2
    assert (stranger / "part-00000.parquet").exists()
    warnings = [f for f in andmesh.doctor().findings if f.area == "warehouse" and f.status == "warning"]
    assert [str(stranger) in f.message for f in warnings] == [True]


# --- read-only --------------------------------------------------------------------------

# Tests run as root, which may write anything: drop the capabilities that let it, so the
# child is held to the file modes like any user.
UNPRIVILEGED = (
    "setpriv",
    "--bounding-set",
    "-dac_override,-dac_read_search,-fowner",
    "--inh-caps",
    "-all",
    "--",
)


def _can_drop_privileges() -> bool:
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run([*UNPRIVILEGED, "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_drop_privileges(), reason="setpriv cannot drop capabilities here")
def test_read_commands_work_on_a_read_only_workspace(workspace: Workspace, mesh_dir: Path) -> None:
    andmesh = Andmesh(workspace)
    andmesh.run(mesh_dir)
    reads_before = len(Ledger(andmesh.store.engine).reads())
    andmesh.store.engine.dispose()
    store_bytes = (workspace.root / "andmesh.db").read_bytes()
    subprocess.run(["chmod", "-R", "a-w", str(workspace.root)], check=True)
    try:
        status = cli(workspace.root, "status", prefix=UNPRIVILEGED)
        assert status.returncode == 0, status.stderr
        assert TABLE in status.stdout
        read = cli(workspace.root, "read", TABLE, "--json", prefix=UNPRIVILEGED)
        assert read.returncode == 0, read.stderr
        assert '"customer_id": "C001"' in read.stdout
        assert "read-only" in read.stderr and "not recorded" in read.stderr
        listed = cli(workspace.root, "products", "list", prefix=UNPRIVILEGED)
        assert listed.returncode == 0, listed.stderr
        run = cli(workspace.root, "run", str(mesh_dir), prefix=UNPRIVILEGED)
        assert run.returncode == 2
        assert "read-only" in run.stderr and "Traceback" not in run.stderr
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(workspace.root)], check=True)
    assert (workspace.root / "andmesh.db").read_bytes() == store_bytes  # not migrated, no ledger row
    assert len(Ledger(Andmesh(workspace).store.engine).reads()) == reads_before


# --- a store from a newer andmesh ---------------------------------------------------------


def test_store_from_a_newer_andmesh_is_refused_untouched(workspace: Workspace, mesh_dir: Path) -> None:
    first = Andmesh(workspace)
    first.run(mesh_dir)
    first.store.engine.dispose()  # its pooled connections would checkpoint their log into the file later
    store = workspace.root / "andmesh.db"
    with sqlite3.connect(store) as connection:
        connection.execute("update alembic_version set version_num = '0099'")
    connection.close()
    untouched = store.read_bytes()
    with pytest.raises(StoreTooNew, match=r"0099.*newest is 00[0-9][0-9]") as refused:
        Andmesh(workspace).status()
    assert refused.value.exit_code == 2
    result = cli(workspace.root, "read", TABLE)
    assert result.returncode == 2
    assert "0099" in result.stderr and "newer andmesh" in result.stderr and "Traceback" not in result.stderr
    assert store.read_bytes() == untouched


# --- a full disk --------------------------------------------------------------------------


def _big_customers(mesh: Path, count: int) -> None:
    lines = ["customer_id,customer_name,email,segment,credit_limit,created_on"]
    lines += [f"C{i:07d},{os.urandom(24).hex()},,enterprise,{i},2024-02-02" for i in range(count)]
    (mesh / "data/sales/customers.csv").write_text("\n".join(lines) + "\n")


def test_a_full_disk_stops_the_run_and_keeps_the_last_version(workspace: Workspace, mesh_dir: Path) -> None:
    andmesh = Andmesh(workspace)
    andmesh.run(mesh_dir)
    before = andmesh.version(TABLE)
    _big_customers(mesh_dir, 40_000)  # ~2.5 MB of incompressible Parquet
    full = cli(workspace.root, "run", str(mesh_dir), fsize=1 << 20)
    assert full.returncode == 2, full.stdout + full.stderr
    assert "disk is full" in full.stderr and "Traceback" not in full.stderr
    after = Andmesh(workspace)
    assert after.version(TABLE) == before
    assert rows(after) == ["C001", "C002", "C003"]
    assert data_folders(workspace) == [Path(before.files[0]).parent.name]
    assert not any((workspace.warehouse / "_staging").glob("*/*"))
    # With room again, the next run publishes and leaves nothing behind.
    assert after.run(mesh_dir).outcomes[0].version == 2
    assert not any((workspace.warehouse / "_journal").glob("*"))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MB file system (tmpfs); skipped where this process may not mount one."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + made.stderr.decode().strip())
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_no_space_left_on_device_is_one_clear_error(small_disk: Path, mesh_dir: Path) -> None:
    workspace = Workspace.resolve(small_disk / "ws")
    Andmesh(workspace).run(mesh_dir)
    before = Andmesh(workspace).version(TABLE)
    filler = small_disk / "filler"
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
    add_customer(mesh_dir, "C004")
    full = cli(workspace.root, "run", str(mesh_dir))
    assert full.returncode == 2, full.stdout + full.stderr
    assert "disk is full" in full.stderr and "Traceback" not in full.stderr
    filler.unlink()
    assert Andmesh(workspace).version(TABLE) == before
    assert Andmesh(workspace).run(mesh_dir).outcomes[0].version == 2


# --- owner-only files ---------------------------------------------------------------------


def test_published_files_are_owner_only(andmesh: Andmesh, mesh_dir: Path) -> None:
    andmesh.run(mesh_dir)
    ws = andmesh.workspace
    assert ws.root.stat().st_mode & 0o777 == 0o700
    for db in ("andmesh.db", "catalog.db"):
        assert (ws.root / db).stat().st_mode & 0o777 == 0o600
    open_ones = [p for p in [ws.warehouse, *ws.warehouse.rglob("*")] if p.stat().st_mode & 0o077]
    assert open_ones == []
    assert andmesh.doctor().exit_code == 0
