"""A real process killed mid-publish: nothing partial is visible, the next run repairs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from andmesh.workspace import Workspace


def andmesh_cli(
    workspace: Workspace, *args: str, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANDMESH_")}
    if crash_at:
        env["ANDMESH_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "andmesh.cli", "--workspace", str(workspace.root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def change_data(mesh: Path) -> None:
    csv = mesh / "data/sales/customers.csv"
    csv.write_text(csv.read_text() + "C004,Hooli,,enterprise,100,2024-02-02\n")


@pytest.mark.parametrize("point", ["run.after_stage", "publish.before_commit"])
def test_crash_before_commit_leaves_previous_version_intact(
    workspace: Workspace, three_products: Path, point: str
) -> None:
    first = andmesh_cli(workspace, "run", str(three_products))
    assert first.returncode == 0, first.stderr
    facade = Andmesh(workspace)
    before = facade.warehouse.current("sales.customers")
    assert before is not None and before.rows == 3
    change_data(three_products)

    crashed = andmesh_cli(workspace, "run", str(three_products), crash_at=point)
    assert crashed.returncode == -9  # SIGKILL: no cleanup ran

    facade = Andmesh(workspace)
    after_crash = facade.warehouse.current("sales.customers")
    assert after_crash == before  # readers see exactly the previous version
    assert duckdb.sql(f"select count(*) from read_parquet({after_crash.files!r})").fetchone() == (3,)

    repaired = andmesh_cli(workspace, "run", str(three_products))
    assert repaired.returncode == 0, repaired.stderr
    assert "recovered" in repaired.stdout
    facade = Andmesh(workspace)
    now = facade.warehouse.current("sales.customers")
    assert now is not None and now.version == 2 and now.rows == 4
    runs = facade.store.list_runs()
    assert [r["status"] for r in runs[:2]] == ["succeeded", "crashed"]
    # Nothing left behind: no staging, and only referenced version folders.
    assert not any((workspace.warehouse / "_staging").glob("*"))
    data_dirs = sorted(p.name for p in (workspace.warehouse / "sales/customers/data").iterdir())
    assert len(data_dirs) == 2


def test_crash_after_commit_is_recorded_on_recovery(workspace: Workspace, mesh_dir: Path) -> None:
    crashed = andmesh_cli(workspace, "run", str(mesh_dir), crash_at="publish.after_commit")
    assert crashed.returncode == -9
    facade = Andmesh(workspace)
    committed = facade.warehouse.current("sales.customers")
    assert committed is not None and committed.version == 1  # the commit landed before the kill
    result = facade.run(mesh_dir)
    assert result.repaired and "interrupted" in result.repaired[0]
    assert result.outcomes[0].status == PortStatus.up_to_date
    crashed_run = facade.store.product_runs(run_id=committed.run_id)
    assert crashed_run[0]["status"] == "published"
    assert crashed_run[0]["version"] == 1
