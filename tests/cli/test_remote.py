"""`andmesh --server URL …`: governance actions sent to a real `andmesh serve` (uvicorn on a free
loopback port, the API tests' mesh), with the server's errors as the CLI's messages and exit codes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from andmesh.cli.app import app
from tests.api.conftest import build_mesh
from tests.helpers import token_for

PORT = "sales.customers"


@dataclass
class Server:
    url: str
    tokens: dict[str, str]
    local: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import uvicorn

    from andmesh.api.app import create_app
    from andmesh.facade import Andmesh
    from andmesh.workspace import Workspace

    root = tmp_path_factory.mktemp("remote")
    with pytest.MonkeyPatch.context() as patch:
        for var in ("ANDMESH_WORKSPACE", "ANDMESH_STORE_URL", "ANDMESH_CATALOG_URL", "ANDMESH_TOKEN"):
            patch.delenv(var, raising=False)
        for var in ("ISSUER", "CLIENT_ID"):
            patch.delenv(f"ANDMESH_OIDC_{var}", raising=False)
        mesh = build_mesh(root)
        workspace = Workspace.resolve(root / "served")
        facade = Andmesh(workspace)
        facade.mesh(mesh)
        tokens = {who: token_for(facade, who) for who in ("owner", "marc", "eve", "rita")}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(create_app(workspace, mesh), host="127.0.0.1", port=port, log_level="warning")
        uv = uvicorn.Server(config)
        thread = threading.Thread(target=uv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not uv.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        try:
            yield Server(f"http://127.0.0.1:{port}", tokens, root / "local")
        finally:
            uv.should_exit = True
            thread.join(10)


def andmesh(server: Server, who: str | None, *args: str, url: str | None = None) -> tuple[int, str]:
    env = {"ANDMESH_SERVER": url or server.url, "ANDMESH_WORKSPACE": str(server.local)}
    env["ANDMESH_TOKEN"] = server.tokens[who] if who else ""
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_request_approve_vote_and_revoke_go_through_the_server(server: Server) -> None:
    code, out = andmesh(server, "marc", "whoami")
    assert code == 0 and "marc" in out and "via token" in out
    code, out = andmesh(server, "marc", "access", "request", PORT, "--purpose", "dunning letters")
    assert code == 0 and "marc → sales.customers" in out and "pending" in out, out
    number = out.split("#", 1)[1].split(":", 1)[0]
    code, out = andmesh(server, "owner", "access", "approve", number, "--days", "30")
    assert code == 0 and "awaiting_council" in out, out
    proposal = out.split("council proposal #", 1)[1].split(")", 1)[0]
    code, out = andmesh(server, "eve", "council", "vote", proposal, "approve", "--comment", "fine")
    assert code == 0 and f"proposal #{proposal}" in out and "approved" in out, out
    code, out = andmesh(server, "eve", "access", "revoke", number)
    assert code == 0 and "revoked" in out, out
    # Nothing was written locally: the CLI never opened a workspace of its own.
    assert not server.local.exists()


def test_the_servers_refusals_keep_the_clis_exit_codes(server: Server) -> None:
    code, out = andmesh(server, "marc", "access", "request", PORT, "--purpose", "again")
    number = out.split("#", 1)[1].split(":", 1)[0]
    code, out = andmesh(server, "rita", "access", "approve", number)
    assert code == 3 and "not permitted: access.decide" in out and "fix:" in out, out
    code, out = andmesh(server, "owner", "access", "reject", "99999")
    assert code == 2 and "error:" in out, out
    code, out = andmesh(server, "marc", "access", "request", "sales.nope", "--purpose", "x")
    assert code == 2, out
    code, out = andmesh(server, None, "whoami")
    assert code == 3 and "ANDMESH_TOKEN" in out, out
    server.tokens["forged"] = "andm_forged_" + "x" * 32
    code, out = andmesh(server, "forged", "whoami")
    assert code == 3 and "not a token of this workspace" in out, out


def test_an_unreachable_or_insecure_server_is_a_clear_error(server: Server) -> None:
    code, out = andmesh(server, "marc", "whoami", url="http://127.0.0.1:9")
    assert code == 2 and "cannot reach the andmesh server" in out, out
    code, out = andmesh(server, "marc", "whoami", url="http://andmesh.example.org")
    assert code == 2 and "plain http" in out, out
