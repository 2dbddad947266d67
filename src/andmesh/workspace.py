"""The workspace: where a mesh's state lives (metadata store, catalog, warehouse).

Defaults to ``.andmesh/`` in the current directory; ``ANDMESH_WORKSPACE`` or the CLI's
``--workspace`` move it; ``ANDMESH_STORE_URL`` / ``ANDMESH_CATALOG_URL`` point the
metadata store and the Iceberg catalog at a server (PostgreSQL) instead of SQLite files.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from andmesh.errors import UsageError

DEFAULT_DIR = ".andmesh"


@dataclass(frozen=True)
class Workspace:
    root: Path
    store_url: str
    catalog_url: str

    @classmethod
    def resolve(cls, path: Path | str | None = None) -> Workspace:
        chosen = Path(path or os.environ.get("ANDMESH_WORKSPACE") or DEFAULT_DIR).resolve()
        store = os.environ.get("ANDMESH_STORE_URL") or f"sqlite:///{chosen / 'andmesh.db'}"
        catalog = os.environ.get("ANDMESH_CATALOG_URL") or f"sqlite:///{chosen / 'catalog.db'}"
        return cls(chosen, store, catalog)

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def exists(self) -> bool:
        return (self.root / "workspace.json").exists()

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.warehouse.mkdir(exist_ok=True)

    def remember(self, **facts: Any) -> None:
        """Record facts later commands need (the mesh last run, its data root)."""
        self.create()
        current = self.facts()
        current.update({k: str(v) for k, v in facts.items()})
        target = self.root / "workspace.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(current, indent=2))
        tmp.replace(target)

    def facts(self) -> dict[str, str]:
        target = self.root / "workspace.json"
        if not target.exists():
            return {}
        data: dict[str, str] = json.loads(target.read_text())
        return data

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time: a second ``andmesh run`` on the workspace fails fast."""
        self.create()
        handle = (self.root / "run.lock").open("w")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise UsageError(
                    f"another andmesh run is using the workspace {self.root}",
                    hint="wait for it to finish (the lock is released when that process ends)",
                ) from exc
            yield
        finally:
            handle.close()

    def writable(self) -> bool:
        """Whether this process may write the workspace (read-only commands skip their records if not)."""
        probe = self.root if self.root.exists() else self.root.parent
        return os.access(probe, os.W_OK)
