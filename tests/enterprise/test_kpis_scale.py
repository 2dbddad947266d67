"""The receivables position and the shared KPI inputs, checked against a reference at scale.

``_pairs_position`` below is the implementation the KPIs used until the position was
rebuilt from each invoice's steps (issue 12): every invoice paired with every period end it
is open at. It is kept here as the definition the faster code must agree with, on
random invoices with partial, early, over- and late payments, write-offs and accounts missing
from the account master, by month, quarter and year, per segment or not.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pytest

from andmesh.enterprise.kpis._common import (
    Tables,
    check_period,
    keys,
    period_end,
    period_of,
    table,
    with_segment,
)
from andmesh.enterprise.kpis.receivables import _position


def _pairs_position(tables: Tables, period: str, by_segment: bool) -> ir.Table:
    months = check_period(period)
    inv = table(tables, "invoices")
    inv = inv.select(
        "invoice_id",
        "account_no",
        "invoice_date",
        "due_date",
        gross=inv.gross_amount.cast("float64"),
        invoice_period=period_of(inv.invoice_date, period),
    )
    periods = inv.select(period=inv.invoice_period).distinct()
    periods = periods.mutate(period_end=period_end(periods.period, period))

    pay = table(tables, "payments")
    pay = pay.filter(pay.matched_invoice_id.notnull()).select(
        pay_invoice=pay.matched_invoice_id, received_at=pay.received_at, amount=pay.amount
    )
    items = table(tables, "open_items")
    written = (
        items.filter(items.written_off_at.notnull())
        .group_by(wo_invoice=items.invoice_id)
        .aggregate(written_off_at=items.written_off_at.min())
    )
    # The day an invoice stopped being outstanding: fully paid (the running sum of its cash
    # reaches the gross amount) or written off. After the period it closes in, it adds 0 to
    # every period end, so it is paired only up to that period (and with its own, for credit
    # sales): the same figures from a fraction of the (invoice, period) pairs.
    gross = inv.select(g_invoice=inv.invoice_id, g_amount=inv.gross)
    cash = pay.join(gross, pay.pay_invoice == gross.g_invoice)
    cash = cash.mutate(
        cumulative=cash.amount.sum().over(
            ibis.window(group_by=cash.pay_invoice, order_by=[cash.received_at], rows=(None, 0))
        )
    )
    settled = (
        cash.filter(cash.cumulative >= cash.g_amount)
        .group_by(s_invoice=cash.pay_invoice)
        .aggregate(paid_day=cash.received_at.min())
    )
    closing = inv.select(c_invoice=inv.invoice_id).left_join(settled, ibis._.c_invoice == settled.s_invoice)
    closing = closing.left_join(written, closing.c_invoice == written.wo_invoice)
    closing = closing.select(
        "c_invoice", closed_day=ibis.least(closing.paid_day, closing.written_off_at.cast("date"))
    )
    pairs = inv.left_join(closing, inv.invoice_id == closing.c_invoice).cross_join(periods)
    pairs = pairs.filter(
        (pairs.invoice_date <= pairs.period_end)
        & (
            (pairs.period == pairs.invoice_period)
            | pairs.closed_day.isnull()
            | (pairs.period <= pairs.closed_day)
        )
    ).drop("c_invoice", "closed_day")
    slots = pairs.select(slot_invoice=pairs.invoice_id, slot_period=pairs.period, slot_end=pairs.period_end)
    paid = (
        slots.join(pay, [slots.slot_invoice == pay.pay_invoice, pay.received_at <= slots.slot_end])
        .group_by(["slot_invoice", "slot_period"])
        .aggregate(paid=ibis._.amount.sum())
    )
    pos = pairs.left_join(
        paid, [pairs.invoice_id == paid.slot_invoice, pairs.period == paid.slot_period]
    ).left_join(written, ibis._.invoice_id == written.wo_invoice)
    outstanding = ibis.ifelse(
        pos.written_off_at.notnull() & (pos.written_off_at <= pos.period_end),
        0.0,
        ibis.greatest(pos.gross - pos.paid.fill_null(0.0), 0.0),
    )
    pos = pos.mutate(outstanding=outstanding)
    pos = with_segment(pos, tables, by_segment)
    agg = pos.group_by(keys(by_segment)).aggregate(
        days=(pos.period_end.delta(pos.period, unit="day") + 1).max().cast("float64"),
        credit_sales=ibis.ifelse(pos.invoice_period == pos.period, pos.gross, 0.0).sum(),
        ar_total=pos.outstanding.sum(),
        ar_current=ibis.ifelse(pos.due_date >= pos.period_end, pos.outstanding, 0.0).sum(),
    )
    prev = agg.select(
        *[c for c in keys(by_segment) if c != "period"],
        next_period=agg.period + ibis.interval(months=months),
        ar_begin=agg.ar_total,
    )
    on = [agg.period == prev.next_period]
    if by_segment:
        on.append(agg.segment == prev.segment)
    joined = agg.left_join(prev, on)
    # No row for the previous period means no invoice had been issued by then: AR was 0.
    return joined.select(
        *keys(by_segment),
        "days",
        "credit_sales",
        "ar_total",
        "ar_current",
        ar_begin=joined.ar_begin.fill_null(0.0),
    )


# --- KPI tables ----------------------------------------------------------------------


def _random_tables(seed: int, invoices: int = 400) -> dict[str, ir.Table]:
    rng = random.Random(seed)
    accounts = [f"A{i}" for i in range(30)]
    segments = ["enterprise", "mid_market", "small_business"]
    # A3.. are in the account master; A0-A2 are not ("unassigned").
    master = [(a, rng.choice(segments)) for a in accounts[3:]]
    inv_rows, pay_rows, item_rows = [], [], []
    for i in range(invoices):
        account = rng.choice(accounts)
        issued = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 420))
        due = issued + timedelta(days=rng.choice([0, 14, 30, 45, 60, 90]))
        gross = round(rng.uniform(10, 5000), 2)
        inv_rows.append((f"I{i}", account, issued, due, gross))
        fate = rng.random()
        paid_so_far = 0.0
        if fate < 0.75:  # paid, in one to three instalments, some early, some late, some over
            for _ in range(rng.randint(1, 3)):
                day = issued + timedelta(days=rng.randrange(-5, 200))
                amount = round(rng.uniform(0.2, 0.7) * gross, 2)
                pay_rows.append((f"I{i}", account, day, amount))
                paid_so_far += amount
            if rng.random() < 0.7:
                rest = round(gross - paid_so_far + rng.choice([0.0, 0.0, 5.0]), 2)
                if rest > 0:
                    pay_rows.append((f"I{i}", account, issued + timedelta(days=rng.randrange(0, 250)), rest))
        written = None
        if 0.75 <= fate < 0.85 or (fate < 0.2 and rng.random() < 0.3):
            written = issued + timedelta(days=rng.randrange(30, 300))
        item_rows.append((f"I{i}", account, written))
    for _ in range(20):  # unapplied cash
        pay_rows.append((None, rng.choice(accounts), date(2024, 6, 1), 100.0))
    return {
        "accounts": ibis.memtable(
            {"account_no": [a for a, _ in master], "segment": [s for _, s in master]},
            schema=ibis.schema({"account_no": "string", "segment": "string"}),
        ),
        "invoices": ibis.memtable(
            {
                "invoice_id": [r[0] for r in inv_rows],
                "account_no": [r[1] for r in inv_rows],
                "invoice_date": [r[2] for r in inv_rows],
                "due_date": [r[3] for r in inv_rows],
                "gross_amount": [r[4] for r in inv_rows],
            },
            schema=ibis.schema(
                {
                    "invoice_id": "string",
                    "account_no": "string",
                    "invoice_date": "date",
                    "due_date": "date",
                    "gross_amount": "float64",
                }
            ),
        ),
        "payments": ibis.memtable(
            {
                "matched_invoice_id": [r[0] for r in pay_rows],
                "account_no": [r[1] for r in pay_rows],
                "received_at": [r[2] for r in pay_rows],
                "amount": [r[3] for r in pay_rows],
            },
            schema=ibis.schema(
                {
                    "matched_invoice_id": "string",
                    "account_no": "string",
                    "received_at": "date",
                    "amount": "float64",
                }
            ),
        ),
        "open_items": ibis.memtable(
            {
                "invoice_id": [r[0] for r in item_rows],
                "account_no": [r[1] for r in item_rows],
                "written_off_at": [r[2] for r in item_rows],
            },
            schema=ibis.schema({"invoice_id": "string", "account_no": "string", "written_off_at": "date"}),
        ),
    }


def _rows(t: ir.Table, by_segment: bool) -> list[dict[str, Any]]:
    return t.order_by(keys(by_segment)).to_pyarrow().to_pylist()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        # A running sum of +v/-v steps against a sum of the open amounts: equal up to rounding.
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return bool(a == b)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("period", ["month", "quarter", "year"])
@pytest.mark.parametrize("by_segment", [False, True])
def test_position_matches_the_invoice_period_pairs(seed: int, period: str, by_segment: bool) -> None:
    tables = _random_tables(seed)
    expected = _rows(_pairs_position(tables, period, by_segment), by_segment)
    actual = _rows(_position(tables, period, by_segment), by_segment)
    assert [tuple(r[k] for k in keys(by_segment)) for r in actual] == [
        tuple(r[k] for k in keys(by_segment)) for r in expected
    ]
    assert len(expected) > (3 if period != "year" else 1)
    assert sum(1 for r in expected if r["ar_total"] > 0 and r["ar_current"] > 0) >= (
        2 if period != "year" else 1
    )
    for got, want in zip(actual, expected, strict=True):
        for column, value in want.items():
            assert _same(got[column], value), (column, got, want)
