"""What the service keeps between requests, each value keyed by exactly what it is computed from.

A server answers the same reads again and again; these are the costs that repeat and the keys
that make reusing them safe (no value is ever answered for a state it was not computed from):

- **a port's published versions** (:class:`andmesh.version_cache.VersionCachingWarehouse`):
  keyed by the catalog row's metadata location.
- **the columns a published contract protects** (:func:`protected_columns`): parsing the ODCS
  contract took ~57 ms a read. The key is the contract's text itself, as the store recorded it for
  that version. Only which columns are classified is kept; whether a reader may see them in clear
  (ownership, grants) is decided on every read, so a grant or a revoke applies at once.
- **the mesh folder's signature** (:func:`tree_signature`): the facade checks on every call that no
  spec changed; the walk is done with ``os.scandir`` (about 4× faster than ``Path.rglob``).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

# Imported by the facade on every command: nothing heavy here (the warehouse cache is its own module).
Signature = tuple[tuple[str, int, int], ...]


def tree_signature(root: Path) -> Signature:
    """Every file under ``root`` (hidden files and folders left out) with its modification time and
    size, sorted: it changes when any spec does."""
    if root.is_file():
        root = root.parent
    entries: list[tuple[str, int, int]] = []
    folders = [str(root)]
    while folders:
        with os.scandir(folders.pop()) as found:
            for entry in found:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.is_file():
                    stat = entry.stat()
                    entries.append((entry.path, stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(entries))


@functools.lru_cache(maxsize=512)
def _protected(text: str) -> tuple[str, ...] | None:
    from andmesh.governance.access import classified_columns

    found = classified_columns(text)
    return None if found is None else tuple(found)


def protected_columns(text: str) -> list[str] | None:
    """The columns a published contract's text classifies as protected (None: it cannot be read,
    so every column is); computed once per distinct text."""
    found = _protected(text)
    return None if found is None else list(found)
