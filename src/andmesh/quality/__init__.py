"""ODCS checks compiled to as few scans as possible; results as data.

Names are loaded on first use, so importing a light submodule (``andmesh.quality.results``)
does not load the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from andmesh.quality.checks import plan_checks, run_checks
    from andmesh.quality.results import CheckResult, CheckRun, CheckStatus

_EXPORTS = {
    "plan_checks": "andmesh.quality.checks",
    "run_checks": "andmesh.quality.checks",
    "CheckResult": "andmesh.quality.results",
    "CheckRun": "andmesh.quality.results",
    "CheckStatus": "andmesh.quality.results",
}
__all__ = ["CheckResult", "CheckRun", "CheckStatus", "plan_checks", "run_checks"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
