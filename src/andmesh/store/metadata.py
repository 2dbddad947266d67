"""The metadata store: runs, product runs, check results, incidents.

SQLite file in the workspace by default; any SQLAlchemy URL (PostgreSQL) by config.
The schema is created and upgraded only through Alembic migrations, so upgrading
andmesh never loses recorded history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from andmesh.errors import ReadOnlyWorkspace, StoreTooNew
from andmesh.storage.oserrors import guard_engine
from andmesh.store.reading import reading
from andmesh.store.schema import (
    check_results,
    incidents,
    product_runs,
    published_contracts,
    runs,
)
from andmesh.store.schema import file_digests as digests_table
from andmesh.workspace import OWNER_ONLY_FILE, may_write, read_only_url, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class MetadataStore:
    """Records what the platform did; every write is one short transaction, or part of the
    caller's :meth:`batch` (a product's records are committed together, once).

    A SQLite store this process may not write is opened read-only: it is not migrated, and
    a write through it raises :class:`~andmesh.errors.ReadOnlyWorkspace` (``read_only``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        file = sqlite_path(url)
        self.read_only = file is not None and file.exists() and not may_write(file)
        created = file is not None and not file.exists()
        self.engine = sa.create_engine(read_only_url(url) if self.read_only else url, future=True)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(
                self.engine, "connect", _sqlite_read_pragmas if self.read_only else _sqlite_pragmas
            )
        guard_engine(self.engine, f"the metadata store {file or url}", file)
        # A store already at this andmesh's newest migration needs no Alembic (~0.5 s to load).
        at_head = self._stored_revision() == newest_revision()
        if self.read_only:
            sa.event.listen(self.engine, "before_cursor_execute", _refuse_writes)
            if not at_head:
                self.check_revision(upgradable=False)
        elif not at_head:
            self.migrate()
        if created and file is not None and file.exists():
            file.chmod(OWNER_ONLY_FILE)  # incidents keep failing values, which may be personal data
        # The transaction of the thread's open :meth:`batch` (the service shares one store
        # between threads: a batch holds only its own thread's writes).
        self._batches = threading.local()

    # --- transactions ------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make every write inside one transaction: all of it is committed, or none of it.

        A run records a product's check results, its published contract and its outcome at
        once (one commit, so one sync of the file, instead of one per record). Nested
        batches join the outer one.
        """
        if getattr(self._batches, "connection", None) is not None:
            yield
            return
        with self.engine.begin() as c:
            self._batches.connection = c
            try:
                yield
            finally:
                self._batches.connection = None

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        """The connection of the open batch, else a transaction of its own."""
        batch = getattr(self._batches, "connection", None)
        if batch is not None:
            yield batch
            return
        with self.engine.begin() as c:
            yield c

    # --- schema ------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when already there).

        A store migrated by a newer andmesh is refused before anything is written to it.
        """
        from alembic import command

        self.check_revision(upgradable=True)
        config = _alembic_config()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def check_revision(self, *, upgradable: bool) -> None:
        """Refuse a store this andmesh cannot work with: newer, or older and not upgradable here."""
        current, head = self.revision(), self.head_revision()
        if current == head or (current is None and upgradable):
            return
        if current is not None and not _known_revision(current):
            raise StoreTooNew(
                f"the metadata store {self.url} is at migration {current}, newer than this andmesh knows "
                f"(its newest is {head}): it was written by a newer andmesh; nothing was written to it",
                hint="upgrade andmesh to the version that wrote this workspace, or use another workspace",
            )
        if not upgradable:
            raise ReadOnlyWorkspace(
                f"the metadata store {self.url} is at migration {current or 'none'} and this andmesh needs "
                f"{head}; it cannot be upgraded in a read-only workspace",
                hint="run any andmesh command once with write access to upgrade it, then read it read-only",
            )

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def _stored_revision(self) -> str | None:
        """The store's revision read with plain SQL (None when unknown or not a single one)."""
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(sa.text("select version_num from alembic_version")).all()
        except sa.exc.DatabaseError:
            return None
        return str(rows[0][0]) if len(rows) == 1 else None

    @staticmethod
    def head_revision() -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config()).get_current_head()

    # --- runs --------------------------------------------------------------------------

    def start_run(
        self, run_id: str, *, mesh: str, mesh_root: str, engine: str, selection: str | None
    ) -> None:
        with self._writing() as c:
            c.execute(
                runs.insert().values(
                    id=run_id,
                    mesh=mesh,
                    mesh_root=mesh_root,
                    engine=engine,
                    selection=selection,
                    status="running",
                    started_at=now(),
                )
            )

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        with self._writing() as c:
            c.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(status=status, finished_at=now(), summary=summary)
            )

    def last_run(self) -> dict[str, Any] | None:
        with reading(self.engine) as c:
            row = c.execute(runs.select().order_by(runs.c.started_at.desc()).limit(1)).mappings().first()
            return dict(row) if row else None

    def list_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with reading(self.engine) as c:
            rows = c.execute(runs.select().order_by(runs.c.started_at.desc()).limit(limit)).mappings()
            return [dict(r) for r in rows]

    def unfinished_runs(self) -> list[dict[str, Any]]:
        with reading(self.engine) as c:
            return [dict(r) for r in c.execute(runs.select().where(runs.c.status == "running")).mappings()]

    # --- product runs --------------------------------------------------------------------

    def start_product(self, run_id: str, product_id: str, table_id: str, status: str = "building") -> int:
        with self._writing() as c:
            result = c.execute(
                product_runs.insert().values(
                    run_id=run_id, product_id=product_id, table_id=table_id, status=status, started_at=now()
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def update_product(self, product_run_id: int, **values: Any) -> None:
        if values.get("status") not in (None, "building", "publishing"):
            values.setdefault("finished_at", now())
        with self._writing() as c:
            c.execute(product_runs.update().where(product_runs.c.id == product_run_id).values(**values))

    def product_runs(self, run_id: str | None = None, table_id: str | None = None) -> list[dict[str, Any]]:
        query = product_runs.select().order_by(product_runs.c.id)
        if run_id is not None:
            query = query.where(product_runs.c.run_id == run_id)
        if table_id is not None:
            query = query.where(product_runs.c.table_id == table_id)
        with reading(self.engine) as c:
            return [dict(r) for r in c.execute(query).mappings()]

    def latest_product_runs(self) -> dict[str, dict[str, Any]]:
        """The most recent product run of every output port."""
        latest: dict[str, dict[str, Any]] = {}
        for row in self.product_runs():
            latest[row["table_id"]] = row
        return latest

    # --- checks and incidents ------------------------------------------------------------

    def record_checks(
        self, run_id: str, product_id: str, table_id: str, rows: Iterable[dict[str, Any]]
    ) -> None:
        values = [dict(run_id=run_id, product_id=product_id, table_id=table_id, **row) for row in rows]
        if not values:
            return
        with self._writing() as c:
            c.execute(check_results.insert(), values)

    def check_results(self, run_id: str, table_id: str | None = None) -> list[dict[str, Any]]:
        query = check_results.select().where(check_results.c.run_id == run_id).order_by(check_results.c.id)
        if table_id is not None:
            query = query.where(check_results.c.table_id == table_id)
        with reading(self.engine) as c:
            return [dict(r) for r in c.execute(query).mappings()]

    def record_incident(
        self,
        run_id: str,
        product_id: str,
        table_id: str | None,
        kind: str,
        message: str,
        details: dict[str, Any],
    ) -> None:
        with self._writing() as c:
            c.execute(
                incidents.insert().values(
                    run_id=run_id,
                    product_id=product_id,
                    table_id=table_id,
                    kind=kind,
                    message=message,
                    details=details,
                    created_at=now(),
                )
            )

    def incidents(self, product_id: str | None = None, run_id: str | None = None) -> list[dict[str, Any]]:
        query = incidents.select().order_by(incidents.c.id)
        if product_id is not None:
            query = query.where(incidents.c.product_id == product_id)
        if run_id is not None:
            query = query.where(incidents.c.run_id == run_id)
        with reading(self.engine) as c:
            return [dict(r) for r in c.execute(query).mappings()]

    # --- published contracts -------------------------------------------------------------

    def record_published_contract(
        self, table_id: str, version: int, contract_id: str, contract_version: str, text: str, run_id: str
    ) -> None:
        with self._writing() as c:
            c.execute(
                published_contracts.insert().values(
                    table_id=table_id,
                    version=version,
                    contract_id=contract_id,
                    contract_version=contract_version,
                    text=text,
                    run_id=run_id,
                    published_at=now(),
                )
            )

    def published_contract(self, table_id: str, version: int) -> dict[str, Any] | None:
        """The contract a given published version of ``table_id`` was checked against, if recorded."""
        query = published_contracts.select().where(
            published_contracts.c.table_id == table_id, published_contracts.c.version == version
        )
        with reading(self.engine) as c:
            row = c.execute(query).mappings().first()
            return dict(row) if row else None

    def last_published_contract(self, table_id: str) -> dict[str, Any] | None:
        """The contract of the newest published version of ``table_id``, if recorded."""
        query = (
            published_contracts.select()
            .where(published_contracts.c.table_id == table_id)
            .order_by(published_contracts.c.version.desc())
            .limit(1)
        )
        with reading(self.engine) as c:
            row = c.execute(query).mappings().first()
            return dict(row) if row else None

    # --- content digests of source files (migration 0009) ---------------------------------

    def file_digests(self, paths: Iterable[str]) -> dict[str, tuple[int, int, int, str]]:
        """Path → (size, mtime_ns, inode, sha256) as last hashed, for the paths known."""
        wanted = sorted(set(paths))
        found: dict[str, tuple[int, int, int, str]] = {}
        with reading(self.engine) as c:
            for start in range(0, len(wanted), 500):  # bound the IN list of one statement
                rows = c.execute(
                    sa.select(digests_table).where(digests_table.c.path.in_(wanted[start : start + 500]))
                )
                for row in rows:
                    found[row.path] = (row.size, row.mtime_ns, row.inode, row.sha256)
        return found

    def remember_file_digests(self, digests: dict[str, tuple[int, int, int, str]]) -> None:
        """Record freshly hashed files, replacing what was known of the same paths."""
        if not digests:
            return
        at = now()
        with self._writing() as c:
            c.execute(digests_table.delete().where(digests_table.c.path.in_(sorted(digests))))
            c.execute(
                digests_table.insert(),
                [
                    {"path": p, "size": s, "mtime_ns": m, "inode": i, "sha256": h, "hashed_at": at}
                    for p, (s, m, i, h) in digests.items()
                ],
            )


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


@cache
def newest_revision() -> str | None:
    """The head of the migration scripts, read from their text (what Alembic would say, faster).

    None when the scripts do not form one simple chain: then Alembic decides.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            return None
        revisions.add(found["revision"])
        if "down_revision" in found:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def _known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    try:
        return ScriptDirectory.from_config(_alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown revision
        return False


_WRITES = ("insert", "update", "delete", "create", "drop", "alter", "replace")


def _refuse_writes(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if statement.lstrip().split(None, 1)[0].lower() in _WRITES:
        raise ReadOnlyWorkspace(
            "the workspace is read-only for this user: this command would write to its metadata store",
            hint="read commands (status, products, read) work on it; to write, use a writable copy "
            "(`cp -r`) or run as a user who may write it",
        )


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # Under WAL, NORMAL syncs the log at checkpoints, not at every commit: a commit survives
    # the process being killed (it is in the log, in the OS's cache); only an OS crash or a
    # power cut may lose the last commits, never corrupt the file (benchmarks/README.md).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
