"""The warehouse's write-ahead journal: what a run is about to write, before it writes it.

Repair deletes a file only when it can prove this workspace wrote it and never committed
it. The proof is this journal: a run records a folder (its staging area, a version folder)
*before* creating it, and forgets the record once the run has settled. A record left
behind names exactly what a crashed run may have left; anything else in the warehouse —
a file someone copied in, a version of another catalog — is never deleted, only reported
by ``andmesh doctor``.

Records hold paths relative to the warehouse, so a copied workspace repairs its own copy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from andmesh.workspace import OWNER_ONLY_DIR

FOLDER = "_journal"


@dataclass(frozen=True)
class Entry:
    run_id: str
    kind: str  # "staging" | "version"
    path: str  # relative to the warehouse root
    table_id: str | None = None


class Journal:
    def __init__(self, warehouse_root: Path) -> None:
        self.root = warehouse_root
        self.folder = warehouse_root / FOLDER

    def _file(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.jsonl"

    def record(self, run_id: str, kind: str, path: Path, table_id: str | None = None) -> None:
        """Durably note that ``run_id`` is about to write ``path`` (inside the warehouse)."""
        relative = path.resolve().relative_to(self.root.resolve())
        self.folder.mkdir(exist_ok=True, mode=OWNER_ONLY_DIR)
        line = json.dumps({"kind": kind, "path": relative.as_posix(), "table": table_id}) + "\n"
        with self._file(run_id).open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def entries(self) -> list[Entry]:
        """Every record of every run not yet settled, oldest run first."""
        if not self.folder.is_dir():
            return []
        found = []
        for file in sorted(self.folder.glob("*.jsonl")):
            for line in file.read_text(encoding="utf-8").splitlines():
                try:
                    data = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a record cut short by the crash: its folder was never created
                found.append(Entry(file.stem, data["kind"], data["path"], data.get("table")))
        return found

    def runs(self) -> list[str]:
        return sorted(f.stem for f in self.folder.glob("*.jsonl")) if self.folder.is_dir() else []

    def forget(self, run_id: str) -> None:
        self._file(run_id).unlink(missing_ok=True)

    def resolve(self, entry: Entry) -> Path | None:
        """The recorded path in this warehouse; None if the record points outside it."""
        path = (self.root / entry.path).resolve()
        return path if path.is_relative_to(self.root.resolve()) and path != self.root.resolve() else None
