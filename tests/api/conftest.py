"""A served mesh for the API tests: the `andmesh init` mesh with a council, members, a use case
and a value chain, run once for the whole API suite (tests leave one another's state alone), on SQLite or (marked `postgres`) on a real PostgreSQL server.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from andmesh.api.app import create_app
from andmesh.facade import Andmesh
from andmesh.scaffold import scaffold_mesh
from andmesh.workspace import Workspace
from tests.conftest import KPI, USE_CASE, VALUE_CHAIN
from tests.governance.test_council import COUNCIL
from tests.helpers import clear_andmesh_environment, token_for

MEMBERS = """\
apiVersion: andmesh/v1
kind: Members
members:
  - {username: rita, name: Rita Risk}
  - {username: marc, name: Marc Eting}
  - {username: ingest-bot, kind: service, groups: [sales]}
"""
PEOPLE = ("owner", "rita", "marc", "eve", "rep", "ingest-bot")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass
class Served:
    client: TestClient
    facade: Andmesh
    mesh: Path
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, headers=self.headers(who), **kwargs)

    def post(self, who: str, url: str, **kwargs: Any) -> Any:
        return self.client.post(url, headers=self.headers(who), **kwargs)

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()


def build_mesh(root: Path) -> Path:
    mesh = root / "mesh"
    scaffold_mesh(mesh, "api-mesh")
    (mesh / "governance").mkdir()
    (mesh / "governance" / "council.yaml").write_text(COUNCIL)
    (mesh / "governance" / "members.yaml").write_text(MEMBERS)
    for folder, name, text in (
        ("use_cases", "grow_segments", USE_CASE),
        ("value_chains", "selling", VALUE_CHAIN),
        ("kpis", "segment_coverage", KPI),
    ):
        (mesh / "enterprise" / folder).mkdir(parents=True, exist_ok=True)
        (mesh / "enterprise" / folder / f"{name}.yaml").write_text(text)
    return mesh


@pytest.fixture(scope="package")
def pg_databases(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """Two fresh databases (store, catalog) on the test PostgreSQL server."""
    server = request.getfixturevalue("postgres_url")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    names = [f"api_{secrets.token_hex(4)}", f"cat_{secrets.token_hex(4)}"]
    with admin.connect() as c:
        for name in names:
            c.execute(sa.text(f"create database {name}"))
    base = server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with admin.connect() as c:
            for name in names:
                c.execute(sa.text(f"drop database {name} with (force)"))
        admin.dispose()


@pytest.fixture(scope="package", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with pytest.MonkeyPatch.context() as patch:
        clear_andmesh_environment(patch)
        root = tmp_path_factory.mktemp("api")
        mesh = build_mesh(root)
        workspace = Workspace.resolve(root / "ws")
        if request.param == "postgresql":
            store, catalog = request.getfixturevalue("pg_databases")
            workspace = Workspace(workspace.root, store, catalog)
        facade = Andmesh(workspace)
        assert facade.run(mesh, data=mesh / "data").exit_code == 0
        tokens = {who: token_for(facade, who) for who in PEOPLE}
        tokens["rita-request-only"] = token_for(facade, "rita", scopes=["request"])
        app = create_app(workspace, mesh, worker=True, poll=0.05)
        with TestClient(app) as client:
            yield Served(client, facade, mesh, tokens)
