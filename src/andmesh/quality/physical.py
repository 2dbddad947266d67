"""``physicalType``: parse it, and say whether a column's type honours it."""

from __future__ import annotations

import ibis.expr.datatypes as dt
from ibis.backends.sql.datatypes import DuckDBType


def parse_physical(text: str) -> dt.DataType | None:
    """The type a ``physicalType`` names, or None when it is not a SQL type we know.

    >>> str(parse_physical("varchar(18)")), str(parse_physical("decimal(12,2)"))
    ('string', 'decimal(12, 2)')
    >>> parse_physical("table") is None
    True
    """
    try:
        parsed = DuckDBType.from_string(text.strip())
    except Exception:
        return None
    return None if parsed.is_unknown() else parsed


def honours(actual: dt.DataType, physical: dt.DataType) -> bool:
    """Whether data typed ``actual`` fits a column declared ``physical``.

    Integers fit a type at least as wide, decimals one with the same scale and at least
    the precision; a timestamp with a time zone is not one without.

    >>> honours(dt.int32, dt.int64), honours(dt.int64, dt.int32)
    (True, False)
    >>> honours(dt.Decimal(10, 2), dt.Decimal(12, 2)), honours(dt.float64, dt.Decimal(12, 2))
    (True, False)
    >>> honours(dt.Timestamp(timezone="UTC"), dt.Timestamp())
    False
    """
    if actual.is_integer() and physical.is_integer():
        return bool(
            actual.nbytes <= physical.nbytes and actual.is_signed_integer() == physical.is_signed_integer()
        )
    if actual.is_floating() and physical.is_floating():
        return bool(actual.nbytes <= physical.nbytes)
    if actual.is_decimal() and physical.is_decimal():
        a, p = actual, physical
        return bool(a.scale == p.scale and (a.precision or 38) <= (p.precision or 38))
    if actual.is_timestamp() and physical.is_timestamp():
        return (actual.timezone is None) == (physical.timezone is None)
    if actual.is_string() and physical.is_string():
        return True  # lengths are `maxLength`'s job
    return type(actual) is type(physical)
