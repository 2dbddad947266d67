"""A column a check reads: a top-level column, or a field nested inside object columns.

ODCS describes an object column's fields as nested ``properties``; on the engine they
are struct fields (``address.city``), read in the same scan as the top-level columns.
A nested field counts as absent, not null, where an enclosing object is itself null:
``required`` on ``address.city`` asks that every address present has a city.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from andmesh.quality.dtypes import DType
from andmesh.quality.sql import Relation, and_, is_null, not_null


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

    def of(self, table: Relation) -> exp.Expr:
        """The column's value expression on ``table``."""
        expr: exp.Expr = table.ref(self.path[0])
        for name in self.path[1:]:
            expr = exp.Dot(this=expr, expression=exp.to_identifier(name, quoted=True))
        return expr

    def enclosing_present(self, table: Relation) -> exp.Expr | None:
        """True where every enclosing object is non-null (None for a top-level column)."""
        if not self.nested:
            return None
        present = [Column(self.path[:depth]).of(table) for depth in range(1, len(self.path))]
        return and_(*[not_null(p) for p in present])

    def is_null(self, table: Relation) -> exp.Expr:
        """Null where it should hold a value: inside present objects only, if nested."""
        null = is_null(self.of(table))
        present = self.enclosing_present(table)
        return null if present is None else and_(present, null)

    def dtype(self, columns: Mapping[str, DType]) -> tuple[DType | None, str | None]:
        """The field's type in the data, or None and why it is absent."""
        dtype = columns.get(self.path[0])
        if dtype is None:
            return None, f"column `{self.path[0]}` is missing from the data"
        for depth, name in enumerate(self.path[1:], start=1):
            parent = ".".join(self.path[:depth])
            if not dtype.is_struct():
                return None, f"`{parent}` is {dtype}, not an object with a field `{name}`"
            fields = dtype.field_types()
            if name not in fields:
                return None, f"object `{parent}` has no field `{name}` in the data"
            dtype = fields[name]
        return dtype, None
