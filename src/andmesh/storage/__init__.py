"""Output ports: versioned Iceberg tables any engine can read.

Names are loaded on first use: importing a light submodule (``andmesh.storage.oserrors``)
does not load pyiceberg.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from andmesh.storage.warehouse import PortVersion, Warehouse

__all__ = ["PortVersion", "Warehouse"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("andmesh.storage.warehouse"), name)
