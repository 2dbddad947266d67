"""Package attributes loaded on first use (PEP 562), so importing a package stays cheap.

A no-op ``andmesh run`` imports small modules of packages whose other modules pull Ibis,
pyarrow or numpy (issue 12); the package's names are then read from their modules only
when someone uses them.

>>> getattr_ = lazy_getattr("pkg", {"sqrt": "math"})
>>> getattr_("sqrt")(9.0)
3.0
>>> getattr_("cbrt")
Traceback (most recent call last):
...
AttributeError: module 'pkg' has no attribute 'cbrt'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``modules[name]`` and returns its ``name``."""

    def attribute(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return attribute
