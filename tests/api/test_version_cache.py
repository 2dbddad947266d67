"""The service's caches never answer for a state they were not computed from: a port's versions
follow every commit to its table (whoever makes it), a contract's protected columns follow its text,
and the mesh's signature is the same walk as before, only faster."""

from __future__ import annotations

import os
from pathlib import Path

from andmesh.facade import Andmesh
from andmesh.serve_cache import protected_columns, tree_signature
from andmesh.version_cache import VersionCachingWarehouse
from andmesh.workspace import Workspace

PORT = "sales.customers"


def test_versions_are_reread_after_every_commit_and_only_then(mesh_dir: Path, workspace: Workspace) -> None:
    cli = Andmesh(workspace)  # the command line, with its own plain warehouse
    assert cli.run(mesh_dir, data=mesh_dir / "data").exit_code == 0
    cached = VersionCachingWarehouse(workspace.catalog_url, workspace.warehouse)
    first = cached.versions(PORT)
    assert [v.version for v in first] == [v.version for v in cli.warehouse.versions(PORT)] == [1]
    assert cached.current(PORT) == cli.warehouse.current(PORT)
    misses = cached.misses
    assert cached.versions(PORT) == first and cached.version(PORT) == first[-1]
    assert (cached.misses, cached.hits >= 2) == (misses, True)  # answered from the cache

    # A new version committed by someone else (here: a run on the command line) is seen at once.
    source = mesh_dir / "data" / "sales" / "customers.csv"
    source.write_text(
        source.read_text() + "C004,Umbrella Corp,it@umbrella.example,enterprise,90000,2024-02-02\n"
    )
    assert cli.run(mesh_dir, data=mesh_dir / "data").exit_code == 0
    plain = cli.warehouse.versions(PORT)
    assert len(plain) == 2
    assert cached.versions(PORT) == plain and cached.current(PORT) == cli.warehouse.current(PORT)
    assert cached.misses == misses + 1
    assert cached.versions("sales.nothing") == [] and cached.current("sales.nothing") is None


def test_protected_columns_follow_the_contract_text() -> None:
    contract = """\
apiVersion: v3.0.2
kind: DataContract
id: c
name: c
version: 1.0.0
status: active
schema:
  - name: t
    properties:
      - {name: email, logicalType: string, classification: pii}
      - {name: segment, logicalType: string}
"""
    assert protected_columns(contract) == ["email"]
    widened = contract.replace(
        "{name: segment, logicalType: string}",
        "{name: segment, logicalType: string, classification: confidential}",
    )
    assert protected_columns(widened) == ["email", "segment"]
    assert protected_columns(contract) == ["email"]
    found = protected_columns(contract)
    assert found is not None
    found.append("mutated")  # a caller's copy: the cached value is not changed
    assert protected_columns(contract) == ["email"]


def test_the_signature_walk_sees_what_the_old_one_saw(mesh_dir: Path) -> None:
    (mesh_dir / ".git").mkdir()
    (mesh_dir / ".git" / "HEAD").write_text("ref")
    (mesh_dir / ".hidden.yaml").write_text("x")
    before = tree_signature(mesh_dir)
    paths = {Path(p) for p, _, _ in before}
    expected = {
        p
        for p in mesh_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(mesh_dir).parts)
    }
    assert paths == expected and before == tuple(sorted(before))
    spec = next(p for p in paths if p.suffix == ".yaml")
    os.utime(spec, ns=(0, 10**9))
    assert tree_signature(mesh_dir) != before
    assert tree_signature(spec) == tree_signature(spec.parent)  # a file names its folder
