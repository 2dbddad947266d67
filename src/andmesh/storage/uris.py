"""Locations of a workspace's table files, as plain strings (no Iceberg library needed).

See :mod:`andmesh.storage.locations` for why recorded locations are re-anchored; these
functions are apart so that reading the catalog's heads does not load pyiceberg.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT_KEY = "andmesh.warehouse-root"
FORMER_KEY = "andmesh.former-roots"


def to_path(location: str) -> Path:
    """The local file of a ``file://`` location (or a plain path).

    >>> to_path("file:///ws/my%20mesh/warehouse/s/t")
    PosixPath('/ws/my mesh/warehouse/s/t')
    """
    parsed = urlparse(location)
    return Path(unquote(parsed.path)) if parsed.scheme in ("file", "") else Path(location)


def former_root(location: str, namespace: str, table: str) -> str | None:
    """The warehouse root a table file was written under, or None if not at the standard place.

    >>> former_root("file:///old/ws/warehouse/sales/customers/metadata/00001-x.metadata.json",
    ...             "sales", "customers")
    'file:///old/ws/warehouse'
    >>> former_root("file:///old/ws/warehouse/sales/customers", "sales", "customers")
    'file:///old/ws/warehouse'
    >>> former_root("file:///elsewhere/t/metadata/1.json", "sales", "customers") is None
    True
    """
    tail = f"/{namespace}/{table}"
    if location.endswith(tail):
        return location[: -len(tail)] or None
    index = location.rfind(tail + "/")
    return (location[:index] or None) if index > 0 else None


def rebase(location: str, root: str, former: list[str]) -> str:
    """``location`` read under ``root`` when it was written under one of ``former``.

    >>> rebase("file:///old/wh/s/t/data/v1/p.parquet", "file:///new/wh", ["file:///old/wh"])
    'file:///new/wh/s/t/data/v1/p.parquet'
    >>> rebase("file:///new/wh/s/t/x", "file:///new/wh", ["file:///old/wh"])
    'file:///new/wh/s/t/x'
    >>> rebase("file:///other/x", "file:///new/wh", ["file:///old/wh"])
    'file:///other/x'
    """
    if location.startswith(root + "/"):
        return location
    for prefix in sorted(former, key=len, reverse=True):
        if location.startswith(prefix + "/"):
            return root + location[len(prefix) :]
    return location
