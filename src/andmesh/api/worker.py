"""The run worker of `andmesh serve`: takes queued runs one at a time, never in a web request.

It acts as the member who asked (with the scopes of the token they asked with), so the run's
own authorization check is the same one `andmesh run` makes; the API checked it once already
before queueing, and the membership may have changed since.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from andmesh.api.polling import PollingThread
from andmesh.errors import AndmeshError
from andmesh.security.principal import Principal, from_token_record
from andmesh.store.run_queue import RunQueue, RunRequest, RunState

if TYPE_CHECKING:
    from andmesh.facade import Andmesh
    from andmesh.pipeline.run import ProgressEvent

log = logging.getLogger("andmesh.api.worker")


def worker_prefix() -> str:
    """Names this host's workers; runs left ``running`` under it were orphaned by a stopped server."""
    return f"{socket.gethostname()}:"


class RunWorker(PollingThread):
    thread_name = "andmesh-run-worker"

    def __init__(
        self, facade: Andmesh, mesh_path: Path, *, data: Path | None = None, poll: float = 0.5
    ) -> None:
        self.facade = facade
        self.mesh_path = mesh_path
        self.data = data
        super().__init__(poll, log)
        self.name = f"{worker_prefix()}{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.queue = RunQueue(facade.store.engine)

    def start(self) -> None:
        self.reap()
        super().start()

    def round(self) -> bool:
        return self.run_once()

    def run_once(self) -> bool:
        """Take one queued run and carry it out; False when none was waiting."""
        request = self.queue.claim(self.name)
        if request is None:
            return False
        self._execute(request)
        return True

    def _execute(self, request: RunRequest) -> None:
        progress: dict[str, Any] = {"done": 0, "total": None, "current": None}

        def on_event(event: ProgressEvent) -> None:
            if event.kind == "plan":
                progress["total"] = event.total
            elif event.kind == "start":
                progress["current"] = event.table_id
            else:
                progress["done"] = event.index
            self.queue.update_progress(request.id, progress=dict(progress))

        try:
            acting = self.facade.acting_as(self._principal(request))
            result = acting.run(
                self.mesh_path,
                data=self.data,
                select=request.selection,
                force=request.force,
                on_event=on_event,
            )
        except AndmeshError as exc:
            self.queue.finish(request.id, "failed", exit_code=exc.exit_code, message=str(exc))
            return
        except Exception as exc:  # a bug: the request says so, the log has the traceback
            log.exception("run request %s failed", request.id)
            self.queue.finish(
                request.id, "failed", exit_code=2, message=f"internal error: {type(exc).__name__}"
            )
            return
        summary: dict[str, Any] = {}
        for outcome in result.outcomes:
            summary[outcome.status.value] = summary.get(outcome.status.value, 0) + 1
        status: RunState = (
            "succeeded" if result.exit_code == 0 else "held" if result.exit_code == 1 else "failed"
        )
        self.queue.finish(
            request.id, status, run_id=result.run_id, exit_code=result.exit_code, summary=summary
        )

    def _principal(self, request: RunRequest) -> Principal:
        asked = self.queue.principal_of(request.id)
        directory = self.facade.mesh(self.mesh_path).directory
        who = from_token_record(
            directory, asked["username"], asked.get("login") or "", asked.get("scopes") or []
        )
        return who if "scopes" in asked else who.model_copy(update={"scopes": None})

    def reap(self) -> list[int]:
        """Runs that a stopped server of this host left `running`: marked failed, so no one waits forever."""
        orphaned = []
        for request in self.queue.requests():
            owner = request.claimed_by or ""
            if request.status != "running" or not owner.startswith(worker_prefix()):
                continue
            pid = owner.removeprefix(worker_prefix()).split(":")[0]
            if pid.isdigit() and not _alive(int(pid)):
                self.queue.finish(request.id, "failed", message=f"the server running it ({owner}) stopped")
                orphaned.append(request.id)
        return orphaned


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
