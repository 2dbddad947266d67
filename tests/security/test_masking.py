"""One masking function: classification from the published contract, keyed per workspace, never
skipped because a workspace does not know the mesh."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from andmesh.errors import StorageError
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
    """A workspace that does not know the mesh used to return every value in clear."""
    # Another workspace pointed at this one's catalog file is refused outright: its tables live
    # in another workspace's warehouse.
    monkeypatch.setenv("ANDMESH_CATALOG_URL", published.workspace.catalog_url)
    with pytest.raises(StorageError) as refused:
        Andmesh(Workspace.resolve(tmp_path / "other")).read(PORT)
    assert "buyer@acme.example" not in str(refused.value)
    monkeypatch.delenv("ANDMESH_CATALOG_URL")

    # The same workspace with no mesh recorded: the published contract still classifies.
    (published.workspace.root / "workspace.json").unlink()
    forgetful = Andmesh(published.workspace)
    rows = forgetful.read(PORT).to_pylist()
    assert rows[0]["segment"] == "enterprise"
    assert str(rows[0]["email"]).startswith("masked:") and "buyer@acme.example" not in str(rows)

    # And with no record of the version's contract either, every column is masked.
    with published.store.engine.begin() as c:
        c.execute(sa.text("delete from published_contracts"))
    rows = Andmesh(published.workspace).read(PORT).to_pylist()
    assert rows and all(str(v).startswith("masked:") for row in rows for v in row.values() if v is not None)


def test_classification_comes_from_the_published_version(published: Andmesh, mesh_dir: Path) -> None:
    """Declassifying a column in the spec folder does not unmask an already published version."""
    contract = next(mesh_dir.glob("domains/sales/products/customers/contract.yaml"))
    text = contract.read_text()
    assert "classification: pii" in text
    contract.write_text(text.replace("classification: pii", "classification: public"))
    rows = published.read(PORT, version=1).to_pylist()
    assert str(rows[0]["email"]).startswith("masked:")
