"""Fault injection points, so tests can crash a real process at a chosen step.

Set ``ANDMESH_CRASH_AT=<point>`` (e.g. ``publish.before_commit``) and the process kills
itself with SIGKILL when it reaches that point: no ``finally`` block, no cleanup, just
like a power cut. Points are named where they are declared with :func:`fault_point`.
"""

from __future__ import annotations

import os
import signal

ENV_VAR = "ANDMESH_CRASH_AT"


def fault_point(name: str) -> None:
    """Die here, hard, if the environment asks for a crash at ``name``."""
    wanted = os.environ.get(ENV_VAR)
    if wanted and wanted == name:
        os.kill(os.getpid(), signal.SIGKILL)
