"""Output ports as versioned Apache Iceberg tables (pyiceberg, SQL catalog).

A product version is one atomic Iceberg commit that replaces the table's files with
the newly staged ones. The engine writes Parquet itself; this module only moves the
files under the table's location and commits them (``add_files``), so a big output is
never materialised in Python memory. Every commit carries ``andmesh.*`` snapshot
properties, so the version history can be read from the table alone, by any engine.

Crash safety: a run journals each folder before it creates it (:mod:`.journal`), files are
moved into a fresh ``data/v<N>-<run>/`` folder, then a single catalog commit makes them
visible. A crash before the commit leaves only journaled, unreferenced files, which
:meth:`Warehouse.repair` deletes; readers keep seeing the previous snapshot throughout.
Nothing the journal does not name, and nothing a snapshot references, is ever deleted.

Locations are relative to the workspace (:mod:`.locations`); a catalog that is missing,
empty or damaged is refused (:mod:`.catalog_health`); published files are owner-only.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from andmesh.errors import CatalogDamaged, DiskFull, StorageError, UsageError
from andmesh.faults import fault_point
from andmesh.storage.catalog_health import catalog_rows, inspect_catalog
from andmesh.storage.journal import Journal
from andmesh.storage.oserrors import guard_engine, translate
from andmesh.storage.uris import FORMER_KEY, former_root, rebase, to_path
from andmesh.workspace import OWNER_ONLY_DIR, OWNER_ONLY_FILE, may_write, read_only_url, sqlite_path

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.table import Table
    from pyiceberg.table.snapshots import Snapshot

VERSION_KEY = "andmesh.version"
RUN_KEY = "andmesh.run-id"
CONTRACT_KEY = "andmesh.contract-version"
FINGERPRINT_KEY = "andmesh.fingerprint"


class PortVersion(BaseModel):
    """One published, immutable version of an output port."""

    table_id: str = Field(description="`<domain>.<port>`", examples=["order_management.orders"])
    version: int = Field(description="1, 2, 3… per output port", examples=[3])
    snapshot_id: int = Field(description="The Iceberg snapshot that holds this version.")
    committed_at: dt.datetime
    rows: int
    bytes: int
    files: list[str] = Field(description="Parquet data files (absolute paths) of this version.")
    contract_version: str | None = None
    run_id: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True)
class PortHead:
    """What the catalog says of a port's current version, read without pyiceberg (no file list)."""

    table_id: str
    version: int
    snapshot_id: int
    rows: int
    fingerprint: str | None


class Warehouse:
    """The Iceberg catalog and the folder holding every output port's files.

    The catalog (pyiceberg) is opened on first use: a run that finds every product up to
    date reads only the heads of the tables (:meth:`heads`) and never loads it.
    """

    def __init__(self, catalog_uri: str, root: Path, *, check: bool = True) -> None:
        """Open the catalog; with ``check``, refuse one that has lost tables the warehouse holds."""
        self.root = root
        self.catalog_uri = catalog_uri
        catalog_file = sqlite_path(catalog_uri)
        self.read_only = not may_write(root) or (catalog_file is not None and not may_write(catalog_file))
        if check:
            health = inspect_catalog(catalog_uri, root)
            if not health.usable:
                raise CatalogDamaged(
                    "; ".join(health.problems()) + ": andmesh will not work on it, so nothing is written "
                    "over those tables",
                    hint="`andmesh doctor` says what is wrong; `andmesh doctor --repair` rebuilds the catalog "
                    "from the metadata files in the warehouse",
                )
        if not self.read_only:
            self.root.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
        self._catalog: SqlCatalog | None = None
        self.journal = Journal(root)
        # Version folders this process has committed: settling a run knows they are kept
        # without loading their tables again.
        self._committed: set[Path] = set()

    @property
    def catalog(self) -> SqlCatalog:
        if self._catalog is None:
            self._catalog = self._open_catalog()
        return self._catalog

    def _open_catalog(self) -> SqlCatalog:
        from pyiceberg.catalog.sql import SqlCatalog

        from andmesh.storage.locations import WorkspaceCatalog

        catalog_file = sqlite_path(self.catalog_uri)
        uri = read_only_url(self.catalog_uri) if self.read_only else self.catalog_uri
        created = catalog_file is not None and not catalog_file.exists()
        root_uri = self.root.resolve().as_uri()
        # Only the workspace's own catalog file travels with the workspace; a catalog on a
        # server is shared, and its locations are taken as written.
        catalog: SqlCatalog
        if catalog_file is not None and catalog_file.resolve().parent == self.root.resolve().parent:
            catalog = WorkspaceCatalog("andmesh", uri=uri, root=root_uri)
        else:
            catalog = SqlCatalog("andmesh", uri=uri, warehouse=root_uri)
        guard_engine(catalog.engine, f"the Iceberg catalog {catalog_file or self.catalog_uri}", catalog_file)
        if created and catalog_file is not None and catalog_file.exists():
            catalog_file.chmod(OWNER_ONLY_FILE)
        return catalog

    def local(self, location: str) -> Path:
        """The file a recorded location names in this workspace."""
        former = [r for r in self.catalog.properties.get(FORMER_KEY, "").split("\n") if r]
        return to_path(rebase(location, self.root.resolve().as_uri(), former))

    # --- staging ---------------------------------------------------------------------

    @property
    def staging_root(self) -> Path:
        return self.root / "_staging"

    def staging_dir(self, run_id: str, table_id: str) -> Path:
        """An empty folder where the engine writes a port's candidate files."""
        folder = self.staging_root / run_id / table_id
        if folder.exists():
            shutil.rmtree(folder)
        if not (self.staging_root / run_id).exists():
            self.journal.record(run_id, "staging", self.staging_root / run_id)
        # mkdir(parents=True) gives the parents the umask's mode: make each one owner-only.
        for level in (self.staging_root, self.staging_root / run_id, folder):
            level.mkdir(exist_ok=True, mode=OWNER_ONLY_DIR)
        return folder

    # --- reading ---------------------------------------------------------------------

    def _table(self, table_id: str) -> Table | None:
        from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

        try:
            return self.catalog.load_table(table_id)
        except (NoSuchTableError, NoSuchNamespaceError):
            return None

    def heads(self) -> dict[str, PortHead | None]:
        """Every registered port's current version as its metadata file says (None: no version yet).

        Reads the catalog's rows and each table's current metadata JSON, nothing else: no
        manifest, no pyiceberg. A table whose metadata cannot be read here is left out, so
        the caller falls back to :meth:`current` (which says what is wrong).
        """
        import sqlalchemy as sa

        if self._catalog_missing():
            return {}
        try:
            rows = catalog_rows(self.catalog_uri)
        except sa.exc.DatabaseError:
            return {}
        heads: dict[str, PortHead | None] = {}
        uri = self.root.resolve().as_uri()
        own = self._own_catalog()
        for namespace, table, location in rows:
            if not location:
                continue
            table_id = f"{namespace}.{table}"
            if own:
                location = rebase(location, uri, [r for r in [former_root(location, namespace, table)] if r])
            try:
                metadata = json.loads(to_path(location).read_bytes())
                heads[table_id] = _head(table_id, metadata)
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return heads

    def _catalog_missing(self) -> bool:
        path = sqlite_path(self.catalog_uri)
        return path is not None and (not path.exists() or path.stat().st_size == 0)

    def _own_catalog(self) -> bool:
        path = sqlite_path(self.catalog_uri)
        return path is not None and path.resolve().parent == self.root.resolve().parent

    def tables(self) -> list[str]:
        found = []
        for (namespace,) in self.catalog.list_namespaces():
            for ident in self.catalog.list_tables(namespace):
                found.append(".".join(ident))
        return sorted(found)

    def versions(self, table_id: str) -> list[PortVersion]:
        """Every published version of a port, oldest first."""
        table = self._table(table_id)
        if table is None:
            return []
        return [self._version(table_id, table, s) for s in table.snapshots() if self._is_version(s)]

    def current(self, table_id: str) -> PortVersion | None:
        """The version readers get by default (the table's current snapshot)."""
        table = self._table(table_id)
        if table is None or table.current_snapshot() is None:
            return None
        snapshot = table.current_snapshot()
        assert snapshot is not None
        return self._version(table_id, table, snapshot) if self._is_version(snapshot) else None

    def version(self, table_id: str, version: int | None = None) -> PortVersion:
        """A pinned version, or the current one when ``version`` is None."""
        found = self.current(table_id) if version is None else None
        if version is not None:
            found = next((v for v in self.versions(table_id) if v.version == version), None)
        if found is None:
            known = [v.version for v in self.versions(table_id)]
            what = (
                f"version {version} of {table_id}"
                if version is not None
                else f"a published version of {table_id}"
            )
            raise UsageError(
                f"there is no {what}",
                hint=f"published versions: {known}" if known else "run the mesh first: `andmesh run <mesh>`",
            )
        return found

    @staticmethod
    def _is_version(snapshot: Snapshot) -> bool:
        props = snapshot.summary.additional_properties if snapshot.summary else {}
        return (
            VERSION_KEY in props
            and snapshot.summary is not None
            and snapshot.summary.operation.value != "delete"
        )

    def _version(self, table_id: str, table: Table, snapshot: Snapshot) -> PortVersion:
        props = snapshot.summary.additional_properties if snapshot.summary else {}
        files = [task.file for task in table.scan(snapshot_id=snapshot.snapshot_id).plan_files()]
        return PortVersion(
            table_id=table_id,
            version=int(props[VERSION_KEY]),
            snapshot_id=snapshot.snapshot_id,
            committed_at=dt.datetime.fromtimestamp(snapshot.timestamp_ms / 1000, tz=dt.UTC),
            rows=sum(f.record_count for f in files),
            bytes=sum(f.file_size_in_bytes for f in files),
            files=[str(self.local(f.file_path)) for f in files],
            contract_version=props.get(CONTRACT_KEY),
            run_id=props.get(RUN_KEY),
            fingerprint=props.get(FINGERPRINT_KEY),
        )

    # --- publishing ------------------------------------------------------------------

    def publish(
        self,
        table_id: str,
        staged: list[Path],
        *,
        run_id: str,
        contract_version: str,
        fingerprint: str,
    ) -> PortVersion:
        """Make ``staged`` Parquet files the next version of ``table_id``, atomically."""
        if not staged:
            raise StorageError(f"{table_id}: nothing staged to publish")
        import pyarrow.parquet as pq
        from pyiceberg.expressions import AlwaysTrue

        from andmesh.storage.transaction import transaction

        namespace = table_id.partition(".")[0]
        schema = pq.read_schema(staged[0])
        table = self._table(table_id)
        if table is None:
            self.catalog.create_namespace_if_not_exists(namespace)
            table = self.catalog.create_table(table_id, schema=schema)
        number = max(_published(table), default=0) + 1
        location = to_path(table.location())
        target = location / "data" / _folder_name(number, run_id)
        self.journal.record(run_id, "version", target, table_id)
        target.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
        moved = []
        for index, file in enumerate(staged):
            destination = target / f"part-{index:05d}.parquet"
            file.replace(destination)
            destination.chmod(OWNER_ONLY_FILE)
            moved.append(destination.resolve().as_uri())
        fault_point("publish.before_commit")
        properties = {
            VERSION_KEY: str(number),
            RUN_KEY: run_id,
            CONTRACT_KEY: contract_version,
            FINGERPRINT_KEY: fingerprint,
        }
        try:
            with transaction(table) as tx:
                if not _same_columns(table.schema().as_arrow(), schema):
                    # A version replaces every row and each snapshot keeps the schema it was
                    # written with, so a column may change type (a double becoming the
                    # decimal(15,2) it should have been): earlier versions still read as written.
                    with tx.update_schema(allow_incompatible_changes=True) as update:
                        update.union_by_name(schema)
                if table.current_snapshot() is not None:
                    tx.delete(AlwaysTrue(), snapshot_properties=properties)
                tx.add_files(moved, snapshot_properties=properties, check_duplicate_files=False)
        except Exception as exc:
            shutil.rmtree(target, ignore_errors=True)
            fault = translate(exc, f"version {number} of {table_id}", self.root)
            if isinstance(fault, DiskFull):
                raise fault from exc
            raise StorageError(
                f"{table_id}: could not commit version {number}: {exc}",
                hint="the previous version is intact; fix the cause and re-run",
            ) from exc
        fault_point("publish.after_commit")
        self._committed.add(target.resolve())
        owner_only(location)
        # The commit refreshed `table` in place: no second catalog read, and no manifest read for
        # files we have just committed (their totals are in the snapshot's summary).
        snapshot = table.current_snapshot()
        assert snapshot is not None
        summary = snapshot.summary.additional_properties if snapshot.summary else {}
        try:
            rows, size = int(summary["total-records"]), int(summary["total-files-size"])
        except (KeyError, ValueError):
            return self._version(table_id, table, snapshot)
        if rows == 0:  # a scan leaves out empty files: say what `current` will say
            return self._version(table_id, table, snapshot)
        return PortVersion(
            table_id=table_id,
            version=number,
            snapshot_id=snapshot.snapshot_id,
            committed_at=dt.datetime.fromtimestamp(snapshot.timestamp_ms / 1000, tz=dt.UTC),
            rows=rows,
            bytes=size,
            files=[str(self.local(uri)) for uri in moved],
            contract_version=contract_version,
            run_id=run_id,
            fingerprint=fingerprint,
        )

    # --- repair ----------------------------------------------------------------------

    def repair(self) -> list[Path]:
        """Delete what crashed runs left behind: only what the journal proves they wrote uncommitted."""
        removed: list[Path] = []
        for run_id in self.journal.runs():
            removed.extend(self.settle(run_id))
        return removed

    def settle(self, run_id: str) -> list[Path]:
        """Remove ``run_id``'s staging area and its version folders no snapshot references."""
        removed: list[Path] = []
        for entry in self.journal.entries():
            if entry.run_id != run_id:
                continue
            path = self.journal.resolve(entry)
            if path is None or not path.exists():
                continue
            if entry.kind == "version" and (
                entry.table_id is None
                or path.resolve() in self._committed
                or self._referenced(entry.table_id, path)
            ):
                continue
            shutil.rmtree(path)
            removed.append(path)
        self.journal.forget(run_id)
        return removed

    def _referenced(self, table_id: str, folder: Path) -> bool:
        """Whether any snapshot of ``table_id`` holds a file in ``folder`` (reads every manifest)."""
        table = self._table(table_id)
        if table is None:
            return False
        if _parse_folder(folder.name) in set(_published(table).items()):
            return True
        seen: set[str] = set()
        for snapshot in table.snapshots():
            for manifest in snapshot.manifests(table.io):
                if manifest.manifest_path in seen:
                    continue
                seen.add(manifest.manifest_path)
                for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=False):
                    if self.local(entry.data_file.file_path).is_relative_to(folder):
                        return True
        return False


def owner_only(folder: Path) -> None:
    """Make a table's folder, and everything in it, private to its owner.

    pyiceberg and the engines create files with the process umask (usually world-readable);
    the folder modes alone already keep others out, the file modes keep it so when copied.
    """
    for path in [folder.parent, folder, *folder.rglob("*")]:
        mode = OWNER_ONLY_DIR if path.is_dir() else OWNER_ONLY_FILE
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)


def _folder_name(version: int, run_id: str) -> str:
    """Folder of one version's files.

    >>> _folder_name(3, "20261124T080000-abc123")
    'v000003-20261124T080000-abc123'
    """
    return f"v{version:06d}-{run_id}"


def _parse_folder(name: str) -> tuple[int, str] | None:
    """Inverse of :func:`_folder_name`.

    >>> _parse_folder("v000003-20261124T080000-abc123")
    (3, '20261124T080000-abc123')
    >>> _parse_folder("junk") is None
    True
    """
    head, _, run = name.partition("-")
    if not head.startswith("v") or not head[1:].isdigit() or not run:
        return None
    return int(head[1:]), run


def _head(table_id: str, metadata: dict[str, object]) -> PortHead | None:
    """The head of a table from its metadata JSON, with :meth:`Warehouse.current`'s rules."""
    current = metadata.get("current-snapshot-id")
    if current is None or current == -1:
        return None
    snapshots = metadata["snapshots"]
    assert isinstance(snapshots, list)
    snapshot = next(s for s in snapshots if s["snapshot-id"] == current)
    summary = snapshot.get("summary") or {}
    if VERSION_KEY not in summary or summary.get("operation") == "delete":
        return None
    return PortHead(
        table_id=table_id,
        version=int(summary[VERSION_KEY]),
        snapshot_id=int(str(current)),
        rows=int(summary["total-records"]),
        fingerprint=summary.get(FINGERPRINT_KEY),
    )


def _published(table: Table) -> dict[int, str]:
    """Version number → run id of every version committed to ``table`` (metadata only)."""
    found: dict[int, str] = {}
    for snapshot in table.snapshots():
        props = snapshot.summary.additional_properties if snapshot.summary else {}
        if VERSION_KEY in props:
            found[int(props[VERSION_KEY])] = props.get(RUN_KEY, "")
    return found


def _same_columns(current: pa.Schema, staged: pa.Schema) -> bool:
    """Whether the staged files have the table's columns, types and nullability.

    The table's Arrow schema carries Iceberg's field ids and reads strings as
    ``large_string``; neither is a change of the data (Iceberg has one string type), so
    neither calls for a schema update on every publish.

    >>> import pyarrow as pa
    >>> table = pa.schema([pa.field("a", pa.large_string(), metadata={"PARQUET:field_id": "1"})])
    >>> _same_columns(table, pa.schema([("a", pa.string())]))
    True
    >>> _same_columns(table, pa.schema([("a", pa.int64())])), _same_columns(table, pa.schema([("b", pa.string())]))
    (False, False)
    """
    import pyarrow as pa

    def plain(schema: pa.Schema) -> list[tuple[str, pa.DataType, bool]]:
        wide = {pa.large_string(): pa.string(), pa.large_binary(): pa.binary()}
        return [(f.name, wide.get(f.type, f.type), f.nullable) for f in schema]

    return plain(current) == plain(staged)
