"""The embedded default engine: Ibis on an in-process DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from andmesh.engine.config import EngineConfig
from andmesh.errors import EngineError


class DuckDBSession:
    """One in-memory DuckDB database per product build; cheap to open (~ms)."""

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        base = EngineConfig.from_env()
        config: dict[str, Any] = EngineConfig(
            memory_limit=memory_limit or base.memory_limit,
            temp_directory=base.temp_directory,
            threads=threads or base.threads,
        ).duckdb()
        self.con = ibis.duckdb.connect(**config)
        self._materialized = 0

    def register(self, name: str, files: list[str], file_format: str) -> ibis.Table:
        if not files:
            raise EngineError(f"no files for `{name}`")
        if file_format == "parquet":
            return self.con.read_parquet(files, table_name=name)
        if file_format == "csv":
            return self.con.read_csv(files, table_name=name)
        if file_format == "json":
            return self.con.read_json(files, table_name=name)
        raise EngineError(
            f"unsupported file format `{file_format}` for `{name}`", hint="use parquet, csv or json"
        )

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
