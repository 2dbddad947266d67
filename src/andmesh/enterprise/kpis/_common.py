"""Shared building blocks of the KPI functions: periods, dimensions, safe ratios.

Every KPI groups by ``period`` (the first day of the calendar month, quarter or year,
UTC) and, when asked, by the dimensions it declares (``segment``, ``region``, ``supplier``…),
each looked up by its key in the port that holds it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Literal, TypeVar

import ibis
import ibis.expr.types as ir

from andmesh.errors import UsageError
from andmesh.spec.kpi import DimensionSpec
from andmesh.spec.suggest import hint_for

Period = Literal["month", "quarter", "year"]
Tables = Mapping[str, ir.Table]

#: Months per period and the Ibis truncation unit.
PERIODS: dict[str, tuple[int, Literal["M", "Q", "Y"]]] = {
    "month": (1, "M"),
    "quarter": (3, "Q"),
    "year": (12, "Y"),
}

#: The requirement every KPI adds when it is reported per segment.
SEGMENT_REQUIREMENT = "order_management.accounts.segment"
#: Order-to-Cash's ``segment`` dimension: what ``by_segment=True`` means to the Python references.
SEGMENT_DIMENSION = DimensionSpec(
    port="order_management.accounts", key="account_no", column="segment", default="unassigned"
)
Dimensions = Mapping[str, DimensionSpec]

Num = TypeVar("Num", float, ir.NumericValue)


def check_period(period: str) -> int:
    """Months in ``period``; an unknown period fails with a hint.

    >>> check_period("quarter")
    3
    """
    if period not in PERIODS:
        raise UsageError(f"unknown period `{period}`", hint=hint_for(period, PERIODS, "periods"))
    return PERIODS[period][0]


def period_of(value: ir.DateValue | ir.TimestampValue, period: str) -> ir.DateValue:
    """First day of the period ``value`` falls in (timestamps are taken as UTC days)."""
    check_period(period)
    day = value.date() if isinstance(value, ir.TimestampValue) else value
    return day.truncate(PERIODS[period][1])


def period_end(start: ir.DateValue, period: str) -> ir.DateValue:
    """Last day of the period starting on ``start``."""
    months = check_period(period)
    return start + ibis.interval(months=months) - ibis.interval(days=1)


def keys(by_segment: bool) -> list[str]:
    """Grouping columns of a KPI's output."""
    return ["period", "segment"] if by_segment else ["period"]


def as_dimensions(dims: Dimensions | bool) -> dict[str, DimensionSpec]:
    """``dims`` by name; ``True``/``False`` is the segment-only form of the Python references.

    >>> list(as_dimensions(True))
    ['segment']
    """
    if isinstance(dims, bool):
        return {"segment": SEGMENT_DIMENSION} if dims else {}
    return dict(dims)


def with_dimensions(t: ir.Table, dims: Dimensions, tables: Tables) -> ir.Table:
    """``t`` with each dimension of ``dims``, looked up by its key in the port holding it.

    Rows without a match keep the dimension's default rather than being dropped, so the
    cuts add up to the total.
    """
    for name, dim in dims.items():
        if dim.key not in t.columns:
            raise UsageError(
                f"cannot cut by `{name}`: its key `{dim.key}` is not a column of the KPI's source",
                hint=hint_for(dim.key, t.columns, "columns"),
            )
        lookup = table(tables, dim.port.rpartition(".")[2])
        lookup = lookup.select(_dim_key=lookup[dim.key], **{name: lookup[dim.column]}).distinct()
        t = t.left_join(lookup, t[dim.key] == lookup._dim_key).drop("_dim_key")
        if dim.default is not None:
            t = t.mutate(**{name: t[name].cast("string").fill_null(dim.default)})
    return t


def table(tables: Tables, port: str) -> ir.Table:
    """The published product ``port``; a missing one fails with a hint."""
    if port not in tables:
        raise UsageError(f"KPI input `{port}` is missing", hint=hint_for(port, tables, "inputs"))
    return tables[port]


def with_segment(t: ir.Table, tables: Tables, by_segment: bool) -> ir.Table:
    """``t`` with the ``segment`` of its ``account_no`` when reported per segment.

    Accounts missing from the account master land in segment ``unassigned`` rather
    than being dropped, so per-segment rows still add up to the total.
    """
    if not by_segment:
        return t
    accounts = table(tables, "accounts").select("account_no", "segment")
    joined = t.left_join(accounts, "account_no")
    return joined.mutate(segment=joined.segment.fill_null("unassigned"))


def ratio(numerator: Num, denominator: Num) -> Num:
    """``numerator / denominator``: the shape of every rate KPI.

    On Ibis columns a zero denominator yields ``NULL`` (an empty period has no rate);
    on plain numbers it raises ``ZeroDivisionError``.

    >>> ratio(3.0, 12.0)
    0.25
    """
    if isinstance(denominator, ir.NumericValue):
        return numerator / denominator.nullif(0)
    return numerator / denominator


class SharedTables(dict[str, ir.Table]):
    """The input tables of one evaluation, plus intermediate tables several KPIs share.

    DSO, best possible DSO, ADD and CEI all stand on the receivables position; the five
    cycle-time KPIs on the order milestones. Within one :func:`evaluate_kpis` call each
    is computed once and kept as a temporary table of the engine's session.
    """

    def __init__(self, tables: Mapping[str, ir.Table]) -> None:
        super().__init__()
        self.memo: dict[tuple[object, ...], ir.Table] = {}
        for name, table in tables.items():
            self[name] = table

    def __setitem__(self, name: str, table: ir.Table) -> None:
        # KPIs are ratios and averages: money, exact decimals in the products, is read as float64
        # (a decimal and a float column cannot share a union, and ratios are floats anyway).
        money = {column: "float64" for column, dtype in table.schema().items() if dtype.is_decimal()}
        super().__setitem__(name, table.cast(money) if money else table)


_TEMP_NAMES = itertools.count()


def shared(tables: Tables, key: tuple[object, ...], build: Callable[[], ir.Table]) -> ir.Table:
    """``build()``, computed once per :class:`SharedTables` (plain mappings: every time)."""
    memo = getattr(tables, "memo", None)
    if memo is None:
        return build()
    if key not in memo:
        expr = build()
        backend = expr._find_backend(use_default=True)
        name = f"_andmesh_kpi_{next(_TEMP_NAMES)}"
        try:
            # Ibis' Table.cache() cannot release its tables on DuckDB 1.5: a session temp table instead.
            memo[key] = backend.create_table(name, expr, temp=True)
        except NotImplementedError:
            # Ibis' PySpark backend has no temporary tables: Spark caches the DataFrame instead.
            memo[key] = expr.cache()
    return memo[key]
