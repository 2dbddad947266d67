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

    def register_arrow(self, name: str, table: pa.Table) -> ibis.Table:
        """Expose an in-memory table as ``name`` (copied into the session)."""
        ...

    def seal(self, writable: Path | None = None) -> None:
        """Confine the session before user SQL runs on it: from now on it can reach the
        bound inputs (and ``writable``, the folder the platform writes its output to) and
        nothing else, and nothing more can be bound. Idempotent."""
        ...

    def sql(self, query: str, dialect: str) -> ibis.Table:
        """A lazy table expression for a SELECT over registered tables.

        User SQL comes through here: the session seals itself first if it is not sealed.
        """
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
