"""What an engine can do beyond the common interface, declared the Ibis way: small mixins.

An engine class lists the capabilities it has among its bases (``class SparkEngine(Distributed,
ChecksInputFiles)``); code that needs one asks :func:`supports` or :func:`require`, never the
engine's name. A missing capability is a clear :class:`~andmesh.errors.EngineError` naming
the engine, the feature and what to do, not an engine's stack trace halfway through a run.

>>> class Toy(ReadsJson):
...     name = "toy"
>>> supports(Toy(), ReadsJson), supports(Toy(), LocksFileAccess)
(True, False)
>>> require(Toy(), LocksFileAccess, "running user SQL sealed")
Traceback (most recent call last):
...
andmesh.errors.EngineError: engine `toy` cannot do this: running user SQL sealed (it does not lock file access)
  fix: run it on an engine that can (`--engine duckdb`), or see docs/engines.md for the known gaps
"""

from __future__ import annotations

from typing import Any

from andmesh.errors import EngineError


class Capability:
    """A feature some engines have; subclasses say which in one sentence (``what``)."""

    what = ""


class LocksFileAccess(Capability):
    """The engine itself can be locked so a query reads only the files bound to the session and
    writes only to the staging folder (DuckDB: ``allowed_paths``, ``lock_configuration``)."""

    what = "lock file access"


class ChecksInputFiles(Capability):
    """Before user SQL runs, the engine lists every file its plan reads, and the session refuses
    a plan that reads anything but the bound inputs (Spark: ``DataFrame.inputFiles()``)."""

    what = "check the files a query reads"


class ReadsJson(Capability):
    """Sources in JSON (newline-delimited records or one array of records)."""

    what = "read JSON sources"


class Distributed(Capability):
    """Work runs on executors that may be other machines: every file the engine reads or writes
    must be reachable from all of them (a shared file system or an object store)."""

    what = "run on a cluster"


class WritesQueryParquet(Capability):
    """A guarded SQL query, cast to its contract's columns, is written to Parquet by the engine's
    own statement (``session.write_query_parquet``), with no expression layer in between."""

    what = "write a SQL query's result to Parquet directly"


# DuckDB's engine module is another engineer's; until it lists its capabilities among its bases,
# they are recorded here (and held to the engine by tests/engine/conformance).
_DECLARED: dict[str, tuple[type[Capability], ...]] = {
    "duckdb": (LocksFileAccess, ReadsJson, WritesQueryParquet)
}


def supports(engine: Any, capability: type[Capability]) -> bool:
    """Whether ``engine`` (an engine or one of its sessions) has ``capability``."""
    if isinstance(engine, capability):
        return True
    return capability in _DECLARED.get(str(getattr(engine, "name", getattr(engine, "dialect", ""))), ())


def require(engine: Any, capability: type[Capability], feature: str) -> None:
    """Raise a clear :class:`EngineError` unless ``engine`` has ``capability``."""
    if supports(engine, capability):
        return
    name = getattr(engine, "name", None) or getattr(engine, "dialect", "?")
    raise EngineError(
        f"engine `{name}` cannot do this: {feature} (it does not {capability.what})",
        hint="run it on an engine that can (`--engine duckdb`), or see docs/engines.md for the known gaps",
    )
