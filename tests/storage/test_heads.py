"""The heads read without pyiceberg say what the Iceberg catalog says, in a moved workspace too."""

from __future__ import annotations

import shutil
from pathlib import Path

from andmesh.facade import Andmesh
from andmesh.storage.warehouse import Warehouse
from andmesh.workspace import Workspace


def same(warehouse: Warehouse) -> None:
    heads = warehouse.heads()
    assert sorted(heads) == warehouse.tables()
    for table_id, head in heads.items():
        current = warehouse.current(table_id)
        assert head is not None and current is not None
        assert (head.version, head.snapshot_id, head.rows, head.fingerprint) == (
            current.version,
            current.snapshot_id,
            current.rows,
            current.fingerprint,
        )


def test_heads_equal_the_current_versions(andmesh: Andmesh, mesh_dir: Path, tmp_path: Path) -> None:
    andmesh.run(mesh_dir)
    andmesh.run(mesh_dir, force=True)  # version 2: a delete and an add in one commit
    same(andmesh.warehouse)
    assert {h.version for h in andmesh.warehouse.heads().values() if h} == {2}
    moved = tmp_path / "moved-workspace"
    shutil.copytree(andmesh.workspace.root, moved)
    shutil.rmtree(andmesh.workspace.root)  # nothing may be read from the old place
    workspace = Workspace.resolve(moved)
    same(Warehouse(workspace.catalog_url, workspace.warehouse))


def test_no_catalog_yet_means_no_heads(tmp_path: Path) -> None:
    workspace = Workspace.resolve(tmp_path / "ws")
    workspace.create()
    assert Warehouse(workspace.catalog_url, workspace.warehouse).heads() == {}
