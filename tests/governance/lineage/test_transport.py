"""Delivery: the JSON-lines file by default, an HTTP endpoint (a real server on loopback) by config."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from andmesh.facade import Andmesh
from andmesh.governance.lineage import event_problems
from andmesh.governance.lineage.transport import LineageDelivery
from tests.governance.lineage.conftest import write_mesh


class Collector:
    """An OpenLineage endpoint on 127.0.0.1 that records what is POSTed to it."""

    def __init__(self, refuse_after: int | None = None) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.refuse_after = refuse_after
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.requests.append((self.path, dict(self.headers), json.loads(body)))
                refused = (
                    collector.refuse_after is not None and len(collector.requests) > collector.refuse_after
                )
                self.send_response(400 if refused else 201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Collector:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def collector() -> Iterator[Collector]:
    with Collector() as running:
        yield running


def http_block(url: str, extra: str = "") -> str:
    return f"lineage:\n  transport: http\n  url: {url}\n{extra}"


def test_http_transport_posts_every_event_with_the_key_from_the_environment(
    facade: Andmesh, tmp_path: Path, collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINEAGE_TEST_KEY", "s3cret")
    mesh_dir = write_mesh(tmp_path / "mesh", http_block(collector.url, "  apiKeyEnv: LINEAGE_TEST_KEY\n"))
    result = facade.run(mesh_dir)  # every run emits its events
    delivery = LineageDelivery(**(result.lineage or {}))
    assert delivery.transport == "http" and delivery.errors == []
    assert delivery.sent == delivery.events == 2 + 2 * len(result.outcomes) == len(collector.requests)
    assert delivery.target == f"{collector.url}/api/v1/lineage"
    for path, headers, event in collector.requests:
        assert path == "/api/v1/lineage"
        assert headers["Authorization"] == "Bearer s3cret"
        assert headers["Content-Type"] == "application/json"
        assert event_problems(event) == []
    assert [e["eventType"] for _, _, e in collector.requests][:: len(collector.requests) - 1] == [
        "START",
        "COMPLETE",
    ]
    assert not (facade.workspace.root / "lineage" / "events.jsonl").exists()
    # The key itself is never in the specs: only the variable's name is.
    assert "s3cret" not in (mesh_dir / "mesh.yaml").read_text()


def test_refused_events_are_kept_and_reported_not_raised(facade: Andmesh, tmp_path: Path) -> None:
    with Collector(refuse_after=2) as refusing:
        mesh_dir = write_mesh(tmp_path / "mesh", http_block(refusing.url, "  endpoint: lineage\n"))
        result = facade.run(mesh_dir)
        delivery = LineageDelivery(**(result.lineage or {}))
    assert delivery.sent == 2 and len(refusing.requests) == 3
    assert refusing.requests[0][0] == "/lineage"
    assert len(delivery.errors) == 1 and "event 3 of 12" in delivery.errors[0] and "400" in delivery.errors[0]
    unsent = Path(delivery.unsent_file or "").read_text().splitlines()
    assert len(unsent) == delivery.events - delivery.sent
    assert json.loads(unsent[0])["run"]["runId"] == refusing.requests[2][2]["run"]["runId"]


def test_a_missing_api_key_is_reported_not_raised(
    facade: Andmesh, tmp_path: Path, collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINEAGE_TEST_KEY", raising=False)
    mesh_dir = write_mesh(tmp_path / "mesh", http_block(collector.url, "  apiKeyEnv: LINEAGE_TEST_KEY\n"))
    result = facade.run(mesh_dir)
    delivery = LineageDelivery(**(result.lineage or {}))
    assert delivery.sent == 0 and collector.requests == []
    assert "LINEAGE_TEST_KEY" in delivery.errors[0]


def test_file_transport_appends_json_lines_to_the_configured_path(facade: Andmesh, tmp_path: Path) -> None:
    mesh_dir = write_mesh(tmp_path / "mesh", "lineage:\n  transport: file\n  path: out/ol.jsonl\n")
    for _ in range(2):
        delivery = LineageDelivery(**(facade.run(mesh_dir, force=True).lineage or {}))
    target = facade.workspace.root / "out" / "ol.jsonl"
    assert delivery.target == str(target)
    lines = target.read_text().splitlines()
    assert len(lines) == 2 * delivery.events
    assert all(event_problems(json.loads(line)) == [] for line in lines)


def test_transport_none_sends_nothing(facade: Andmesh, tmp_path: Path) -> None:
    mesh_dir = write_mesh(tmp_path / "mesh", "lineage:\n  transport: none\n")
    delivery = LineageDelivery(**(facade.run(mesh_dir).lineage or {}))
    assert (delivery.transport, delivery.events, delivery.sent) == ("none", 0, 0)
    assert not (facade.workspace.root / "lineage").exists()
