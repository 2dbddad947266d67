"""How much of the machine an engine may use: one setting for every DuckDB database of a run.

Each product build opens its own DuckDB database, and entity resolution one more; all of
them take their memory budget, spill folder and threads from here, so a run is bounded by
configuration rather than by what DuckDB guesses (80% of the machine's memory each).

``ANDMESH_MEMORY_LIMIT``    the budget of each DuckDB database (``6GB``, ``500MB``); beyond
                            it, sorts, joins and aggregates spill to disk: slower, not killed
``ANDMESH_TEMP_DIRECTORY``  where they spill (default: ``<system temp>/andmesh-spill``)
``ANDMESH_THREADS``         threads per database (default: DuckDB's, one per core)

Each database spills into a folder of its own inside that one (:func:`spill_folder`): DuckDB
deletes its temporary files when it closes, so two processes (or two databases of one
process) spilling into one folder would delete each other's files, and DuckDB makes the
folder only when it first spills and removes it when it closes.

>>> EngineConfig.from_env({"ANDMESH_MEMORY_LIMIT": "6 GB", "ANDMESH_THREADS": "2"}).memory_limit
'6GB'
>>> config = EngineConfig(memory_limit="1GB", temp_directory=tempfile.gettempdir()).duckdb()
>>> config["memory_limit"], Path(config["temp_directory"]).parent == Path(tempfile.gettempdir())
('1GB', True)
>>> EngineConfig().duckdb()
{}
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from andmesh.errors import UsageError

MEMORY_LIMIT = "ANDMESH_MEMORY_LIMIT"
TEMP_DIRECTORY = "ANDMESH_TEMP_DIRECTORY"
THREADS = "ANDMESH_THREADS"
SPILL_ROOT = "andmesh-spill"
SPILL_PREFIX = "db-"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


def parse_memory(text: str, *, where: str = MEMORY_LIMIT) -> str:
    """A memory size as DuckDB takes it (``6GB``, ``512MiB``); a clear error otherwise.

    >>> parse_memory("6 gb"), parse_memory("512MiB")
    ('6GB', '512MiB')
    """
    match = _SIZE.match(text)
    if match is None:
        raise UsageError(
            f"{where}: `{text}` is not a memory size",
            hint="give a number and a unit, for example ANDMESH_MEMORY_LIMIT=6GB or 500MB",
        )
    number, unit = match.groups()
    unit = unit.upper()
    return f"{number}{unit.replace('IB', 'iB')}"


@dataclass(frozen=True)
class EngineConfig:
    memory_limit: str | None = None
    temp_directory: str | None = None
    threads: int | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EngineConfig:
        env = os.environ if environ is None else environ
        memory = env.get(MEMORY_LIMIT, "").strip()
        threads_text = env.get(THREADS, "").strip()
        threads: int | None = None
        if threads_text:
            if not threads_text.isdigit() or int(threads_text) < 1:
                raise UsageError(
                    f"{THREADS}: `{threads_text}` is not a number of threads",
                    hint="give a whole number of at least 1, for example ANDMESH_THREADS=2",
                )
            threads = int(threads_text)
        return cls(
            memory_limit=parse_memory(memory) if memory else None,
            temp_directory=env.get(TEMP_DIRECTORY, "").strip() or None,
            threads=threads,
        )

    def duckdb(self) -> dict[str, str | int]:
        """The ``config`` of ``duckdb.connect``: a memory budget always comes with a spill folder."""
        config: dict[str, str | int] = {}
        if self.threads:
            config["threads"] = self.threads
        if self.memory_limit:
            config["memory_limit"] = self.memory_limit
            config["temp_directory"] = str(spill_folder(self.temp_directory))
        elif self.temp_directory:
            config["temp_directory"] = str(spill_folder(self.temp_directory))
        return config


def spill_folder(root: str | Path | None = None) -> Path:
    """A new, not yet existing folder for one DuckDB database to spill into, inside ``root``
    (default ``<system temp>/andmesh-spill``, made here if missing).

    DuckDB creates it on its first spill and deletes it, with its files, when the database
    closes; a database that never spills leaves nothing behind.

    >>> first, second = spill_folder(tempfile.gettempdir()), spill_folder(tempfile.gettempdir())
    >>> first != second and first.parent == second.parent and not first.exists()
    True
    """
    base = Path(root) if root else Path(tempfile.gettempdir()) / SPILL_ROOT
    base.mkdir(parents=True, exist_ok=True)
    return base / f"{SPILL_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
