"""Planning and running products: build, quality gate, publish.

Names are loaded on first use, so importing a light submodule (``andmesh.pipeline.results``)
does not load the engine and the catalog.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from andmesh.pipeline.results import PortOutcome, PortStatus, RunResult
    from andmesh.pipeline.run import ProgressEvent, run_mesh

_EXPORTS = {
    "PortOutcome": "andmesh.pipeline.results",
    "PortStatus": "andmesh.pipeline.results",
    "RunResult": "andmesh.pipeline.results",
    "ProgressEvent": "andmesh.pipeline.run",
    "run_mesh": "andmesh.pipeline.run",
}
__all__ = ["PortOutcome", "PortStatus", "ProgressEvent", "RunResult", "run_mesh"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
