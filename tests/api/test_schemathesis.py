"""Generated requests against the OpenAPI document (Schemathesis): whatever a client sends, with a
valid token, the server answers it without a 5xx. Bounded: a few examples per operation.

The served app is this module's own (a fresh mesh): generated requests queue runs, ask for
access and vote, which must not disturb the other API tests' state. Neither the run worker nor
the webhook dispatcher runs, so nothing generated is carried out or sent anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from andmesh.api.app import create_app
from andmesh.facade import Andmesh
from andmesh.workspace import Workspace
from tests.api.conftest import BACKENDS, build_mesh
from tests.helpers import token_for

EXAMPLES = int(os.environ.get("ANDMESH_FUZZ_EXAMPLES", "4"))


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, str]]:
    with pytest.MonkeyPatch.context() as patch, ExitStack() as cleanup:
        for var in ("ANDMESH_WORKSPACE", "ANDMESH_STORE_URL", "ANDMESH_CATALOG_URL", "ANDMESH_DATA"):
            patch.delenv(var, raising=False)
        root = tmp_path_factory.mktemp("fuzz")
        mesh = build_mesh(root)
        workspace = Workspace.resolve(root / "ws")
        if request.param == "postgresql":  # its own databases: the generated writes stay here
            store, catalog = cleanup.enter_context(databases(request.getfixturevalue("postgres_url")))
            workspace = Workspace(workspace.root, store, catalog)
        facade = Andmesh(workspace)
        assert facade.run(mesh, data=mesh / "data").exit_code == 0
        token = token_for(facade, "owner")
        yield create_app(workspace, mesh, worker=False, webhooks=False), token


@contextmanager
def databases(server: str) -> Iterator[tuple[str, str]]:
    import secrets

    import sqlalchemy as sa

    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    names = [f"fuzz_{secrets.token_hex(4)}", f"fuzzcat_{secrets.token_hex(4)}"]
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


def test_no_generated_request_meets_a_server_error(fuzzed: tuple[Any, str]) -> None:
    # Schemathesis' pytest plugin (`from_fixture`) does not run under pytest 9: drive Hypothesis here.
    app, token = fuzzed
    api = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for found in api.get_all_operations():
        operation = found.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
        )
        def call(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query} body={case.body!r} -> "
                    f"{response.status_code} {response.text[:300]}"
                )

        call()
    assert operations >= 30  # the whole API was walked, not an empty document
    assert not failures, "\n".join(failures)
