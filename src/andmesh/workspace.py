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

from andmesh.errors import ReadOnlyWorkspace, UsageError

DEFAULT_DIR = ".andmesh"
OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for a server database or an in-memory one).

    >>> sqlite_path("sqlite:////ws/catalog.db")
    PosixPath('/ws/catalog.db')
    >>> sqlite_path("postgresql://h/db") is None
    True
    """
    if not url.startswith("sqlite:///"):
        return None
    rest = url.removeprefix("sqlite:///").partition("?")[0]
    if not rest or rest == ":memory:" or rest.startswith("file:"):
        return None
    return Path(rest)


def may_write(path: Path) -> bool:
    """Whether this process may change ``path`` (a file: it and its folder; or the nearest folder)."""
    if path.exists() and not path.is_dir():
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
    while not path.exists() and path != path.parent:
        path = path.parent
    return os.access(path, os.W_OK | os.X_OK)


def read_only_url(url: str) -> str:
    """``url`` opened without writing: SQLite's URI read-only mode, never creating a file.

    A WAL database cannot be opened ``mode=ro`` where its ``-shm`` file cannot be made;
    when no write-ahead log is pending the file is complete, and ``immutable`` reads it as is.
    """
    path = sqlite_path(url)
    if path is None:
        return url
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() and wal.stat().st_size > 0 else "immutable=1"
    return f"sqlite:///file:{path}?{mode}&uri=true"


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

    @property
    def writable(self) -> bool:
        """Whether this process may write the workspace (its folder, store and catalog files)."""
        files = [p for p in (sqlite_path(self.store_url), sqlite_path(self.catalog_url)) if p is not None]
        return may_write(self.root) and all(may_write(f) for f in files if f.exists())

    def require_writable(self, action: str) -> None:
        if not self.writable:
            raise ReadOnlyWorkspace(
                f"the workspace {self.root} is read-only for this user: cannot {action}",
                hint="read commands (status, products, read) work on it; to write, use a writable "
                "copy (`cp -r`) or run as a user who may write it",
            )

    def create(self) -> None:
        """Make the workspace's folders, private to their owner (published data may be personal)."""
        if self.root.is_dir() and self.warehouse.is_dir():
            return
        self.root.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
        self.root.chmod(OWNER_ONLY_DIR)
        self.warehouse.mkdir(exist_ok=True, mode=OWNER_ONLY_DIR)

    def remember(self, **facts: Any) -> None:
        """Record facts later commands need (the mesh last run, its data root)."""
        self.create()
        current = self.facts()
        current.update({k: str(v) for k, v in facts.items()})
        target = self.root / "workspace.json"
        tmp = target.with_suffix(".tmp")
        try:
            tmp.touch(mode=OWNER_ONLY_FILE)
            tmp.write_text(json.dumps(current, indent=2))
            tmp.replace(target)
        except OSError as exc:
            from andmesh.storage.oserrors import translate

            tmp.unlink(missing_ok=True)
            fault = translate(exc, str(target), target)
            if fault is None:
                raise
            raise fault from exc

    def facts(self) -> dict[str, str]:
        target = self.root / "workspace.json"
        if not target.exists():
            return {}
        data: dict[str, str] = json.loads(target.read_text())
        return data

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time: a second ``andmesh run`` on the workspace fails fast."""
        self.require_writable("run")
        self.create()
        lock = self.root / "run.lock"
        lock.touch(mode=OWNER_ONLY_FILE)
        handle = lock.open("w")
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
