"""A column a check reads: a top-level column, or a field nested inside object columns.

ODCS describes an object column's fields as nested ``properties``; on the engine they
are struct fields (``address.city``), read in the same scan as the top-level columns.
A nested field counts as absent, not null, where an enclosing object is itself null:
``required`` on ``address.city`` asks that every address present has a city.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt_types


@dataclass(frozen=True)
class Column:
    """A path of names from a table's column down to a nested field."""

    path: tuple[str, ...]

    @property
    def name(self) -> str:
        """The dotted name used in check ids and samples: ``address.geo.lat``."""
        return ".".join(self.path)

    @property
    def nested(self) -> bool:
        return len(self.path) > 1

    def field(self, name: str) -> Column:
        return Column((*self.path, name))

    def of(self, table: ibis.Table) -> Any:
        """The column's value expression on ``table``."""
        expr: Any = table[self.path[0]]
        for name in self.path[1:]:
            expr = expr[name]
        return expr

    def enclosing_present(self, table: ibis.Table) -> Any | None:
        """True where every enclosing object is non-null (None for a top-level column)."""
        if not self.nested:
            return None
        expr: Any = table[self.path[0]]
        present = expr.notnull()
        for name in self.path[1:-1]:
            expr = expr[name]
            present = present & expr.notnull()
        return present

    def is_null(self, table: ibis.Table) -> Any:
        """Null where it should hold a value: inside present objects only, if nested."""
        null = self.of(table).isnull()
        present = self.enclosing_present(table)
        return null if present is None else present & null

    def dtype(self, columns: Mapping[str, dt_types.DataType]) -> tuple[dt_types.DataType | None, str | None]:
        """The field's type in the data, or None and why it is absent."""
        dtype = columns.get(self.path[0])
        if dtype is None:
            return None, f"column `{self.path[0]}` is missing from the data"
        for depth, name in enumerate(self.path[1:], start=1):
            parent = ".".join(self.path[:depth])
            if not dtype.is_struct():
                return None, f"`{parent}` is {dtype}, not an object with a field `{name}`"
            fields = dict(dtype.fields)
            if name not in fields:
                return None, f"object `{parent}` has no field `{name}` in the data"
            dtype = fields[name]
        return dtype, None
