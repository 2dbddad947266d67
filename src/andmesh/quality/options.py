"""Checks of a property's ``logicalTypeOptions``: ranges, pattern, lengths, format, multipleOf.

NaN is not a number in any range: it fails ``minimum`` and ``maximum`` alike (engines
order NaN above every number, so a plain comparison would let it through a minimum),
and it is not a multiple of anything. Infinities are compared as the numbers they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.datatypes as dt_types

from andmesh.quality.columns import Column
from andmesh.quality.plan import PlannedCheck, decided
from andmesh.quality.results import CheckStatus

RANGE_OPTIONS = {
    "minimum": "<",
    "exclusiveMinimum": "<=",
    "maximum": ">",
    "exclusiveMaximum": ">=",
}
# Regular expressions for `logicalTypeOptions.format` on string columns.
FORMATS = {
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "uri": r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$",
    "url": r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+$",
    "hostname": r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
    "ipv4": r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$",
    "date": r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
    "date-time": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$",
    "time": r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$",
}
EVALUATED_OPTIONS = {*RANGE_OPTIONS, "pattern", "minLength", "maxLength", "format", "multipleOf"}


def option_check(obj: str, column: Column, option: str, value: Any, dtype: dt_types.DataType) -> PlannedCheck:
    """The check of one evaluated option (``option`` in :data:`EVALUATED_OPTIONS`)."""
    if option in RANGE_OPTIONS:
        return _range_check(obj, column, option, value, dtype)
    if option == "format":
        return _format_check(obj, column, str(value), dtype)
    if option == "multipleOf":
        return _multiple_of_check(obj, column, value, dtype)
    return _string_option_check(obj, column, option, value)


def is_nan(expr: Any, dtype: dt_types.DataType) -> Any | None:
    """True where a float column holds NaN (None for types that cannot)."""
    return expr.isnan() if dtype.is_floating() else None


def _literal(value: Any, dtype: dt_types.DataType) -> Any:
    """A contract bound as a literal of the column's type (dates and timestamps parsed)."""
    if dtype.is_date():
        return ibis.literal(dt.date.fromisoformat(str(value)[:10]))
    if dtype.is_timestamp():
        parsed = dt.datetime.fromisoformat(str(value))
        if dtype.timezone is None and parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return ibis.literal(parsed, type=dtype)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return ibis.literal(value)


def _range_check(obj: str, column: Column, option: str, value: Any, dtype: dt_types.DataType) -> PlannedCheck:
    op = RANGE_OPTIONS[option]
    check_id = f"{obj}.{column.name}.{option}"
    try:
        bound = _literal(value, dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        return decided(
            check_id,
            option,
            obj,
            column.name,
            CheckStatus.error,
            f"bound {value!r} is not valid for {dtype}: {exc}",
        )

    def failing(t: ibis.Table) -> Any:
        col = column.of(t)
        out = {"<": col < bound, "<=": col <= bound, ">": col > bound, ">=": col >= bound}[op]
        nan = is_nan(col, dtype)
        return out if nan is None else out | nan

    return PlannedCheck(
        check_id,
        "range",
        obj,
        column.name,
        measure=lambda t: failing(t).sum(),
        failing=failing,
        describe=f"values {op} {value} ({option})" + (" or NaN" if dtype.is_floating() else ""),
    )


def _format_check(obj: str, column: Column, fmt: str, dtype: dt_types.DataType) -> PlannedCheck:
    name = column.name
    check_id = f"{obj}.{name}.format"
    if not dtype.is_string():
        return decided(
            check_id, "format", obj, name, CheckStatus.skipped,
            f"format `{fmt}` applies to strings; `{name}` is typed {dtype}, which already fixes its form",
        )  # fmt: skip
    pattern = FORMATS.get(fmt.lower())
    if pattern is None:
        return decided(
            check_id, "format", obj, name, CheckStatus.error,
            f"unknown format `{fmt}` (known: {', '.join(sorted(FORMATS))})",
        )  # fmt: skip

    def failing(t: ibis.Table) -> Any:
        col = column.of(t)
        return col.notnull() & ~col.re_search(pattern)

    return PlannedCheck(
        check_id, "format", obj, name, measure=lambda t: failing(t).sum(), failing=failing,
        describe=f"values that are not a valid {fmt}",
    )  # fmt: skip


def _multiple_of_check(obj: str, column: Column, value: Any, dtype: dt_types.DataType) -> PlannedCheck:
    name = column.name
    check_id = f"{obj}.{name}.multipleOf"
    if (
        not dtype.is_numeric()
        or isinstance(value, bool)
        or not isinstance(value, int | float)
        or not value
        or value != value  # NaN
        or value in (float("inf"), float("-inf"))
    ):
        return decided(
            check_id, "multipleOf", obj, name, CheckStatus.error,
            f"multipleOf {value!r} needs a finite non-zero number on a numeric column ({name} is {dtype})",
        )  # fmt: skip

    def failing(t: ibis.Table) -> Any:
        col = column.of(t)
        if dtype.is_floating():
            # NaN and the infinities are multiples of nothing; keep them out of the arithmetic.
            finite = ~(col.isnan() | col.isinf())
            ratio = finite.ifelse(col, 0.0).cast("float64") / float(value)
            return ~finite | ((ratio - ratio.round(0)).abs() > 1e-9)
        ratio = col.cast("float64") / float(value)
        # Tolerance for binary floating point: 19.99 is a multiple of 0.01.
        return (ratio - ratio.round(0)).abs() > 1e-9

    return PlannedCheck(
        check_id, "multipleOf", obj, name, measure=lambda t: failing(t).sum(), failing=failing,
        describe=f"values that are not a multiple of {value}",
    )  # fmt: skip


def _string_option_check(obj: str, column: Column, option: str, value: Any) -> PlannedCheck:
    def failing(t: ibis.Table) -> Any:
        col = column.of(t).cast("string")
        if option == "pattern":
            return col.notnull() & ~col.re_search(str(value))
        if option == "minLength":
            return col.length() < int(value)
        return col.length() > int(value)

    return PlannedCheck(
        f"{obj}.{column.name}.{option}",
        option,
        obj,
        column.name,
        measure=lambda t: failing(t).sum(),
        failing=failing,
        describe=f"values breaking {option} {value!r}",
    )
