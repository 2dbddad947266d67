"""Is the Iceberg catalog whole? Compare it with the metadata files in the warehouse.

The catalog (``catalog.db``) is only an index: each table's metadata files in the warehouse
hold its whole history. A catalog that is missing, empty, unreadable, or that lacks a table
the warehouse holds, would make the next run start that table over — a new version 1 over
the old ones. andmesh refuses to run on it instead, and ``andmesh doctor --repair`` rebuilds
it by registering each table's newest metadata file whose data is all there.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from andmesh.storage.uris import FORMER_KEY, former_root, rebase, to_path
from andmesh.workspace import read_only_url, sqlite_path

if TYPE_CHECKING:
    from pyiceberg.catalog.sql import SqlCatalog


@dataclass
class CatalogHealth:
    catalog: str
    state: str  # "ok" | "missing" | "empty" | "damaged"
    detail: str = ""
    in_warehouse: dict[str, list[Path]] = field(default_factory=dict)
    registered: dict[str, str] = field(default_factory=dict)
    unregistered: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.state == "ok" and not self.unregistered and not self.broken

    def problems(self) -> list[str]:
        found = []
        held = ", ".join(sorted(self.in_warehouse)[:5]) + ("…" if len(self.in_warehouse) > 5 else "")
        if self.state != "ok":
            found.append(
                f"the Iceberg catalog {self.catalog} is {self.state}"
                + (f" ({self.detail})" if self.detail else "")
                + f", but the warehouse holds {len(self.in_warehouse)} table(s): {held}"
            )
        if self.unregistered and self.registered:
            found.append(
                f"the catalog lacks {len(self.unregistered)} table(s) the warehouse holds: "
                + ", ".join(self.unregistered)
            )
        for table_id in self.broken:
            found.append(f"the catalog's metadata file of {table_id} is gone: {self.registered[table_id]}")
        return found


def _version_of(file: Path) -> int:
    head = file.name.partition("-")[0]
    return int(head) if head.isdigit() else -1


def warehouse_tables(root: Path) -> dict[str, list[Path]]:
    """``<namespace>.<table>`` → its metadata files, oldest first, as found on disk."""
    found: dict[str, list[Path]] = {}
    if not root.is_dir():
        return found
    for namespace in sorted(root.iterdir()):
        if not namespace.is_dir() or namespace.name.startswith(("_", ".")):
            continue
        for table in sorted(namespace.iterdir()):
            files = sorted((table / "metadata").glob("*.metadata.json"), key=_version_of)
            if files:
                found[f"{namespace.name}.{table.name}"] = files
    return found


def catalog_rows(catalog_url: str, *, name: str = "andmesh") -> list[tuple[str, str, str | None]]:
    """(namespace, table, metadata location) of every table the catalog registers; reads only."""
    engine = sa.create_engine(read_only_url(catalog_url) if sqlite_path(catalog_url) else catalog_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "select table_namespace, table_name, metadata_location from iceberg_tables "
                    "where catalog_name = :name"
                ),
                {"name": name},
            ).all()
    finally:
        engine.dispose()
    return [(str(n), str(t), loc) for n, t, loc in rows]


def inspect_catalog(catalog_url: str, root: Path, *, name: str = "andmesh") -> CatalogHealth:
    """What the catalog holds against what the warehouse holds; reads only."""
    path = sqlite_path(catalog_url)
    tables = warehouse_tables(root)
    # Until rows are read, every table in the warehouse counts as one the catalog lacks.
    health = CatalogHealth(
        catalog=str(path or catalog_url), state="ok", in_warehouse=tables, unregistered=sorted(tables)
    )
    if path is not None and not path.exists():
        health.state = "missing" if tables else "ok"
        return health
    if path is not None and path.stat().st_size == 0:
        health.state, health.detail = ("empty", "0 bytes") if tables else ("ok", "")
        return health
    try:
        rows = catalog_rows(catalog_url, name=name)
    except sa.exc.DatabaseError as exc:
        # Without tables in the warehouse there is nothing to lose: the catalog is (re)initialised.
        missing = any(text in str(exc.orig) for text in ("no such table", "does not exist"))
        health.state, health.detail = (
            ("empty", "no catalog tables") if missing else ("damaged", str(exc.orig))
        )
        if not tables:
            health.state, health.detail = "ok", ""
        return health
    uri = root.resolve().as_uri()
    for namespace, table, location in rows:
        table_id = f"{namespace}.{table}"
        health.registered[table_id] = location or ""
        here = rebase(location or "", uri, [r for r in [former_root(location or "", namespace, table)] if r])
        if path is not None and not (location and to_path(here).exists()):
            health.broken.append(table_id)
    if tables and not rows:
        health.state, health.detail = "empty", "no tables registered"
    health.unregistered = sorted(set(tables) - set(health.registered))
    return health


def set_aside(path: Path) -> Path | None:
    """Move a damaged catalog file (and its SQLite companions) aside; never delete it."""
    if not path.exists():
        return None
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(target.with_name(target.name + suffix))
    path.replace(target)
    return target


def register_newest(catalog: SqlCatalog, table_id: str, files: list[Path], root_uri: str) -> str:
    """Register the newest metadata file of ``table_id`` whose current data files all exist."""
    from pyiceberg.exceptions import NoSuchTableError

    namespace = table_id.partition(".")[0]
    catalog.create_namespace_if_not_exists(namespace)
    for file in reversed(files):
        try:
            json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # cut short: a commit that never finished
        catalog.register_table(table_id, file.resolve().as_uri())
        missing = _missing_data(catalog, table_id, root_uri)
        if not missing:
            return f"registered {table_id} from {file.name}"
        catalog.drop_table(table_id)  # only the catalog row: no file is touched
    raise NoSuchTableError(f"{table_id}: no metadata file whose data files are all present")


def _missing_data(catalog: SqlCatalog, table_id: str, root_uri: str) -> list[str]:
    table = catalog.load_table(table_id)
    if table.current_snapshot() is None:
        return []
    former = [r for r in catalog.properties.get(FORMER_KEY, "").split("\n") if r]
    paths = [rebase(t.file.file_path, root_uri, former) for t in table.scan().plan_files()]
    return [p for p in paths if not to_path(p).exists()]


def rebuild(catalog_url: str, root: Path, health: CatalogHealth) -> list[str]:
    """Rebuild the catalog from the warehouse's metadata files; set a damaged file aside first."""
    from pyiceberg.exceptions import NoSuchTableError

    from andmesh.storage.warehouse import Warehouse

    notes = []
    path = sqlite_path(catalog_url)
    if path is not None and health.state in ("damaged", "empty") and not health.registered:
        aside = set_aside(path)
        if aside is not None:
            notes.append(f"set the {health.state} catalog aside as {aside.name}")
    warehouse = Warehouse(catalog_url, root, check=False)
    root_uri = root.resolve().as_uri()
    for table_id in health.broken:
        warehouse.catalog.drop_table(table_id)  # the row only; its files stay
    for table_id in [*health.unregistered, *health.broken]:
        try:
            notes.append(
                register_newest(warehouse.catalog, table_id, health.in_warehouse[table_id], root_uri)
            )
        except NoSuchTableError as exc:
            notes.append(f"could not register {table_id}: {exc}")
    return notes
