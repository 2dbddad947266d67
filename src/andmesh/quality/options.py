"""Checks of a property's ``logicalTypeOptions``: ranges, pattern, lengths, format, multipleOf.

NaN is not a number in any range: it fails ``minimum`` and ``maximum`` alike (engines
order NaN above every number, so a plain comparison would let it through a minimum),
and it is not a multiple of anything. Infinities are compared as the numbers they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from andmesh.quality import sql
from andmesh.quality.columns import Column
from andmesh.quality.dtypes import DType
from andmesh.quality.plan import PlannedCheck, decided
from andmesh.quality.results import CheckStatus
from andmesh.quality.sql import Relation

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


def option_check(obj: str, column: Column, option: str, value: Any, dtype: DType) -> PlannedCheck:
    """The check of one evaluated option (``option`` in :data:`EVALUATED_OPTIONS`)."""
    if option in RANGE_OPTIONS:
        return _range_check(obj, column, option, value, dtype)
    if option == "format":
        return _format_check(obj, column, str(value), dtype)
    if option == "multipleOf":
        return _multiple_of_check(obj, column, value, dtype)
    return _string_option_check(obj, column, option, value)


def is_nan(expr: exp.Expr, dtype: DType) -> exp.Expr | None:
    """True where a float column holds NaN (None for types that cannot)."""
    return sql.isnan(expr) if dtype.is_floating() else None


def _literal(value: Any, dtype: DType) -> exp.Expr:
    """A contract bound as a literal of the column's type (dates and timestamps parsed)."""
    if dtype.is_date():
        return sql.literal(dt.date.fromisoformat(str(value)[:10]))
    if dtype.is_timestamp():
        parsed = dt.datetime.fromisoformat(str(value))
        if dtype.timezone is None and parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return sql.literal(parsed, dtype)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return sql.literal(value)


def _range_check(obj: str, column: Column, option: str, value: Any, dtype: DType) -> PlannedCheck:
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

    def failing(t: Relation) -> exp.Expr:
        col = column.of(t)
        out = sql.compare(op, col, bound)
        nan = is_nan(col, dtype)
        return out if nan is None else sql.or_(out, nan)

    return PlannedCheck(
        check_id,
        "range",
        obj,
        column.name,
        measure=lambda t: sql.count_true(failing(t)),
        failing=failing,
        describe=f"values {op} {value} ({option})" + (" or NaN" if dtype.is_floating() else ""),
    )


def _format_check(obj: str, column: Column, fmt: str, dtype: DType) -> PlannedCheck:
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

    def failing(t: Relation) -> exp.Expr:
        col = column.of(t)
        return sql.and_(sql.not_null(col), sql.not_(sql.matches(col, pattern)))

    return PlannedCheck(
        check_id, "format", obj, name, measure=lambda t: sql.count_true(failing(t)), failing=failing,
        describe=f"values that are not a valid {fmt}",
    )  # fmt: skip


def _multiple_of_check(obj: str, column: Column, value: Any, dtype: DType) -> PlannedCheck:
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

    def off(ratio: exp.Expr) -> exp.Expr:
        # Tolerance for binary floating point: 19.99 is a multiple of 0.01.
        gap = exp.Abs(this=exp.Sub(this=exp.paren(ratio), expression=sql.rounded(ratio)))
        return exp.GT(this=gap, expression=exp.convert(1e-9))

    def failing(t: Relation) -> exp.Expr:
        col = column.of(t)
        divisor = exp.convert(float(value))
        if dtype.is_floating():
            # NaN and the infinities are multiples of nothing; keep them out of the arithmetic.
            finite = sql.not_(sql.or_(sql.isnan(col), sql.isinf(col)))
            kept = exp.case().when(finite, col.copy()).else_(exp.convert(0.0))
            ratio = exp.Div(this=sql.as_double(kept), expression=divisor)
            return sql.or_(sql.not_(finite), off(ratio))
        return off(exp.Div(this=sql.as_double(col), expression=divisor))

    return PlannedCheck(
        check_id, "multipleOf", obj, name, measure=lambda t: sql.count_true(failing(t)), failing=failing,
        describe=f"values that are not a multiple of {value}",
    )  # fmt: skip


def _string_option_check(obj: str, column: Column, option: str, value: Any) -> PlannedCheck:
    def failing(t: Relation) -> exp.Expr:
        col = sql.as_string(column.of(t))
        if option == "pattern":
            return sql.and_(sql.not_null(col), sql.not_(sql.matches(col, str(value))))
        size = exp.convert(int(value))
        return sql.compare("<" if option == "minLength" else ">", sql.length(col), size)

    return PlannedCheck(
        f"{obj}.{column.name}.{option}",
        option,
        obj,
        column.name,
        measure=lambda t: sql.count_true(failing(t)),
        failing=failing,
        describe=f"values breaking {option} {value!r}",
    )
