"""What each score method reads: named input tables, their columns and types.

A method declares its inputs as :class:`Column` lists per table role (``features``,
``transactions``, ``labels``…). A Score spec maps a data product's columns onto these
names; :func:`bind` applies that mapping and checks presence and type, failing with a
:class:`ScoreInputError` that names the table, the column, what was expected and a fix.

>>> import pyarrow as pa
>>> cols = (Column("customer_id", "id"), Column("dbt", "numeric"))
>>> t = pa.table({"cid": ["a"], "dbt": [3.0]})
>>> bind(t, cols, "features", {"customer_id": "cid"}).column_names
['customer_id', 'dbt']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from andmesh.errors import UsageError
from andmesh.spec.suggest import hint_for

Kind = Literal["id", "numeric", "count", "date", "category", "flag"]

#: What each kind accepts, said the way a user reads it.
KIND_TYPES: dict[str, str] = {
    "id": "string or integer",
    "numeric": "integer or floating point",
    "count": "integer (or floating point holding whole numbers)",
    "date": "date or timestamp",
    "category": "string, integer or boolean",
    "flag": "boolean or 0/1 integer",
}


class ScoreInputError(UsageError):
    """An input table of a score method lacks a column or has it with the wrong type."""

    def __init__(
        self,
        message: str,
        *,
        table: str,
        column: str,
        expected: str | None = None,
        actual: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.table = table
        self.column = column
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class Column:
    """One input column of a method: its name, kind, whether required, and meaning."""

    name: str
    kind: Kind
    description: str = ""
    required: bool = True


def _accepts(kind: str, dtype: pa.DataType) -> bool:
    t = pa.types
    numeric = t.is_integer(dtype) or t.is_floating(dtype) or t.is_decimal(dtype)
    if kind == "id":
        return t.is_string(dtype) or t.is_large_string(dtype) or t.is_integer(dtype)
    if kind in ("numeric", "count"):
        return bool(numeric) or t.is_null(dtype)
    if kind == "date":
        return t.is_date(dtype) or t.is_timestamp(dtype)
    if kind == "category":
        return t.is_string(dtype) or t.is_large_string(dtype) or t.is_integer(dtype) or t.is_boolean(dtype)
    if kind == "flag":
        return t.is_boolean(dtype) or t.is_integer(dtype)
    raise ValueError(f"unknown column kind {kind!r}")


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary-encoded columns decoded, so types are checked on their values."""
    columns = [
        c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.itercolumns()
    ]
    return pa.table(columns, names=table.column_names)


def bind(
    table: pa.Table,
    columns: Sequence[Column],
    role: str,
    mapping: Mapping[str, str] | None = None,
    *,
    extra: Iterable[Column] = (),
) -> pa.Table:
    """The method's view of ``table``: its input columns, renamed and type-checked.

    ``mapping`` maps a method input name to the table's column name (identity for
    names it does not list). Optional columns absent from the table are left out.
    Raises :class:`ScoreInputError` for a missing required column or a wrong type.
    """
    mapping = dict(mapping or {})
    wanted = [*columns, *extra]
    unknown = set(mapping) - {c.name for c in wanted}
    if unknown:
        name = sorted(unknown)[0]
        raise ScoreInputError(
            f"{role}: `{name}` is not an input of this method",
            table=role,
            column=name,
            hint=hint_for(name, [c.name for c in wanted], "inputs"),
        )
    table = _plain(table)
    arrays: list[pa.ChunkedArray] = []
    names: list[str] = []
    for col in wanted:
        source = mapping.get(col.name, col.name)
        if source not in table.column_names:
            if not col.required:
                continue
            mapped = f" (mapped from `{col.name}`)" if source != col.name else ""
            raise ScoreInputError(
                f"{role}: column `{source}`{mapped} is missing; the method needs it as {col.kind}"
                + (f" — {col.description}" if col.description else ""),
                table=role,
                column=source,
                expected=KIND_TYPES[col.kind],
                hint=hint_for(source, table.column_names, "columns")
                or f"map `{col.name}` onto one of the table's columns",
            )
        data = table.column(source)
        if not _accepts(col.kind, data.type):
            raise ScoreInputError(
                f"{role}: column `{source}` is {data.type}, expected {KIND_TYPES[col.kind]} ({col.kind})",
                table=role,
                column=source,
                expected=KIND_TYPES[col.kind],
                actual=str(data.type),
                hint=f"cast `{source}` to {KIND_TYPES[col.kind]} in the product, or map another column",
            )
        arrays.append(data)
        names.append(col.name)
    return pa.table(arrays, names=names)


def floats(table: pa.Table, name: str) -> np.ndarray:
    """Column ``name`` as float64, nulls as NaN."""
    col = table.column(name)
    if pa.types.is_boolean(col.type):
        col = col.cast(pa.int8())
    return np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def days(table: pa.Table, name: str) -> np.ndarray:
    """Date or timestamp column ``name`` as days since 1970-01-01 (float, NaN for nulls)."""
    col = table.column(name)
    if pa.types.is_timestamp(col.type):
        col = pc.cast(col, pa.timestamp("us", tz=col.type.tz)).cast(pa.int64())
        values = col.cast(pa.float64()).to_numpy(zero_copy_only=False) / 86_400_000_000.0
        return np.floor(np.asarray(values, dtype=np.float64))
    return np.asarray(col.cast(pa.int32()).cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64)


def ids(table: pa.Table, name: str = "customer_id") -> pa.Array:
    """The id column as one string array."""
    col = table.column(name).combine_chunks()
    return col if pa.types.is_string(col.type) else col.cast(pa.string())


def require_unique(keys: pa.Array, role: str, name: str = "customer_id") -> None:
    """Fail when a per-customer table has a customer twice."""
    if pc.count_distinct(keys).as_py() != len(keys):
        counts = pc.value_counts(keys)
        dup = next(v["values"] for v in counts.to_pylist() if v["counts"] > 1)
        raise ScoreInputError(
            f"{role}: `{name}` must be unique per row; `{dup}` appears more than once",
            table=role,
            column=name,
            hint="aggregate the table to one row per customer first",
        )


def factorize(keys: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Integer codes 0..k-1 of ``keys`` and the k distinct keys (first-seen order).

    >>> codes, uniq = factorize(pa.array(["b", "a", "b"]))
    >>> codes.tolist(), uniq.to_pylist()
    ([0, 1, 0], ['b', 'a'])
    """
    encoded = pc.dictionary_encode(keys).combine_chunks() if isinstance(keys, pa.ChunkedArray) else None
    if encoded is None:
        encoded = pc.dictionary_encode(keys)
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), np.int64), encoded.dictionary


__all__ = [
    "KIND_TYPES",
    "Column",
    "ScoreInputError",
    "bind",
    "days",
    "factorize",
    "floats",
    "ids",
    "require_unique",
]
