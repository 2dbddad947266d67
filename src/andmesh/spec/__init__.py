"""Spec models, YAML loading and lint (pure: no engine, CLI or web imports).

Names are loaded on first use, so importing one light module of the package (the members
directory, say) does not load every spec kind and the contract standard's models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from andmesh.spec.loader import LintReport, lint_mesh, load_mesh
    from andmesh.spec.mesh import Contract, Domain, Mesh, OutputPort, Product

_EXPORTS = {
    "LintReport": "andmesh.spec.loader",
    "lint_mesh": "andmesh.spec.loader",
    "load_mesh": "andmesh.spec.loader",
    "Contract": "andmesh.spec.mesh",
    "Domain": "andmesh.spec.mesh",
    "Mesh": "andmesh.spec.mesh",
    "OutputPort": "andmesh.spec.mesh",
    "Product": "andmesh.spec.mesh",
}
__all__ = ["Contract", "Domain", "LintReport", "Mesh", "OutputPort", "Product", "lint_mesh", "load_mesh"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
