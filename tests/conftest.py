"""Shared fixtures: a scaffolded mesh and an isolated workspace per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.facade import Andmesh
from andmesh.scaffold import scaffold_mesh
from andmesh.workspace import Workspace


@pytest.fixture
def mesh_dir(tmp_path: Path) -> Path:
    """A fresh copy of the `andmesh init` mesh (one domain, one product, sample data)."""
    target = tmp_path / "mesh"
    scaffold_mesh(target, "test-mesh")
    return target


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    for var in (
        "ANDMESH_WORKSPACE",
        "ANDMESH_STORE_URL",
        "ANDMESH_CATALOG_URL",
        "ANDMESH_DATA",
        "ANDMESH_CRASH_AT",
    ):
        monkeypatch.delenv(var, raising=False)
    return Workspace.resolve(tmp_path / "ws")


@pytest.fixture
def andmesh(workspace: Workspace) -> Andmesh:
    return Andmesh(workspace)
