"""The same run with the metadata store and the Iceberg catalog on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from andmesh.workspace import Workspace


@pytest.mark.postgres
def test_run_with_store_and_catalog_on_postgresql(
    postgres_url: str, mesh_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANDMESH_STORE_URL", postgres_url)
    monkeypatch.setenv("ANDMESH_CATALOG_URL", postgres_url)
    facade = Andmesh(Workspace.resolve(tmp_path / "ws"))
    result = facade.run(mesh_dir)
    assert result.outcomes[0].status == PortStatus.published
    assert facade.read("sales.customers").num_rows == 3
    with sa.create_engine(postgres_url).connect() as connection:
        runs = connection.execute(
            sa.text("select status from runs where id = :id"), {"id": result.run_id}
        ).scalar()
        tables = connection.execute(sa.text("select table_name from iceberg_tables")).scalars().all()
    assert runs == "succeeded"
    assert "customers" in tables
