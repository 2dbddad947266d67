"""One process of a multi-process `andmesh serve` runs the background jobs (the run worker and
the webhook dispatcher); the others only answer requests.

Each worker process polls an exclusive ``flock`` on ``<workspace>/serve-jobs.lock``; the one
that holds it starts the jobs, and the kernel releases it when that process ends (killed
included), so another takes over within a poll. The lock is per host, which is what the run
worker's start-up needs: it marks the runs this host left ``running`` as failed (``reap``), and
must never do that to a run another process of the same server is carrying out. Across hosts a
shared PostgreSQL store already hands each run and each delivery to one worker (``SKIP LOCKED``,
leases).
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Protocol

from andmesh.api.polling import PollingThread

# uvicorn's own logger: it is the one `andmesh serve` prints, so the server's log says which
# process took the jobs.
log = logging.getLogger("uvicorn.error")
LOCK_FILE = "serve-jobs.lock"


class Job(Protocol):
    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...


class JobsLeader(PollingThread):
    """Takes the lock when it can, then starts ``jobs``; ``stop`` stops them and lets go."""

    thread_name = "andmesh-jobs-leader"

    def __init__(self, lock_path: Path, jobs: list[Job], *, poll: float = 1.0) -> None:
        super().__init__(poll, log)
        self.lock_path = lock_path
        self.jobs = jobs
        self._file: IO[str] | None = None

    @property
    def holding(self) -> bool:
        return self._file is not None

    def round(self) -> bool:
        if self._file is None:
            self._try_lock()
        return False

    def _try_lock(self) -> None:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.lock_path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return
        if self._stop.is_set():  # stopping: do not start what would be stopped at once
            handle.close()
            return
        self._file = handle
        log.info("background jobs (run worker, webhooks) run in this process (%d)", os.getpid())
        for job in self.jobs:
            job.start()

    def stop(self, timeout: float = 30.0) -> None:
        super().stop(timeout)
        if self._file is not None:
            for job in reversed(self.jobs):
                job.stop()
            self._file.close()  # lets go of the lock: another process takes the jobs over
            self._file = None
