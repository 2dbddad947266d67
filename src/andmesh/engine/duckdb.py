"""The embedded default engine: Ibis on an in-process DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa

from andmesh.errors import DataFileError, EngineError


class DuckDBSession:
    """One in-memory DuckDB database per product build; cheap to open (~ms)."""

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.con = ibis.duckdb.connect(**config)
        self._materialized = 0

    def register(self, name: str, files: list[str], file_format: str) -> ibis.Table:
        if not files:
            raise EngineError(f"no files for `{name}`")
        readers = {"parquet": self.con.read_parquet, "csv": self.con.read_csv, "json": self.con.read_json}
        reader = readers.get(file_format)
        if reader is None:
            raise EngineError(
                f"unsupported file format `{file_format}` for `{name}`", hint="use parquet, csv or json"
            )
        try:
            table = reader(files, table_name=name)
            if file_format == "parquet" and len(files) > 1:
                # Only the first file is opened to bind the view; reading every footer
                # now (metadata only) finds a broken one before any query depends on it.
                self.con.con.execute("select count(*) from read_parquet($1)", [files]).fetchall()
            return table
        except duckdb.Error as exc:
            raise unreadable_file(reader, name, files, file_format, exc) from None

    def sql(self, query: str, dialect: str) -> ibis.Table:
        return self.con.sql(query, dialect=dialect)

    def write_parquet(self, expr: ibis.Table, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "part-00000.parquet"
        # DuckDB's COPY streams row groups to disk from its own threads: nothing is
        # materialised in Python, whatever the size of the output.
        self.con.to_parquet(expr, target, compression="zstd", row_group_size=122_880)
        return [target]

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        # A temporary table in this session's own in-memory database: it goes away with
        # the session. (Ibis's Table.cache() cannot drop its tables on DuckDB 1.5.)
        self._materialized += 1
        return self.con.create_table(f"__andmesh_m{self._materialized}", expr, temp=True)

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        result = self.con.to_pyarrow(expr)
        if isinstance(result, pa.Table):
            return result
        return pa.table({"value": [result.as_py() if hasattr(result, "as_py") else result]})

    def close(self) -> None:
        self.con.disconnect()


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.threads = threads
        self.memory_limit = memory_limit

    def session(self) -> DuckDBSession:
        return DuckDBSession(self.threads, self.memory_limit)


def unreadable_file(
    reader: Any, name: str, files: list[str], file_format: str, error: duckdb.Error
) -> DataFileError:
    """The input error for files the engine refused: which file, why, and what to do.

    With several files, each is tried alone so the message names the broken one.
    """
    culprit = files[0]
    if len(files) > 1:
        for file in files:
            try:
                reader([file], table_name=f"__andmesh_probe_{name}")
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
