"""`andmesh serve --workers N`: exactly one process runs the background jobs at a time (a real
``flock`` on the workspace's lock file), and another takes them over when it stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from andmesh.api.leader import LOCK_FILE, JobsLeader
from tests.api.conftest import Served


class Job:
    """A background job's start and stop, recorded (the leader decides when they happen)."""

    def __init__(self) -> None:
        self.running = False
        self.starts = 0

    def start(self) -> None:
        self.running, self.starts = True, self.starts + 1

    def stop(self, timeout: float = 0.0) -> None:
        self.running = False


def wait_for(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_one_holder_runs_the_jobs_and_another_takes_over(tmp_path: Path) -> None:
    jobs = [[Job(), Job()] for _ in range(3)]
    leaders = [JobsLeader(tmp_path / LOCK_FILE, list(js), poll=0.05) for js in jobs]
    for leader in leaders:
        leader.start()
    try:
        wait_for(lambda: any(leader.holding for leader in leaders))
        time.sleep(0.3)  # every leader has tried the lock several times by now
        holders = [n for n, leader in enumerate(leaders) if leader.holding]
        assert len(holders) == 1
        first = holders[0]
        assert [all(j.running for j in js) for js in jobs] == [n == first for n in range(3)]
        leaders[first].stop()  # that process ends: its jobs stop, the lock is free again
        assert not any(j.running for j in jobs[first])
        wait_for(lambda: any(leader.holding for n, leader in enumerate(leaders) if n != first))
        time.sleep(0.3)
        holders = [n for n, leader in enumerate(leaders) if leader.holding]
        assert len(holders) == 1 and holders[0] != first
        assert all(j.running and j.starts == 1 for j in jobs[holders[0]])
    finally:
        for leader in leaders:
            leader.stop()
    assert not any(j.running for js in jobs for j in js)


def test_a_stopped_leader_never_starts_the_jobs(tmp_path: Path) -> None:
    job = Job()
    leader = JobsLeader(tmp_path / LOCK_FILE, [job], poll=0.05)
    leader.stop()
    leader.round()  # a last round after stop: it must not take the lock and start anything
    assert not leader.holding and job.starts == 0


def test_serve_with_two_processes_answers_and_runs_the_jobs_once(served: Served, tmp_path: Path) -> None:
    """`andmesh serve --workers 2` on the API tests' workspace (SQLite, then PostgreSQL): both
    processes answer, as the token's member; one of them (only) took the background jobs."""
    workspace = served.facade.workspace
    port = free_port()
    env = {
        **os.environ,
        "ANDMESH_STORE_URL": workspace.store_url,
        "ANDMESH_CATALOG_URL": workspace.catalog_url,
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "andmesh.cli", "-w", str(workspace.root), "serve", "--port", str(port),
             "--mesh", str(served.mesh), "--workers", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(f"{base}/api/v1/health") or server.poll() is not None, 120)
        assert server.poll() is None, log.read_text()
        with httpx.Client(base_url=base, headers=served.headers("rita"), timeout=30) as http:
            for _ in range(6):  # spread over both processes by the kernel: each must know the token
                assert http.get("/api/v1/whoami").json()["username"] == "rita"
        wait_for(lambda: "background jobs" in log.read_text(), 30)
        time.sleep(1.0)  # the other process has polled the lock since
        assert log.read_text().count("background jobs (run worker, webhooks) run in this process") == 1
        assert len(_children(server.pid)) == 2, log.read_text()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _children(pid: int) -> list[int]:
    """uvicorn's worker processes (children of the server, not its multiprocessing helpers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and b"resource_tracker" not in cmdline:
            found.append(int(stat.parent.name))
    return found
