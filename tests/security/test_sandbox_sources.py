"""Source paths stay under the data root unless mesh.yaml allows a folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from andmesh.facade import Andmesh
from andmesh.pipeline.results import PortStatus
from andmesh.spec import lint_mesh
from tests.helpers import edit
from tests.security.hostile import make_canary

PRODUCT = "domains/sales/products/customers/product.yaml"
SOURCE = "        path: sales/customers.csv\n"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../other-workspace/warehouse/sales/*.parquet", "climbs out of the data root"),
        ("sales/../../secret/*.csv", "climbs out of the data root"),
        ("/etc/*", "absolute path outside the folders mesh.yaml allows (none)"),
    ],
)
def test_lint_refuses_a_source_outside_the_data_root(mesh_dir: Path, path: str, message: str) -> None:
    edit(mesh_dir / PRODUCT, SOURCE, f"        path: {path}\n")
    report = lint_mesh(mesh_dir)
    [problem] = [p for p in report.errors if p.code == "source-path"]
    lines = (mesh_dir / PRODUCT).read_text().splitlines()
    assert problem.file == mesh_dir / PRODUCT and lines[(problem.line or 0) - 1].strip() == f"path: {path}"
    assert message in problem.message and problem.hint and "allowedSourceFolders" in problem.hint


def test_a_folder_mesh_yaml_allows_is_read(andmesh: Andmesh, mesh_dir: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (mesh_dir / "data/sales/customers.csv").rename(shared / "customers.csv")
    edit(mesh_dir / "mesh.yaml", "dataRoot: data\n", f"dataRoot: data\nallowedSourceFolders: [{shared}]\n")
    edit(mesh_dir / PRODUCT, SOURCE, f"        path: {shared}/*.csv\n")
    assert lint_mesh(mesh_dir).ok
    [outcome] = andmesh.run(mesh_dir).outcomes
    assert outcome.status == PortStatus.published and outcome.rows == 3


def test_a_link_out_of_the_data_root_is_refused_at_run(
    andmesh: Andmesh, mesh_dir: Path, tmp_path: Path
) -> None:
    canary = make_canary(tmp_path)
    os.symlink(canary.dir / "canary.csv", mesh_dir / "data/sales/zz_link.csv")
    edit(mesh_dir / PRODUCT, SOURCE, "        path: sales/*.csv\n")
    assert lint_mesh(mesh_dir).ok  # the pattern itself is fine; what it matches is not
    result = andmesh.run(mesh_dir)
    [outcome] = result.outcomes
    assert outcome.status == PortStatus.failed
    assert "reaches outside the data root" in outcome.message and "zz_link.csv" in outcome.message
    assert andmesh.warehouse.current("sales.customers") is None
    canary.assert_absent(result.model_dump_json(), folders=(andmesh.workspace.root,))
