"""Results that depend only on the state of the mesh, computed once per state and shared by requests.

The home page's figures (the products' health, the gap analysis, the treatment tiers, policy
compliance, value) take seconds on a large mesh, but change only when the mesh does: a run
finishes or publishes a version, a score run is recorded, a spec file changes. :func:`state_key`
reads that state on every request (a few indexed aggregates and the spec files' stat), so a
result is reused while the state holds and recomputed the first time it does not — a new version
is never answered from a stale result. Proposals and votes are read live; the value figure's
reuse counts (from the reads ledger) lag by about a minute, recomputed in the background (:meth:`StateCache.recent`).

Nothing cached depends on who asks: every value is an aggregate the portal shows to every
signed-in member (no row value, nothing masked), and each page still checks its own rights.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from andmesh.store.reading import reading

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

T = TypeVar("T")
log = logging.getLogger("andmesh.web")
READS_LAG = 60.0
Key = tuple[Any, ...]


def state_key(app: Andmesh, mesh: Path | None) -> Key:
    """What the mesh's published state is now: runs, versions, score runs and the spec files."""
    from andmesh.store.schema import published_contracts, runs, score_runs

    with reading(app.store.engine) as c:
        run_state = c.execute(sa.select(sa.func.count(), sa.func.max(runs.c.finished_at))).one()
        version = c.execute(sa.select(sa.func.max(published_contracts.c.id))).scalar()
        scores = c.execute(sa.select(sa.func.count(), sa.func.max(score_runs.c.started_at))).one()
    return (tuple(run_state), version, tuple(scores), _specs(app, mesh))


def _specs(app: Andmesh, mesh: Path | None) -> str:
    """The mesh folder's files, as the request's facade checked them (no second walk)."""
    if mesh is None:
        return ""
    return hashlib.sha256(repr(app.spec_signature(mesh)[1]).encode()).hexdigest()[:16]


def lineage_mark(app: Andmesh) -> int | None:
    """The last OpenLineage event received (None: none yet): other tools' jobs change with it,
    not with the mesh's state."""
    from andmesh.store.lineage_events import lineage_events

    with reading(app.store.engine) as c:
        found = c.execute(sa.select(sa.func.max(lineage_events.c.id))).scalar()
    return int(found) if found is not None else None


class StateCache:
    """Values by name for one state of the mesh; a new state drops every older value."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, Key], Any] = {}
        self._flights: dict[tuple[str, Key], threading.Lock] = {}
        self._born: dict[tuple[str, Key], float] = {}
        self._refreshing: set[tuple[str, Key]] = set()
        self.hits = 0
        self.misses = 0

    def peek(self, name: str, key: Key) -> Any | None:
        with self._lock:
            return self._values.get((name, key))

    def get(self, name: str, key: Key, compute: Callable[[], T]) -> T:
        with self._lock:
            if (name, key) in self._values:
                self.hits += 1
                return self._values[(name, key)]  # type: ignore[no-any-return,unused-ignore]
            flight = self._flights.setdefault((name, key), threading.Lock())
        # One request computes a value, the others asking for it meanwhile wait for that one
        # (fifty clients after a new version must not compute the same figure fifty times).
        with flight:
            with self._lock:
                if (name, key) in self._values:
                    self.hits += 1
                    return self._values[(name, key)]  # type: ignore[no-any-return,unused-ignore]
            value = compute()
            with self._lock:
                self.misses += 1
                self._store(name, key, value)
                self._flights.pop((name, key), None)
        return value

    def _store(self, name: str, key: Key, value: Any) -> None:  # under self._lock
        for old in [k for k in self._values if k[0] == name and k[1] != key]:
            del self._values[old]
            self._born.pop(old, None)
        self._values[(name, key)] = value
        self._born[(name, key)] = time.monotonic()

    def recent(self, name: str, key: Key, compute: Callable[[], T], max_age: float = READS_LAG) -> T:
        """Like :meth:`get`, for a value that also follows something outside the mesh's state (the
        reads ledger): once older than ``max_age`` it is still answered while one background
        thread recomputes it — no request waits seconds for it every minute, and it lags by
        about ``max_age`` plus one computation. A new state of the mesh is never answered stale:
        the key changes and the first request computes afresh."""
        with self._lock:
            if (name, key) in self._values:
                value = self._values[(name, key)]
                stale = time.monotonic() - self._born[(name, key)] > max_age
                if stale and (name, key) not in self._refreshing:
                    self._refreshing.add((name, key))
                    threading.Thread(target=self._refresh, args=(name, key, compute), daemon=True).start()
                self.hits += 1
                return value  # type: ignore[no-any-return,unused-ignore]
        return self.get(name, key, compute)

    def _refresh(self, name: str, key: Key, compute: Callable[[], Any]) -> None:
        try:
            value = compute()
            with self._lock:
                if (name, key) in self._values:  # not if a newer state replaced it meanwhile
                    self._store(name, key, value)
                    self.misses += 1
        except Exception:  # the old value stays; the next request past max_age tries again
            log.exception("recomputing %s failed", name)
        finally:
            with self._lock:
                self._refreshing.discard((name, key))


def cache_of(state: Any) -> StateCache:
    """The app's cache (one per server process), created at first use."""
    cache: StateCache | None = getattr(state, "mesh_cache", None)
    if cache is None:
        cache = state.mesh_cache = StateCache()
    return cache
