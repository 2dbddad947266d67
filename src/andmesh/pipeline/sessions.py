"""Engine sessions for a run, opened and closed on a helper thread while the engine works.

A run uses two sessions per product (one builds it, one checks the staged files: the build's
session is sealed to its inputs and may write the staging folder, which the checks' user SQL
must not). Opening an in-process DuckDB database costs ~10–15 ms and closing one ~7 ms, on the
run's own thread, 32 times for the 16 domain products. Here the next session is opened while
the engine runs the current one's long statement (DuckDB releases the GIL), and a finished
session is closed the same way: the run's thread only takes and hands back.

Sessions are independent databases; each is used by one thread at a time (made on the helper,
then used by the run). Only DuckDB is served ahead: other engines (Spark) are asked as before.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor

from andmesh.engine.base import Engine, EngineSession


class SessionPool:
    """Take a session (opened ahead if asked), hand it back to be closed off the run's thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ahead = engine.name == "duckdb"
        self._executor: ThreadPoolExecutor | None = None
        self._next: Future[EngineSession] | None = None

    def _helper(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="andmesh-sessions")
        return self._executor

    def take(self) -> EngineSession:
        """A fresh session: the one opened ahead, else one opened now."""
        ahead, self._next = self._next, None
        if ahead is not None:
            with contextlib.suppress(Exception):  # opened again below, where its error is reported
                return ahead.result()
        return self.engine.session()

    def open_ahead(self) -> None:
        """Start opening the session the next :meth:`take` returns."""
        if self._ahead and self._next is None:
            self._next = self._helper().submit(self.engine.session)

    def release(self, session: EngineSession) -> None:
        """Close ``session`` (on the helper thread when sessions are served ahead)."""
        if self._ahead:
            self._helper().submit(_close, session)
        else:
            session.close()

    def close(self) -> None:
        """Close what is left (an unused session opened ahead) and wait for every close."""
        if self._next is not None:
            ahead, self._next = self._next, None
            self._helper().submit(lambda: _close(ahead.result()))
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


def _close(session: EngineSession) -> None:
    with contextlib.suppress(Exception):  # a session's files are private temporaries either way
        session.close()
