"""Outbound webhooks against a real receiver on a loopback port: signed, retried with backoff,
logged, never sent twice, admin-only, and the secret kept encrypted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from andmesh.api.app import create_app
from andmesh.api.webhooks import REPLAY_WINDOW, backoff, check_target, sign, verify
from andmesh.errors import UsageError
from andmesh.facade import Andmesh
from andmesh.workspace import Workspace
from tests.api.conftest import BACKENDS, MEMBERS, build_mesh
from tests.api.test_schemathesis import databases
from tests.helpers import clear_andmesh_environment, token_for

PORT = "sales.customers"


@dataclass
class Receiver:
    """An HTTP server on loopback that keeps what it was sent; the first ``fail`` requests get 500."""

    fail: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [r for r in self.received if predicate(r)]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"nothing matching arrived in {timeout} s; got {[r['event'] for r in self.received]}"
        )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                failing = state.fail > 0
                state.fail -= 1
                state.received.append(
                    {
                        "event": self.headers["X-Andmesh-Event"],
                        "id": self.headers["X-Andmesh-Delivery"],
                        "timestamp": self.headers["X-Andmesh-Timestamp"],
                        "signature": self.headers["X-Andmesh-Signature"],
                        "body": body,
                        "answered": 500 if failing else 204,
                    }
                )
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hooked(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, Andmesh, dict[str, str]]]:
    clear_andmesh_environment(monkeypatch)
    with ExitStack() as cleanup:
        mesh = build_mesh(tmp_path)
        workspace = Workspace.resolve(tmp_path / "ws")
        if getattr(request, "param", "sqlite") == "postgresql":  # the claims and locks of a shared store
            store, catalog = cleanup.enter_context(databases(request.getfixturevalue("postgres_url")))
            workspace = Workspace(workspace.root, store, catalog)
        facade = Andmesh(workspace)
        assert (
            facade.run(mesh, data=mesh / "data").exit_code == 0
        )  # as the OS user, before any admin is named
        (mesh / "governance" / "members.yaml").write_text(
            MEMBERS + "  - {username: ada, name: Ada Admin, roles: [platform_admin]}\n"
        )
        tokens = {who: token_for(facade, who) for who in ("ada", "owner", "marc", "eve")}
        app = create_app(workspace, mesh, worker=True, poll=0.05, webhook_poll=0.05, webhook_retry=0.2)
        with TestClient(app) as client:
            yield client, facade, tokens
        facade.store.engine.dispose()


def auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


@pytest.mark.parametrize("hooked", BACKENDS, indirect=True)
def test_events_arrive_signed_retried_once_each_and_logged(
    hooked: tuple[TestClient, Andmesh, dict[str, str]], receiver: Receiver
) -> None:
    client, facade, tokens = hooked
    receiver.fail = 1  # the first attempt meets a receiver that is down
    created = client.post("/api/v1/webhooks", headers=auth(tokens, "ada"), json={"url": receiver.url})
    assert created.status_code == 201, created.text
    sub = created.json()
    secret = sub["secret"]
    assert secret.startswith("whsec_") and sub["secret_prefix"] == secret[:12]
    listed = client.get("/api/v1/webhooks", headers=auth(tokens, "ada")).json()["items"]
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]
    with facade.store.engine.connect() as c:  # kept encrypted, never in clear
        stored = c.execute(sa.text("select secret_encrypted from webhook_subscriptions")).scalar_one()
    assert secret not in stored and secret[6:] not in stored

    asked = client.post(
        "/api/v1/access/requests", headers=auth(tokens, "marc"), json={"table_id": PORT, "purpose": "dunning"}
    ).json()
    (first, second) = receiver.wait_for(
        lambda r: r["event"] == "access.requested" and r["answered"] == 204
    ) and [r for r in receiver.received if r["event"] == "access.requested"]
    assert (first["answered"], second["answered"]) == (500, 204) and first["id"] == second["id"]
    body = json.loads(second["body"])
    assert body["type"] == "access.requested" and body["data"]["access"] == asked["id"]
    assert body["data"]["consumer"] == "marc" and body["data"]["table_id"] == PORT
    assert verify(secret, second["timestamp"], second["body"], second["signature"])
    assert not verify(secret, second["timestamp"], second["body"] + b" ", second["signature"])  # tampered
    assert not verify("whsec_other", second["timestamp"], second["body"], second["signature"])
    old = str(int(second["timestamp"]) - REPLAY_WINDOW - 1)
    assert not verify(secret, old, second["body"], sign(secret, int(old), second["body"]))  # a replay

    log = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=auth(tokens, "ada")).json()["items"]
    (entry,) = [d for d in log if d["event_type"] == "access.requested"]
    assert (entry["status"], entry["attempts"], entry["last_status"]) == ("delivered", 2, 204)

    # The owner approves (PII: the council's proposal opens), the chair votes: each event once.
    client.post(f"/api/v1/access/requests/{asked['id']}/approve", headers=auth(tokens, "owner"), json={})
    proposal = client.get(f"/api/v1/access/requests/{asked['id']}", headers=auth(tokens, "eve")).json()
    voted = client.post(
        f"/api/v1/council/proposals/{proposal['proposal_id']}/votes",
        headers=auth(tokens, "eve"),
        json={"decision": "approve"},
    )
    assert voted.status_code == 200, voted.text
    settled = client.get(f"/api/v1/access/requests/{asked['id']}", headers=auth(tokens, "marc")).json()
    assert settled["status"] == "granted"
    receiver.wait_for(lambda r: r["event"] == "access.granted")
    kinds = [json.loads(r["body"])["type"] for r in receiver.received if r["answered"] == 204]
    for kind in ("access.owner_approved", "proposal.created", "proposal.voted", "proposal.approved"):
        assert kind in kinds, kinds
    delivered = [r["id"] for r in receiver.received if r["answered"] == 204]
    assert len(delivered) == len(set(delivered))  # never sent twice once delivered

    # A new version (a forced run through the queue) is announced; then the subscription goes.
    run = client.post(
        "/api/v1/runs", headers=auth(tokens, "owner"), json={"select": ["sales"], "force": True}
    )
    assert run.status_code == 202, run.text
    (published, *_) = receiver.wait_for(lambda r: r["event"] == "version.published")
    assert json.loads(published["body"])["data"]["version"] >= 2
    gone = client.delete(f"/api/v1/webhooks/{sub['id']}", headers=auth(tokens, "ada"))
    assert gone.status_code == 204
    count = len(receiver.received)
    client.post(
        "/api/v1/access/requests", headers=auth(tokens, "marc"), json={"table_id": PORT, "purpose": "again"}
    )
    time.sleep(0.5)
    assert len(receiver.received) == count
    assert client.get("/api/v1/webhooks", headers=auth(tokens, "ada")).json()["items"] == []


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(
    hooked: tuple[TestClient, Andmesh, dict[str, str]], receiver: Receiver
) -> None:
    client, facade, tokens = hooked
    receiver.fail = 1000
    sub = client.post(
        "/api/v1/webhooks", headers=auth(tokens, "ada"), json={"url": receiver.url, "events": ["access.*"]}
    ).json()
    client.post(
        "/api/v1/access/requests", headers=auth(tokens, "marc"), json={"table_id": PORT, "purpose": "x"}
    )
    receiver.wait_for(lambda r: True)
    time.sleep(1.0)  # backoff 0.2, 0.4, 0.8 …: three attempts at least by now, spaced, not hammered
    tries = [r for r in receiver.received if r["event"] == "access.requested"]
    assert 2 <= len(tries) <= 4
    from andmesh.store.webhooks import WebhookStore

    store = WebhookStore(facade.store.engine, facade.workspace.root)
    (delivery,) = store.deliveries(sub["id"])
    assert delivery.status == "pending" and delivery.last_status == 500
    store.record(delivery.id, ok=False, status=500, error="down", retry_in=None)  # as the last attempt does
    log = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=auth(tokens, "ada")).json()["items"]
    assert log[0]["status"] == "failed" and "answered 500" not in (log[0]["last_error"] or "x")


def test_only_admins_subscribe_and_only_to_loopback_or_https(
    hooked: tuple[TestClient, Andmesh, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, tokens = hooked
    refused = client.post(
        "/api/v1/webhooks", headers=auth(tokens, "owner"), json={"url": "https://x.example/h"}
    )
    assert refused.status_code == 403 and "platform admin" in refused.json()["detail"]
    assert client.get("/api/v1/webhooks", headers=auth(tokens, "marc")).status_code == 403
    clear = client.post("/api/v1/webhooks", headers=auth(tokens, "ada"), json={"url": "http://10.1.2.3/h"})
    assert clear.status_code == 422 and "https" in clear.json()["fix"]
    typo = client.post(
        "/api/v1/webhooks",
        headers=auth(tokens, "ada"),
        json={"url": "https://x.example/h", "events": ["acces.*"]},
    )
    assert typo.status_code == 422
    assert client.delete("/api/v1/webhooks/999", headers=auth(tokens, "ada")).status_code == 404
    with pytest.raises(UsageError):
        check_target("http://user:pw@127.0.0.1/h")
    assert check_target("http://[::1]:9/h") and check_target("https://hooks.example.org/h")
    monkeypatch.setenv("ANDMESH_WEBHOOK_ALLOW_HTTP", "1")
    assert check_target("http://10.1.2.3/h")
    assert [backoff(n, 10) for n in (1, 2, 3)] == [10, 20, 40] and backoff(30, 10) == 3600


def test_a_run_that_opens_or_closes_gaps_is_one_gap_changed_event(tmp_path: Path) -> None:
    from andmesh.store.webhooks import WebhookStore

    mesh = build_mesh(tmp_path)
    facade = Andmesh(Workspace.resolve(tmp_path / "ws"))
    assert facade.run(mesh, data=mesh / "data").exit_code == 0
    store = WebhookStore(facade.store.engine, facade.workspace.root)
    sub = store.create("https://hooks.example.org/h", ["gap.changed"], "ada", None)
    assert store.collect(lambda: {"req.a": "fit/open", "req.b": "fit/open"}) == 0  # the first run seen
    assert store.collect(lambda: {"req.a": "fit/open"}) == 0  # no new run: nothing compared
    assert facade.run(mesh, data=mesh / "data", force=True).exit_code == 0
    assert store.collect(lambda: {"req.a": "fit/accepted", "req.c": "captured/open"}) == 1
    (delivery,) = store.deliveries(sub.id)
    data = delivery.payload["data"]
    assert delivery.event_type == "gap.changed"
    assert (data["opened"], data["closed"], data["changed"]) == (["req.c"], ["req.b"], ["req.a"])
    assert store.collect(lambda: {"req.z": "x"}) == 0  # the same run is compared once
