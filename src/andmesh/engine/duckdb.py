"""The embedded default engine: Ibis on an in-process DuckDB.

A session is sealed before user SQL runs on it (:meth:`DuckDBSession.seal`): DuckDB may
then open the files bound as inputs, a private spill folder and, for a build, the port's
staging folder, and nothing else; extensions cannot be installed or loaded, Python
objects are not scanned by name, and the configuration is locked so the query cannot
undo any of it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import sqlglot
from sqlglot import exp

from andmesh.engine.config import EngineConfig
from andmesh.errors import DataFileError, EngineError

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa
    from ibis.backends.duckdb import Backend

# Applied in this order; `lock_configuration` last, so nothing after it can change them.
_SEAL = (
    "SET python_enable_replacements = false",
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)
# What Ibis's DuckDB backend sets on a connection of its own; set here because the
# backend is made only when a caller needs Ibis, possibly after the seal.
_SETTINGS = ("SET TimeZone = 'UTC'", "SET python_enable_replacements = false")
# How each format is read: the table functions and options Ibis's `read_*` use.
_READERS = {
    "parquet": ("read_parquet", ""),
    "csv": ("read_csv", ", header = TRUE, auto_detect = TRUE"),
    "json": ("read_json_auto", ""),
}


class DuckDBSession:
    """One in-memory DuckDB database per product build; cheap to open (~ms).

    The contract checks speak SQL to it directly (built with sqlglot, rendered in
    :attr:`dialect`); the Ibis backend over the same connection is made on first use by
    the pipeline, so `andmesh test` never imports Ibis.
    """

    dialect = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        base = EngineConfig.from_env()
        # DuckDB always allows its spill folder; its default (`.tmp` under the working
        # directory) could hold anything, so each session spills to a private folder (inside
        # ANDMESH_TEMP_DIRECTORY when it is set).
        if base.temp_directory:
            Path(base.temp_directory).mkdir(parents=True, exist_ok=True)
        self._spill = Path(tempfile.mkdtemp(prefix="andmesh-duckdb-", dir=base.temp_directory))
        config: dict[str, Any] = EngineConfig(
            memory_limit=memory_limit or base.memory_limit,
            temp_directory=str(self._spill),
            threads=threads or base.threads,
        ).duckdb()
        config["temp_directory"] = str(self._spill)  # already this session's own: no sub-folder
        self.raw = duckdb.connect(":memory:", config=config)
        for statement in _SETTINGS:
            self.raw.execute(statement)
        self._backend: Backend | None = None
        self._materialized = 0
        self._files: set[str] = set()
        self._writable: Path | None = None
        self.sealed = False

    @property
    def con(self) -> Backend:
        """The Ibis backend on this session's connection (made, and Ibis imported, on first use)."""
        if self._backend is None:
            from ibis.backends.duckdb import Backend

            # `Backend.from_connection` would SET what `_SETTINGS` already set, which a
            # sealed (configuration-locked) connection refuses.
            backend = Backend()
            backend._can_reconnect = False
            backend.con = self.raw
            backend._record_batch_readers_consumed = {}
            self._backend = backend
        return self._backend

    def bind(self, name: str, files: list[str], file_format: str) -> None:
        if self.sealed:
            raise EngineError(f"cannot bind `{name}`: the session is sealed (user SQL has run on it)")
        if not files:
            raise EngineError(f"no files for `{name}`")
        # Absolute paths: the seal allows exactly these strings.
        paths = [str(Path(f).resolve()) for f in files]
        if file_format not in _READERS:
            raise EngineError(
                f"unsupported file format `{file_format}` for `{name}`", hint="use parquet, csv or json"
            )
        try:
            self.raw.execute(_view(name, paths, file_format))
            if file_format == "parquet" and len(paths) > 1:
                # Only the first file is opened to bind the view; reading every footer
                # now (metadata only) finds a broken one before any query depends on it.
                # The list is a literal, not a `$1` parameter: DuckDB's Python client imports
                # pandas and numpy to inspect any bound parameter (~0.5 s per command).
                files_sql = exp.convert(paths).sql("duckdb")
                self.raw.execute(f"select count(*) from read_parquet({files_sql})").fetchall()
        except duckdb.Error as exc:
            raise unreadable_file(self._probe, name, paths, file_format, exc) from None
        self._files.update(paths)

    def _probe(self, paths: list[str], table_name: str, file_format: str) -> None:
        self.raw.execute(_view(table_name, paths, file_format))

    def register(self, name: str, files: list[str], file_format: str) -> ibis.Table:
        self.bind(name, files, file_format)
        return self.con.table(name)

    def columns(self, relation: str) -> list[tuple[str, str, bool]]:
        """Name, engine type and nullability of each column of a table or ``(SELECT …)``."""
        rows = self.raw.execute(f"DESCRIBE {relation}").fetchall()
        return [(str(r[0]), str(r[1]), r[2] == "YES") for r in rows]

    def fetch(self, query: str) -> list[dict[str, Any]]:
        """Rows of a query the platform built (user SQL goes through :meth:`fetch_user`)."""
        cursor = self.raw.execute(query)
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def fetch_user(self, query: str) -> list[dict[str, Any]]:
        """Rows of user SQL: the session seals itself first."""
        self.seal()
        return self.fetch(query)

    def arrow_user(self, query: str, dialect: str) -> pa.Table:
        """User SQL's result as Arrow (DuckDB's own types, no Ibis): the session seals itself first."""
        self.seal()
        if dialect != self.dialect:
            query = sqlglot.transpile(query, read=dialect, write=self.dialect)[0]
        return self.raw.execute(query).to_arrow_table()

    def temp_table(self, query: str) -> str:
        """Compute ``query`` once into a temporary table; its quoted name."""
        self._materialized += 1
        name = exp.to_identifier(f"__andmesh_m{self._materialized}", quoted=True).sql(self.dialect)
        self.raw.execute(f"CREATE TEMP TABLE {name} AS {query}")
        return name

    def register_arrow(self, name: str, table: pa.Table) -> ibis.Table:
        self.bind_arrow(name, table)
        return self.con.table(name)

    def bind_arrow(self, name: str, table: pa.Table) -> None:
        if self.sealed:
            raise EngineError(f"cannot bind `{name}`: the session is sealed (user SQL has run on it)")
        # Copied into the session's own memory: after the seal, no Python object is scanned.
        raw = self.raw
        staging = "__andmesh_arrow"
        raw.register(staging, table)
        try:
            raw.execute(
                f"CREATE TEMP TABLE {exp.to_identifier(name).sql('duckdb')} AS SELECT * FROM {staging}"
            )
        finally:
            raw.unregister(staging)

    def seal(self, writable: Path | None = None) -> None:
        if self.sealed:
            return
        raw = self.raw
        raw.execute(f"SET allowed_paths = {exp.convert(sorted(self._files)).sql('duckdb')}")
        folders = [f"{writable.resolve()}/"] if writable is not None else []
        raw.execute(f"SET allowed_directories = {exp.convert(folders).sql('duckdb')}")
        for statement in _SEAL:
            raw.execute(statement)
        self._writable = writable.resolve() if writable is not None else None
        self.sealed = True

    def sql(self, query: str, dialect: str) -> ibis.Table:
        self.seal()
        return self.con.sql(query, dialect=dialect)

    def _staged_file(self, folder: Path) -> Path:
        """The one Parquet file a write makes in ``folder``; a sealed session writes only where
        it was sealed to write."""
        if self.sealed and (self._writable is None or not folder.resolve().is_relative_to(self._writable)):
            raise EngineError(
                f"cannot write to {folder}: the session was sealed without it",
                hint="seal the session with the staging folder as `writable`",
            )
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "part-00000.parquet"

    def write_parquet(self, expr: ibis.Table, folder: Path) -> list[Path]:
        target = self._staged_file(folder)
        # DuckDB's COPY streams row groups to disk from its own threads: nothing is
        # materialised in Python, whatever the size of the output.
        self.con.to_parquet(expr, target, compression="zstd", row_group_size=122_880)
        return [target]

    def write_query_parquet(
        self, query: str, folder: Path, columns: list[tuple[str, str | None]] | None = None
    ) -> list[Path]:
        """:meth:`write_parquet` for a SQL query, without Ibis: its ``columns`` (name and the type
        to cast to, or None; none given: every column), written by the same ``COPY``."""
        target = self._staged_file(folder)
        items = []
        for name, cast in columns or []:
            column = f'"t0".{exp.to_identifier(name, quoted=True).sql("duckdb")}'
            alias = exp.to_identifier(name, quoted=True).sql("duckdb")
            items.append(f"CAST({column} AS {cast}) AS {alias}" if cast else column)
        select = f'SELECT {", ".join(items) or "*"} FROM ({query}) AS "t0"'
        path = exp.Literal.string(str(target)).sql("duckdb")
        self.raw.execute(
            f"COPY ({select}) TO {path} (FORMAT 'parquet', COMPRESSION 'zstd', ROW_GROUP_SIZE 122880)"
        )
        return [target]

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        # A temporary table in this session's own in-memory database: it goes away with
        # the session. (Ibis's Table.cache() cannot drop its tables on DuckDB 1.5.)
        self._materialized += 1
        return self.con.create_table(f"__andmesh_m{self._materialized}", expr, temp=True)

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        import ibis
        import pyarrow as pa

        direct = self._direct_arrow(expr) if isinstance(expr, ibis.Table) else None
        if direct is not None:
            return direct
        result = self.con.to_pyarrow(expr)
        if isinstance(result, pa.Table):
            return result
        return pa.table({"value": [result.as_py() if hasattr(result, "as_py") else result]})

    def _direct_arrow(self, expr: ibis.Table) -> pa.Table | None:
        """The compiled SQL run on DuckDB, cast to the expression's schema: Ibis's own conversion
        imports pandas (~0.3 s of every command's start). None for a type Arrow cannot cast
        directly, which Ibis's conversion then handles."""
        import pyarrow as pa

        schema = expr.schema().to_pyarrow()
        raw = self.raw.sql(str(self.con.compile(expr))).to_arrow_table()
        try:
            return raw.rename_columns(schema.names).cast(schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            shutil.rmtree(self._spill, ignore_errors=True)


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.threads = threads
        self.memory_limit = memory_limit

    def session(self) -> DuckDBSession:
        return DuckDBSession(self.threads, self.memory_limit)


def _view(name: str, paths: list[str], file_format: str) -> str:
    function, options = _READERS[file_format]
    target = exp.to_identifier(name, quoted=True).sql("duckdb")
    return (
        f"CREATE OR REPLACE TEMPORARY VIEW {target} AS SELECT * FROM "
        f"{function}({exp.convert(paths).sql('duckdb')}{options})"
    )


def unreadable_file(
    reader: Callable[[list[str], str, str], None],
    name: str,
    files: list[str],
    file_format: str,
    error: duckdb.Error,
) -> DataFileError:
    """The input error for files the engine refused: which file, why, and what to do.

    With several files, each is tried alone so the message names the broken one.
    """
    culprit = files[0]
    if len(files) > 1:
        for file in files:
            try:
                reader([file], f"__andmesh_probe_{name}", file_format)
            except duckdb.Error as exc:
                culprit, error = file, exc
                break
    reason = str(error).split("\n", 1)[0].replace(f" '{culprit}'", "")
    reason = reason.replace("Invalid Input Error: ", "").replace("IO Error: ", "")
    return DataFileError(
        f"{culprit}: not a readable {file_format} file ({reason}) — input `{name}`",
        file=culprit,
        hint=f"replace it with a complete {file_format} file, or remove it from the input",
    )
