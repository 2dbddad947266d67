"""Runs through the API: queued, carried out by the server's worker (never in the request), followed;
and the queue hands each run to exactly one worker, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

from andmesh.store.run_queue import RunQueue
from tests.api.conftest import Served


def wait_for(served: Served, request_id: int, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = served.ok(served.get("owner", f"/api/v1/runs/{request_id}"))
        if state["status"] not in ("queued", "running"):
            return dict(state)
        time.sleep(0.1)
    raise AssertionError(f"run request {request_id} did not finish in {timeout} s: {state}")


def test_a_requested_run_is_carried_out_by_the_worker(served: Served) -> None:
    before = served.ok(served.get("owner", "/api/v1/products/sales.customers"))["versions"]
    queued = served.ok(served.post("owner", "/api/v1/runs", json={"force": True}), 202)
    assert queued["status"] == "queued" and queued["requested_by"] == "owner"
    done = wait_for(served, queued["id"])
    assert done["status"] == "succeeded", done
    assert done["exit_code"] == 0 and done["run_id"] and done["claimed_by"]
    assert done["progress"]["total"] == done["progress"]["done"] == 1
    assert done["summary"] == {"published": 1}
    after = served.ok(served.get("owner", "/api/v1/products/sales.customers"))["versions"]
    assert len(after) == len(before) + 1 and after[-1]["run_id"] == done["run_id"]
    listed = served.ok(served.get("rita", "/api/v1/runs"))["items"]
    assert queued["id"] in [r["id"] for r in listed]


def test_only_who_may_publish_can_ask_for_a_run(served: Served) -> None:
    refused = served.post("rita", "/api/v1/runs", json={})
    assert refused.status_code == 403 and "sales team" in refused.json()["where"]["needed"]
    assert served.get("rita", "/api/v1/runs/99999").status_code == 404
    unknown = served.post("owner", "/api/v1/runs", json={"select": ["nope.nothing"]})
    assert unknown.status_code == 422


def test_a_service_account_with_publish_scope_runs(served: Served) -> None:
    queued = served.ok(served.post("ingest-bot", "/api/v1/runs", json={"select": ["sales.customers"]}), 202)
    done = wait_for(served, queued["id"])
    assert done["status"] == "succeeded" and done["summary"] == {"up_to_date": 1}


def test_each_queued_run_goes_to_exactly_one_worker(served: Served) -> None:
    queue = RunQueue(served.facade.store.engine)
    worker = served.client.app.state.worker  # type: ignore[attr-defined]
    worker.stop()  # the server's own worker would take some: this test races four of its own
    try:
        asked = [queue.enqueue("test", {"username": "owner"}, None, False).id for _ in range(24)]
        claimed: list[tuple[str, int]] = []
        lock = threading.Lock()

        def claim(name: str) -> None:
            while (taken := queue.claim(name)) is not None:
                with lock:
                    claimed.append((name, taken.id))
                queue.finish(taken.id, "failed", message="test: not run")

        threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        ids = sorted(i for _, i in claimed)
        assert ids == sorted(asked), "every run claimed exactly once"
        assert queue.claim("late") is None
    finally:
        worker._stop.clear()
        worker.start()


def test_a_run_left_by_a_stopped_server_is_marked_failed(served: Served) -> None:
    from andmesh.api.worker import worker_prefix

    queue = RunQueue(served.facade.store.engine)
    worker = served.client.app.state.worker  # type: ignore[attr-defined]
    worker.stop()
    try:
        asked = queue.enqueue("test", {"username": "owner"}, None, False).id
        dead = f"{worker_prefix()}999999999:gone"  # no process has this id
        assert queue.claim(dead) is not None
        assert asked in worker.reap()
        left = queue.get(asked)
        assert left is not None and left.status == "failed" and "stopped" in (left.message or "")
    finally:
        worker._stop.clear()
        worker.start()
