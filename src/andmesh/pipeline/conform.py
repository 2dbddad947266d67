"""Shape a pipeline's output into its contract: contract columns, canonical types.

Only casts within a type family (int32 → int64, float → double, integral decimal →
int64) are applied; a column of the wrong family is left alone so the gate's type
check fails on it, rather than a cast hiding the problem.
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

    A ``physicalType`` of the same family wins (``decimal(12,2)`` for a number);
    otherwise integers become int64 and numbers float64.

    >>> str(canonical_type("integer", dt.int32))
    'int64'
    >>> str(canonical_type("number", dt.Decimal(38, 0)))
    'float64'
    >>> canonical_type("integer", dt.string) is None
    True
    >>> str(canonical_type("number", dt.float64, "decimal(12,2)"))
    'decimal(12, 2)'
    """
    declared = parse_physical(physical) if physical else None
    if declared is not None and declared != dtype and _same_family(declared, dtype):
        return declared
    if logical == "integer" and (dtype.is_integer() or (dtype.is_decimal() and dtype.scale == 0)):
        return dt.int64 if dtype != dt.int64 else None
    if logical == "number" and dtype.is_numeric():
        return dt.float64 if dtype != dt.float64 else None
    if dtype.is_unsigned_integer():
        return dt.int64
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
