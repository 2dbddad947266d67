"""The engine seam: what andmesh needs from a table engine, and nothing more.

Ibis is the expression layer; an engine supplies a backend connection per product
build (so input names never collide between products), reads files, and writes
Parquet without pulling data through Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import ibis
import pyarrow as pa


class EngineSession(Protocol):
    """An isolated namespace on an engine for building or checking one product."""

    def register(self, name: str, files: list[str], file_format: str) -> ibis.Table:
        """Expose files as a table called ``name`` (for SQL pipelines)."""
        ...

    def sql(self, query: str, dialect: str) -> ibis.Table:
        """A lazy table expression for a SELECT over registered tables."""
        ...

    def write_parquet(self, expr: ibis.Table, folder: Path) -> list[Path]:
        """Evaluate ``expr`` on the engine and write it as Parquet under ``folder``."""
        ...

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        """Compute ``expr`` once into a temporary table the session can query again."""
        ...

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        """Execute a small result (aggregates, samples) into Arrow."""
        ...

    def close(self) -> None: ...


class Engine(Protocol):
    name: str

    def session(self) -> EngineSession: ...
