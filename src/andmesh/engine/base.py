"""The engine seam: what andmesh needs from a table engine, and nothing more.

Ibis is the pipeline's expression layer; an engine supplies a backend connection per
product build (so input names never collide between products), reads files, and writes
Parquet without pulling data through Python. The contract checks speak SQL built with
sqlglot and rendered in the session's ``dialect`` (``bind``/``columns``/``fetch``), so
checking a contract never imports Ibis or pyarrow.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa


class EngineSession(Protocol):
    """An isolated namespace on an engine for building or checking one product."""

    dialect: str  # sqlglot's name for the engine's SQL

    def bind(self, name: str, files: list[str], file_format: str) -> None:
        """Expose files as a table called ``name``, without Ibis."""
        ...

    def columns(self, relation: str) -> list[tuple[str, str, bool]]:
        """Name, engine type (as the engine spells it) and nullability of each column of a
        table name or a parenthesised SELECT."""
        ...

    def fetch(self, query: str) -> list[dict[str, Any]]:
        """The rows of a query the platform built, as Python values."""
        ...

    def fetch_user(self, query: str) -> list[dict[str, Any]]:
        """The rows of user SQL (already guarded): the session seals itself first."""
        ...

    def arrow_user(self, query: str, dialect: str) -> pa.Table:
        """The result of user SQL (already guarded) written in ``dialect``, as Arrow, without Ibis:
        the session seals itself first and runs the query in its own dialect (sqlglot)."""
        ...

    def temp_table(self, query: str) -> str:
        """Compute ``query`` once into a temporary table of this session; its quoted name."""
        ...

    def register(self, name: str, files: list[str], file_format: str) -> ibis.Table:
        """Expose files as a table called ``name`` (for SQL pipelines)."""
        ...

    def bind_arrow(self, name: str, table: pa.Table) -> None:
        """Expose an in-memory table as ``name`` (copied into the session), without Ibis."""
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
