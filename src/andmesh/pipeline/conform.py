"""Shape a pipeline's output into its contract: contract columns, canonical types.

Only casts that keep every value exact are applied (int32 → int64, float → double,
integral decimal → int64, an integer or a decimal of the same scale → the declared
decimal); a column of the wrong family is left alone so the gate's type check fails on
it, rather than a cast hiding the problem. In particular a float is never made a
decimal: money that went through a float has already lost its cents' exactness, and the
gate says so.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from andmesh.quality.physical import parse_physical
from andmesh.spec.mesh import Contract


def canonical_type(
    logical: str | None, dtype: dt.DataType, physical: str | None = None
) -> dt.DataType | None:
    """The type a column is published with, or None to keep it as it is.

    A ``physicalType`` of the same family wins (``decimal(12,2)`` for a decimal or an
    integer); otherwise integers become int64, floats float64, and decimals stay decimal.

    >>> str(canonical_type("integer", dt.int32))
    'int64'
    >>> str(canonical_type("number", dt.float32)), str(canonical_type("number", dt.Decimal(15, 2)))
    ('float64', 'None')
    >>> canonical_type("integer", dt.string) is None
    True
    >>> str(canonical_type("number", dt.Decimal(38, 2), "decimal(12,2)"))
    'decimal(12, 2)'
    >>> canonical_type("number", dt.float64, "decimal(12,2)") is None  # the gate refuses it
    True
    """
    declared = parse_physical(physical) if physical else None
    if declared is not None and declared.is_decimal():
        return _to_decimal(dtype, declared)
    if declared is not None and declared != dtype and _same_family(declared, dtype):
        return declared
    if logical == "integer" and (dtype.is_integer() or (dtype.is_decimal() and dtype.scale == 0)):
        return dt.int64 if dtype != dt.int64 else None
    if logical == "number" and (dtype.is_integer() or dtype.is_floating()):
        return dt.float64 if dtype != dt.float64 else None
    if dtype.is_unsigned_integer():
        return dt.int64
    return None


def _to_decimal(dtype: dt.DataType, declared: dt.DataType) -> dt.DataType | None:
    """The declared decimal, when casting ``dtype`` to it changes no value's digits.

    A decimal of the same or a smaller scale, or an integer, is cast (a value with more
    integer digits than the declared precision allows makes the engine refuse the cast,
    naming the value); a float or a decimal with more fractional digits is left for the
    gate to refuse, since the cast would round.

    >>> str(_to_decimal(dt.Decimal(38, 2), dt.Decimal(15, 2))), str(_to_decimal(dt.int32, dt.Decimal(15, 2)))
    ('decimal(15, 2)', 'decimal(15, 2)')
    >>> _to_decimal(dt.Decimal(18, 4), dt.Decimal(15, 2)) is None, _to_decimal(dt.float64, dt.Decimal(15, 2))
    (True, None)
    """
    assert isinstance(declared, dt.Decimal)
    if dtype == declared:
        return None
    if isinstance(dtype, dt.Decimal) and (dtype.scale or 0) <= (declared.scale or 0):
        return declared
    if dtype.is_integer():
        return declared
    return None


def _same_family(a: dt.DataType, b: dt.DataType) -> bool:
    if a.is_numeric() and b.is_numeric():
        return True
    return type(a) is type(b)


def conform(expr: ibis.Table, contract: Contract) -> tuple[ibis.Table, list[str]]:
    """Select the contract's columns in contract order; return the dropped extra columns."""
    wanted = [p for p in contract.properties if p.name in expr.columns]
    names = {p.name for p in contract.properties}
    extra = [c for c in expr.columns if c not in names]
    projections = []
    for prop in wanted:
        column = expr[prop.name]
        target = canonical_type(prop.logicalType, column.type(), prop.physicalType)
        projections.append(column.cast(target).name(prop.name) if target is not None else column)
    # Missing contract columns are not invented: the gate reports them as failed.
    return expr.select(projections) if projections else expr, extra


# What :func:`conform_columns` casts to without Ibis: types whose cast Ibis renders as a plain
# ``CAST(… AS <type>)`` on DuckDB (it writes some others — intervals, numbers to timestamps —
# as functions).
_PLAIN_CASTS = (dt.Integer, dt.Floating, dt.Decimal, dt.String, dt.Date, dt.Timestamp, dt.Boolean)


def conform_columns(
    columns: list[tuple[str, str, bool]], contract: Contract
) -> tuple[list[tuple[str, str | None]], list[str]] | None:
    """:func:`conform` for a query whose columns are known (name, DuckDB type, nullable), in SQL:
    the columns to select in contract order, each with the DuckDB type to cast it to (None: as it
    is), and the dropped extra columns. An empty selection means every column, as :func:`conform`
    keeps the table when no contract column is there. None when a cast is not a plain one.

    """
    from ibis.backends.sql.datatypes import DuckDBType

    types = {
        name: DuckDBType.from_string(engine_type, nullable=nullable)
        for name, engine_type, nullable in columns
    }
    names = {p.name for p in contract.properties}
    extra = [name for name, _, _ in columns if name not in names]
    selected: list[tuple[str, str | None]] = []
    for prop in contract.properties:
        if prop.name not in types:
            continue
        target = canonical_type(prop.logicalType, types[prop.name], prop.physicalType)
        if target is not None and not isinstance(target, _PLAIN_CASTS):
            return None
        selected.append((prop.name, DuckDBType.to_string(target) if target is not None else None))
    return selected, extra
