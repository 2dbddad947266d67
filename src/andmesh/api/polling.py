"""A background thread that does one round of work, then waits ``poll`` seconds when idle.

The run worker and the webhook dispatcher of `andmesh serve` are both this loop: a round that
fails is logged and the loop goes on (a store or receiver may be down for a moment), and
``stop`` ends it between rounds.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod


class PollingThread(ABC):
    """Subclasses implement :meth:`round` (True when it did work: the next round starts at once)."""

    thread_name = "andmesh-poller"

    def __init__(self, poll: float, log: logging.Logger) -> None:
        self.poll = poll
        self._log = log
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def round(self) -> bool: ...

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.round()
            except Exception:  # the loop must outlive a broken store or receiver for a moment
                self._log.exception("%s: a round failed", self.thread_name)
                worked = False
            if not worked:
                self._stop.wait(self.poll)
