"""Shape a pipeline's output into its contract: contract columns, canonical types.

Only casts within a type family (int32 → int64, float → double, integral decimal →
int64) are applied; a column of the wrong family is left alone so the gate's type
check fails on it, rather than a cast hiding the problem.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from andmesh.spec.mesh import Contract


def canonical_type(logical: str | None, dtype: dt.DataType) -> dt.DataType | None:
    """The type a column is published with, or None to keep it as it is.

    >>> str(canonical_type("integer", dt.int32))
    'int64'
    >>> str(canonical_type("number", dt.Decimal(38, 0)))
    'float64'
    >>> canonical_type("integer", dt.string) is None
    True
    """
    if logical == "integer" and (dtype.is_integer() or (dtype.is_decimal() and dtype.scale == 0)):
        return dt.int64 if dtype != dt.int64 else None
    if logical == "number" and dtype.is_numeric():
        return dt.float64 if dtype != dt.float64 else None
    if dtype.is_unsigned_integer():
        return dt.int64
    return None


def conform(expr: ibis.Table, contract: Contract) -> tuple[ibis.Table, list[str]]:
    """Select the contract's columns in contract order; return the dropped extra columns."""
    wanted = [p for p in contract.properties if p.name in expr.columns]
    names = {p.name for p in contract.properties}
    extra = [c for c in expr.columns if c not in names]
    projections = []
    for prop in wanted:
        column = expr[prop.name]
        target = canonical_type(prop.logicalType, column.type())
        projections.append(column.cast(target).name(prop.name) if target is not None else column)
    # Missing contract columns are not invented: the gate reports them as failed.
    return expr.select(projections) if projections else expr, extra
