"""How much of the machine an engine may use: one setting for every DuckDB database of a run.

Each product build opens its own DuckDB database, and entity resolution one more; all of
them take their memory budget, spill folder and threads from here, so a run is bounded by
configuration rather than by what DuckDB guesses (80% of the machine's memory each).

``ANDMESH_MEMORY_LIMIT``    the budget of each DuckDB database (``6GB``, ``500MB``); beyond
                            it, sorts, joins and aggregates spill to disk: slower, not killed
``ANDMESH_TEMP_DIRECTORY``  where they spill (default: ``<system temp>/andmesh-spill``)
``ANDMESH_THREADS``         threads per database (default: DuckDB's, one per core)

>>> EngineConfig.from_env({"ANDMESH_MEMORY_LIMIT": "6 GB", "ANDMESH_THREADS": "2"}).memory_limit
'6GB'
>>> sorted(EngineConfig(memory_limit="1GB", temp_directory="/tmp/spill").duckdb().items())
[('memory_limit', '1GB'), ('temp_directory', '/tmp/spill')]
>>> EngineConfig().duckdb()
{}
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from andmesh.errors import UsageError

MEMORY_LIMIT = "ANDMESH_MEMORY_LIMIT"
TEMP_DIRECTORY = "ANDMESH_TEMP_DIRECTORY"
THREADS = "ANDMESH_THREADS"

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
            spill = self.temp_directory or str(Path(tempfile.gettempdir()) / "andmesh-spill")
            config["temp_directory"] = spill
        elif self.temp_directory:
            config["temp_directory"] = self.temp_directory
        return config
