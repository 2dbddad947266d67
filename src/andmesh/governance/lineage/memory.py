"""A workspace's memory of the column lineage it has derived (and of its sources' columns),
so a re-run does not derive it again.

Tracing a pipeline's columns (sqlglot: parse, qualify, walk every scope) costs ~50 ms a
query; a run emits the lineage of every product it looked at, up to date or not, so a
no-op run of the reference mesh spent most of its lineage time re-deriving what it knew.

Like the spec cache (:mod:`andmesh.spec.cache`) it is an optimisation, never a source of
truth: an entry is found by the hash of the query, the input schemas and the dialect; the
file is stamped with the versions of andmesh and sqlglot and with the code that derives
lineage, and signed with a workspace key (HMAC-SHA256); a file that fails any of these is
ignored as if absent, and rewritten.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from andmesh.governance.lineage.columns import ColumnLineage, SourceColumn
from andmesh.security import signed_file

FORMAT = 1
MAX_ENTRIES = 1024  # the reference meshes have ~20 SQL pipelines
FILE = Path("cache") / "column-lineage.json"  # under the workspace root, beside specs.json


@cache
def code_stamp() -> str:
    here = Path(__file__).resolve()
    code = (here.parent / "columns.py", here.parent / "sources.py", here)
    return signed_file.code_stamp(FORMAT, ("andmesh", "sqlglot", "pyarrow"), code)


def query_key(sql: str, schemas: Any, dialect: str) -> str:
    """The entry of ``sql`` read over ``schemas`` ({table: {column: type}}) in ``dialect``."""
    frozen = sorted((t, sorted(cols.items())) for t, cols in schemas.items())
    return hashlib.sha256(json.dumps([sql, frozen, dialect]).encode("utf-8", "surrogatepass")).hexdigest()


class LineageMemory:
    """Column lineage by query, kept in one signed JSON file of the workspace."""

    def __init__(self, file: Path | None, key: bytes) -> None:
        self.file = file
        self._key = key
        self._entries: dict[str, dict[str, Any]] = {}
        self._used: set[str] = set()
        self._dirty = False
        if file is not None:
            self._load(file)

    def _load(self, file: Path) -> None:
        data = signed_file.read_signed_json(file, self._key, code_stamp())
        if data is not None and isinstance(data.get("entries"), dict):
            self._entries = {k: v for k, v in data["entries"].items() if isinstance(v, dict)}

    def get(self, key: str) -> ColumnLineage | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            found = ColumnLineage(
                fields={
                    name: [SourceColumn(*s) for s in sources] for name, sources in entry["fields"].items()
                },
                dataset=[SourceColumn(*s) for s in entry["dataset"]],
                problems=[str(p) for p in entry["problems"]],
            )
        except (KeyError, TypeError, AttributeError):
            return None
        self._used.add(key)
        return found

    def put(self, key: str, lineage: ColumnLineage) -> None:
        self._entries[key] = {
            "fields": {
                name: [[s.table, s.column, s.type, s.subtype] for s in sources]
                for name, sources in lineage.fields.items()
            },
            "dataset": [[s.table, s.column, s.type, s.subtype] for s in lineage.dataset],
            "problems": list(lineage.problems),
        }
        self._used.add(key)
        self._dirty = True

    def schema(self, key: str) -> dict[str, str] | None:
        """The columns of a source file remembered under ``key`` (see ``sources.source_schemas``)."""
        entry = self._entries.get(key)
        try:
            found = {str(name): str(kind) for name, kind in entry["columns"]} if entry else None
        except (KeyError, TypeError, ValueError):
            return None
        if found is not None:
            self._used.add(key)
        return found

    def put_schema(self, key: str, columns: dict[str, str]) -> None:
        self._entries[key] = {"columns": [[name, kind] for name, kind in columns.items()]}
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        """Write the file if it learnt something; a failure to write is not an error."""
        if self.file is None or not self._dirty:
            return
        entries = self._entries
        if len(entries) > MAX_ENTRIES:  # keep what this run used
            entries = {k: v for k, v in entries.items() if k in self._used}
        signed_file.write_signed_json(self.file, self._key, {"stamp": code_stamp(), "entries": entries})
        self._dirty = False


def workspace_memory(root: Path) -> LineageMemory | None:
    """The memory of the workspace at ``root``, or None where it has no key yet (or cannot be read)."""
    from andmesh.errors import AndmeshError
    from andmesh.security.keys import workspace_key

    try:
        key = workspace_key(root, "lineage-cache", create=False)
    except (AndmeshError, OSError):
        return None
    return LineageMemory(root / FILE, key)
