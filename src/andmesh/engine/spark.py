"""The distributed engine: Ibis on PySpark (``local[*]`` by default, any master or Spark Connect).

Each andmesh session is an isolated child of one process-wide Spark session
(:mod:`.spark_conf`): its own temporary views and settings, so input names of two products
never collide. Pipelines' SQL is written in DuckDB's dialect and transpiled to Spark SQL by
sqlglot (through Ibis); the contract checks' SQL is rendered for ``spark`` directly. Output is
written as Parquet by Spark itself and committed to Iceberg by the warehouse with pyiceberg
(``add_files``), exactly as on DuckDB.

**The sandbox is weaker than DuckDB's**, and says so: Spark has no setting that confines a
query to a list of files. What a sealed session enforces, on top of the SQL guard every engine
shares (one SELECT over bound names, no table functions, no qualified names):

- path-based SQL is off for the whole process (``spark.sql.runSQLOnFiles=false``);
- before user SQL runs, Spark plans it and lists the files the plan reads
  (``DataFrame.inputFiles()``): a plan reading anything but the bound inputs is refused;
- functions that call into the JVM (``reflect``, ``java_method``, ``try_reflect``) are refused;
- nothing more can be bound, and Parquet is written only under the staging folder.

What it cannot enforce: executors run with the Spark user's file-system and network rights, so
a bug in the guard (or a function it does not know) is not contained by the engine as DuckDB's
lock contains it. Run untrusted specs on DuckDB, or on a cluster whose service account can read
only the data it serves (docs/engines.md).
"""

from __future__ import annotations

import json
import os
import threading
from contextvars import ContextVar, Token
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from andmesh.engine import spark_conf
from andmesh.engine.capabilities import ChecksInputFiles, Distributed, ReadsJson
from andmesh.engine.spark_dialect import DIALECT, portable
from andmesh.engine.spark_types import as_nullable, duckdb_type
from andmesh.errors import DataFileError, EngineError

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa
    from ibis.backends.pyspark import Backend
    from pyspark.sql import DataFrame, SparkSession

# Functions that reach into the JVM: never in user SQL on Spark.
_JVM_FUNCTIONS = frozenset({"reflect", "java_method", "try_reflect"})


# The Spark session open in this thread (a product build): the table work a Python pipeline
# hands to a library that drives its own engine (Splink, for entity resolution) runs there.
_CURRENT: ContextVar[SparkEngineSession | None] = ContextVar("andmesh_spark_session", default=None)


def current_session() -> SparkEngineSession | None:
    """The Spark session of the build running in this thread, if any (None on DuckDB)."""
    return _CURRENT.get()


class SparkEngineSession(ChecksInputFiles, ReadsJson):
    """One isolated Spark session for building or checking one product."""

    dialect = DIALECT
    name = "spark"

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._backend: Backend | None = None
        self._views: list[str] = []
        self._cached: list[DataFrame] = []
        self._files: set[str] = set()
        self._writable: Path | None = None
        self._materialized = 0
        self.sealed = False
        self._token: Token[SparkEngineSession | None] | None = _CURRENT.set(self)

    @property
    def con(self) -> Backend:
        """The Ibis backend on this session (made, and Ibis imported, on first use)."""
        if self._backend is None:
            import ibis

            self._backend = ibis.pyspark.connect(self.spark)
        return self._backend

    # --- inputs ----------------------------------------------------------------------

    def bind(self, name: str, files: list[str], file_format: str) -> None:
        if self.sealed:
            raise EngineError(f"cannot bind `{name}`: the session is sealed (user SQL has run on it)")
        if not files:
            raise EngineError(f"no files for `{name}`")
        if file_format not in ("parquet", "csv", "json"):
            raise EngineError(
                f"unsupported file format `{file_format}` for `{name}`", hint="use parquet, csv or json"
            )
        paths = [str(Path(f).resolve()) for f in files]
        try:
            frame = self._read(paths, file_format)
            if file_format == "parquet" and not _footers_readable(paths):
                # Every footer is read now, so a broken file is found here, not in the middle of a
                # check: by pyarrow on this host when it can (no Spark job), else by Spark (a count
                # reads the footers only), which names the culprit.
                frame.count()
        except Exception as exc:
            raise self._unreadable(name, paths, file_format, exc) from None
        frame.createOrReplaceTempView(name)
        self._views.append(name)
        self._files.update(paths)

    def _read(self, paths: list[str], file_format: str) -> DataFrame:
        reader = self.spark.read
        if file_format == "parquet":
            return _read_parquet(reader, paths)
        if file_format == "json":
            # DuckDB reads one array of records as well as one record a line; Spark needs telling.
            multiline = any(_starts_with_bracket(p) for p in paths)
            return reader.option("multiLine", multiline).json(paths)
        return self._read_csv(paths)

    def _read_csv(self, paths: list[str]) -> DataFrame:
        """A CSV typed as DuckDB's sniffer types it: whole numbers BIGINT, times without a zone."""
        from pyspark.sql import functions, types

        conf = self.spark.conf
        previous = conf.get("spark.sql.timestampType", "TIMESTAMP_LTZ")
        conf.set("spark.sql.timestampType", "TIMESTAMP_NTZ")
        try:
            frame = self.spark.read.options(header=True, inferSchema=True, mode="FAILFAST").csv(paths)
        finally:
            conf.set("spark.sql.timestampType", previous or "TIMESTAMP_LTZ")
        widened = [
            functions.col(f"`{f.name}`").cast("bigint").alias(f.name)
            if isinstance(f.dataType, types.IntegerType | types.ShortType | types.ByteType)
            else functions.col(f"`{f.name}`")
            for f in frame.schema
        ]
        return frame.select(*widened)

    def _unreadable(self, name: str, paths: list[str], file_format: str, error: Exception) -> DataFileError:
        culprit = paths[0]
        if len(paths) > 1:
            for path in paths:
                try:
                    self._read([path], file_format).count()
                except Exception as exc:
                    culprit, error = path, exc
                    break
        reason = _first_line(error)
        return DataFileError(
            f"{culprit}: not a readable {file_format} file ({reason}) — input `{name}`",
            file=culprit,
            hint=f"replace it with a complete {file_format} file, or remove it from the input",
        )

    def register(self, name: str, files: list[str], file_format: str) -> ibis.Table:
        self.bind(name, files, file_format)
        return self.con.table(name)

    def register_arrow(self, name: str, table: pa.Table) -> ibis.Table:
        self.bind_arrow(name, table)
        return self.con.table(name)

    def bind_arrow(self, name: str, table: pa.Table) -> None:
        if self.sealed:
            raise EngineError(f"cannot bind `{name}`: the session is sealed (user SQL has run on it)")
        self.spark.createDataFrame(table).createOrReplaceTempView(name)
        self._views.append(name)

    # --- queries ---------------------------------------------------------------------

    def columns(self, relation: str) -> list[tuple[str, str, bool]]:
        schema = self.spark.sql(f"SELECT * FROM {relation}").schema
        return [(f.name, duckdb_type(f.dataType), bool(f.nullable)) for f in schema]

    def fetch(self, query: str) -> list[dict[str, Any]]:
        return _rows(self.spark.sql(query))

    def fetch_user(self, query: str) -> list[dict[str, Any]]:
        """Rows of user SQL (written in DuckDB's dialect, already guarded): sealed and checked first."""
        self.seal()
        frame = self._checked(_to_spark(query, "duckdb"))
        return _rows(frame)

    def arrow_user(self, query: str, dialect: str) -> pa.Table:
        """User SQL's result as Arrow (already guarded): sealed, transpiled and its plan checked first."""
        self.seal()
        return self._checked(_to_spark(query, dialect)).toArrow()

    def temp_table(self, query: str) -> str:
        self._materialized += 1
        name = f"__andmesh_m{self._materialized}"
        frame = self.spark.sql(query).cache()
        frame.count()
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)
        self._views.append(name)
        return exp.to_identifier(name, quoted=True).sql(DIALECT)

    def seal(self, writable: Path | None = None) -> None:
        if self.sealed:
            return
        self._writable = writable.resolve() if writable is not None else None
        self.sealed = True

    def sql(self, query: str, dialect: str) -> ibis.Table:
        self.seal()
        query = portable(query, dialect)
        self._checked(_to_spark(query, dialect))
        return self.con.sql(query, dialect=dialect)

    def _checked(self, query: str) -> DataFrame:
        """Spark's plan of user SQL, refused if it calls into the JVM or reads unbound files."""
        for node in sqlglot.parse_one(query, read=DIALECT).find_all(exp.Func):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            if name.lower() in _JVM_FUNCTIONS:
                raise EngineError(
                    f"`{name.lower()}(...)` calls into Spark's JVM: not allowed in user SQL",
                    hint="compute the value with SQL functions over the inputs",
                )
        frame = self.spark.sql(query)
        read = {_local_path(uri) for uri in frame.inputFiles()}
        outside = sorted(read - self._files)
        if outside:
            raise EngineError(
                f"the query reads {outside[0]}, which is not one of the session's inputs"
                + (f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""),
                hint="user SQL reads only its declared inputs",
            )
        return frame

    # --- outputs ---------------------------------------------------------------------

    def write_parquet(self, expr: ibis.Table, folder: Path) -> list[Path]:
        if self.sealed and (self._writable is None or not folder.resolve().is_relative_to(self._writable)):
            raise EngineError(
                f"cannot write to {folder}: the session was sealed without it",
                hint="seal the session with the staging folder as `writable`",
            )
        folder.mkdir(parents=True, exist_ok=True)
        frame = _all_nullable(self.spark.sql(self._compiled(expr)))
        # Appending into the (empty) staging folder keeps the folder, and its owner-only mode.
        frame.write.mode("append").parquet(str(folder.resolve()))
        for leftover in [*folder.glob(".*.crc"), *folder.glob("_*")]:
            leftover.unlink()
        return sorted(folder.glob("part-*.parquet"))

    def _compiled(self, expr: ibis.Table) -> str:
        """Spark SQL of ``expr``, with its in-memory tables (a Python pipeline's ``ibis.memtable``)
        bound first: Ibis binds them only when it executes the expression itself."""
        import ibis.expr.operations as ops

        for op in expr.op().find(ops.InMemoryTable):
            if op.name not in self._views:
                # Straight from Arrow (Spark 4): Ibis's own path goes through pandas.
                self.spark.createDataFrame(op.data.to_pyarrow(op.schema)).createOrReplaceTempView(op.name)
                self._views.append(op.name)
        return str(self.con.compile(expr))

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        self._materialized += 1
        name = f"__andmesh_m{self._materialized}"
        frame = self.spark.sql(self._compiled(expr)).cache()
        frame.count()
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)
        self._views.append(name)
        return self.con.table(name)

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        import pyarrow as pa

        result = self.con.to_pyarrow(expr)
        if isinstance(result, pa.Table):
            return result
        return pa.table({"value": [result.as_py() if hasattr(result, "as_py") else result]})

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        for view in self._views:
            self.spark.catalog.dropTempView(view)
        self._cached.clear()
        self._views.clear()
        if self._token is not None:
            try:
                _CURRENT.reset(self._token)
            except ValueError:  # closed in another context, or out of order: just not current
                if _CURRENT.get() is self:
                    _CURRENT.set(None)
            self._token = None


class SparkEngine(Distributed, ChecksInputFiles, ReadsJson):
    name = "spark"

    def __init__(self, master: str | None = None) -> None:
        self.master = master or spark_conf.master_from_env()

    def session(self) -> SparkEngineSession:
        shared = spark_conf.shared_session(self.master)
        if spark_conf.is_connect(self.master):
            from pyspark.sql import SparkSession

            # A Connect client makes a fresh server-side session per `create()`.
            return SparkEngineSession(SparkSession.builder.remote(self.master).create())
        return SparkEngineSession(shared.newSession())


# The schema Spark inferred for a set of Parquet files, by the files' identity (device, inode, size,
# modification time: a published version is the staged files renamed, so a product's output is
# inferred once, when its checks read it, and no more when its consumers and the checks of
# their relationships read it). Spark infers a Parquet schema with a job of its own.
_SCHEMAS: dict[tuple[tuple[int, int, int, int], ...], str] = {}
_SCHEMAS_KEPT = 4096
_SCHEMAS_LOCK = threading.Lock()


def _read_parquet(reader: Any, paths: list[str]) -> DataFrame:
    from pyspark.sql.types import StructType

    try:
        stats = [os.stat(p) for p in paths]
    except OSError:
        return reader.parquet(*paths)  # not on this host (a cluster's paths): Spark reads it
    key = tuple(sorted((s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns) for s in stats))
    known = _SCHEMAS.get(key)
    if known is not None:
        schema = StructType.fromJson(json.loads(known))
        return reader.schema(schema).parquet(*paths)
    frame = reader.parquet(*paths)
    schema_json = frame.schema.json()
    with _SCHEMAS_LOCK:  # sessions of several threads (the service) share it
        if len(_SCHEMAS) >= _SCHEMAS_KEPT:
            _SCHEMAS.pop(next(iter(_SCHEMAS)))
        _SCHEMAS[key] = schema_json
    return frame


def _footers_readable(paths: list[str]) -> bool:
    """Whether pyarrow reads every file's Parquet footer on this host (False: let Spark say why)."""
    import pyarrow.parquet as pq

    try:
        for path in paths:
            pq.read_metadata(path)
    except Exception:
        return False
    return True


def _rows(frame: DataFrame) -> list[dict[str, Any]]:
    """Rows as Python values the way DuckDB gives them (instants as aware UTC datetimes)."""
    return list(frame.toArrow().to_pylist())


def _all_nullable(frame: DataFrame) -> DataFrame:
    """``frame`` with every column nullable, as DuckDB writes Parquet (``spark_types.as_nullable``).

    A union's column is nullable when either side's is, and Spark keeps the union with an empty
    frame of the nullable schema (a cast or ``DataFrame.to`` cannot widen nullability: the
    optimizer proves the column non-null again). Frames already nullable are left alone.
    """
    wanted = as_nullable(frame.schema)
    if wanted == frame.schema:
        return frame
    return frame.unionByName(frame.sparkSession.createDataFrame([], wanted))


def _to_spark(query: str, dialect: str) -> str:
    if dialect == DIALECT:
        return query
    return sqlglot.transpile(query, read=dialect, write=DIALECT)[0]


def _local_path(uri: str) -> str:
    return uri.removeprefix("file://") if uri.startswith("file:///") else uri


def _starts_with_bracket(path: str) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip()
    return head.startswith(b"[")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().split("\n", 1)[0]
    return text[:300]
