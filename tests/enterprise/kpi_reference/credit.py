"""Credit KPIs: credit hold rate and hours on hold."""

from __future__ import annotations

import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import Tables, keys, period_of, ratio, table, with_segment


def credit_hold_rate(held: float, decisions: float) -> float:
    """Credit hold rate: ``held decisions / all credit decisions`` of the period.

    A decision counts as held when it was ``held``, whether or not it was released
    later; ``rejected`` decisions count in the denominator only.

    >>> credit_hold_rate(held=7, decisions=100)
    0.07
    """
    return ratio(float(held), float(decisions))


def credit_hold_rate_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Credit hold rate per period of ``decided_at`` (see :func:`credit_hold_rate`)."""
    d = table(tables, "credit_decisions")
    d = d.select(
        "account_no",
        period=period_of(d.decided_at, period),
        held=(d.decision == "held").cast("float64"),
        one=d.decision.notnull().cast("float64"),
    )
    d = with_segment(d, tables, by_segment)
    agg = d.group_by(keys(by_segment)).aggregate(held=d.held.sum(), n=d.one.sum())
    return agg.select(*keys(by_segment), credit_hold_rate=ratio(agg.held, agg.n))


def credit_hold_hours(held_hours: list[float]) -> float:
    """Credit hold hours: ``mean(released_at − decided_at)`` in hours, over the held
    decisions released in the period.

    A decision still on hold is not counted until it is released (its duration is not
    known yet); the credit hold *rate* counts it.

    >>> credit_hold_hours([47.0, 3.0, 10.0])
    20.0
    """
    return ratio(float(sum(held_hours)), float(len(held_hours)))


def credit_hold_hours_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Mean hours on credit hold per period of ``released_at`` (see :func:`credit_hold_hours`)."""
    d = table(tables, "credit_decisions")
    d = d.filter((d.decision == "held") & d.released_at.notnull())
    d = d.select(
        "account_no",
        period=period_of(d.released_at, period),
        hours=d.released_at.delta(d.decided_at, unit="second").cast("float64") / 3600.0,
    )
    d = with_segment(d, tables, by_segment)
    return d.group_by(keys(by_segment)).aggregate(credit_hold_hours=d.hours.mean())
