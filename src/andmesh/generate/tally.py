"""Counts of what was planted (variations, defects, gaps), summed over blocks.

Each entry is keyed by (table, column, kind) and counts affected rows out of the
rows considered, so the truth files can state exact counts and rates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Entry:
    """Affected ``count`` out of ``rows`` considered, with a free-text description."""

    table: str
    column: str
    kind: str
    description: str
    count: int = 0
    rows: int = 0

    @property
    def rate(self) -> float:
        return self.count / self.rows if self.rows else 0.0


@dataclass
class Tally:
    """An ordered collection of :class:`Entry`, merged across blocks."""

    entries: dict[tuple[str, str, str], Entry] = field(default_factory=dict)

    def add(
        self, table: str, column: str, kind: str, count: int | np.integer, rows: int, description: str
    ) -> None:
        key = (table, column, kind)
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = Entry(table, column, kind, description)
        entry.description = entry.description or description
        entry.count += int(count)
        entry.rows += int(rows)

    def merge(self, other: Tally) -> None:
        for entry in other.entries.values():
            self.add(entry.table, entry.column, entry.kind, entry.count, entry.rows, entry.description)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())
