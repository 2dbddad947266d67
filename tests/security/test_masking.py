"""One masking function: classification from the published contract, keyed per workspace, never
skipped because a workspace does not know the mesh."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.errors import AndmeshError
from andmesh.facade import Andmesh
from andmesh.workspace import Workspace

PORT = "sales.customers"


@pytest.fixture
def published(mesh_dir: Path, andmesh: Andmesh) -> Andmesh:
    assert andmesh.run(mesh_dir, data=mesh_dir / "data").exit_code == 0
    return andmesh


def test_a_workspace_without_the_mesh_reads_nothing_in_clear(
    published: Andmesh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pointing a fresh workspace at the real catalog used to return every value in clear."""
    monkeypatch.setenv("ANDMESH_CATALOG_URL", published.workspace.catalog_url)
    for env in ({}, {"ANDMESH_STORE_URL": published.workspace.store_url}):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        stranger = Andmesh(Workspace.resolve(tmp_path / f"other{len(env)}"))
        try:
            rows = stranger.read(PORT).to_pylist()
        except AndmeshError as refused:  # a catalog whose tables live in another workspace is refused
            assert "buyer@acme.example" not in str(refused)
            continue
        # No contract on record for that version in this store: every column is masked; with the
        # real store, the published contract says which columns are personal data.
        assert rows and "buyer@acme.example" not in str(rows) and "Acme GmbH" not in str(rows)
        assert str(rows[0]["email"]).startswith("masked:")


def test_classification_comes_from_the_published_version(published: Andmesh, mesh_dir: Path) -> None:
    """Declassifying a column in the spec folder does not unmask an already published version."""
    contract = next(mesh_dir.glob("domains/sales/products/customers/contract.yaml"))
    text = contract.read_text()
    assert "classification: pii" in text
    contract.write_text(text.replace("classification: pii", "classification: public"))
    rows = published.read(PORT, version=1).to_pylist()
    assert str(rows[0]["email"]).startswith("masked:")
