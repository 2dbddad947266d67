"""The receivables position: the table the DSO, best possible DSO and CEI specs read.

The receivables balance at a period end is rebuilt from the ledger's movements, not
from ``open_items`` (a snapshot at one ``as_of_date``): an invoice is outstanding at
day *t* for its gross amount less the cash applied to it (``payments`` matched to it,
received on or before *t*), and for nothing once written off on or before *t*.
"Current" receivables are the outstanding ones not yet due (``due_date >= t``).
Every invoice is a credit sale (all carry payment terms). Amounts are summed in their
invoice currency: the mesh publishes no FX rates yet.
"""

from __future__ import annotations

import json

import ibis
import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import (
    PERIODS,
    Dimensions,
    Tables,
    as_dimensions,
    check_period,
    period_end,
    period_of,
    shared,
    table,
    with_dimensions,
)

#: The position is cut by the invoice's account: a dimension must be looked up by it.
KEYS = ("account_no",)

# --- receivables position ------------------------------------------------------------


def receivables_position(tables: Tables, period: str, dims: Dimensions | bool) -> ir.Table:
    """Per period (and dimension): ``days``, ``credit_sales``, ``ar_total``, ``ar_current``,
    ``ar_begin`` (total receivables at the end of the previous period).

    Periods are those in which invoices were issued. ``dims`` are looked up by the invoice's
    ``account_no`` (``True`` is the Order-to-Cash ``segment``).
    """
    cut = as_dimensions(dims)
    key = json.dumps({n: d.model_dump(mode="json") for n, d in cut.items()}, sort_keys=True)
    return shared(tables, ("receivables_position", period, key), lambda: _position(tables, period, cut))


def _position(tables: Tables, period: str, dims: Dimensions | bool) -> ir.Table:
    # The position at a period end is a running sum over periods of events (+v where an
    # amount starts being outstanding, -v where it stops), so it is linear in invoices and
    # payments; pairing every invoice with every period it is open in grew with the periods.
    # An invoice never paid beyond its gross (nor refunded) is outstanding at p for
    # [p < K] * (gross - cash applied by p), K its write-off period: +gross at issue, -gross
    # at K, and per payment -amount where it is applied and +amount at K, no per-invoice
    # window. Only the few over-paid (or refunded) invoices, where max(gross - paid, 0)
    # clips, go through per-invoice steps. Every amount counts as current until the first
    # period ending after the due date (C): an event (t, x) with t < C adds x at t, -x at C.
    months = check_period(period)
    unit = PERIODS[period][1]
    cut = as_dimensions(dims)
    names = list(cut)
    inv = table(tables, "invoices")
    inv = inv.filter(inv.invoice_date.notnull()).select(
        "invoice_id",
        "account_no",
        gross=inv.gross_amount.cast("float64"),
        start=period_of(inv.invoice_date, period),
        # The last period whose end is on or before the due date (still current at its end).
        last_current=(inv.due_date + ibis.interval(days=1)).truncate(unit) - ibis.interval(months=months),
    )
    pay = _matched_payments(tables)
    written = _written_off(tables)
    cash = pay.group_by(c_invoice=pay.pay_invoice).aggregate(
        c_paid=pay.amount.sum(), c_least=pay.amount.min()
    )
    flagged = inv.left_join(cash, inv.invoice_id == cash.c_invoice).left_join(
        written, ibis._.invoice_id == written.wo_invoice
    )
    clipped = (flagged.c_paid > flagged.gross) | (flagged.c_least < 0)
    flagged = flagged.select(
        "invoice_id",
        "account_no",
        "gross",
        "start",
        "last_current",
        clipped=clipped.fill_null(False),
        # DuckDB's GREATEST skips NULLs: an invoice never written off has no K.
        k=ibis.ifelse(
            flagged.written_off_at.isnull(),
            ibis.null("date"),
            ibis.greatest(period_of(flagged.written_off_at, period), flagged.start),
        ),
    )
    plain = flagged.filter(~flagged.clipped)
    c_end = plain.last_current + ibis.interval(months=months)
    linear = [
        plain.select("account_no", at=plain.start, x=plain.gross, c=c_end),
        plain.filter(plain.k.notnull()).select("account_no", at=plain.k, x=-plain.gross, c=c_end),
    ]
    paid = pay.join(plain, pay.pay_invoice == plain.invoice_id)
    # Cash received before the invoice's own period counts from that period on.
    paid = paid.mutate(m_at=ibis.greatest(period_of(paid.received_at, period), paid.start))
    # Cash applied at or after the write-off moves nothing: the invoice is at 0 from K on.
    paid = paid.filter(paid.k.isnull() | (paid.m_at < paid.k))
    paid_end = paid.last_current + ibis.interval(months=months)
    linear += [
        paid.select("account_no", at=paid.m_at, x=-paid.amount.cast("float64"), c=paid_end),
        paid.filter(paid.k.notnull()).select(
            "account_no", at=paid.k, x=paid.amount.cast("float64"), c=paid_end
        ),
    ]
    moved_plain = ibis.union(*linear, distinct=False)
    zero = ibis.literal(0.0)
    events = [
        moved_plain.select(
            "account_no", "at", total=moved_plain.x, current=zero, sales=zero, cover=ibis.literal(0)
        ),
        moved_plain.filter(moved_plain.at < moved_plain.c).select(
            "account_no", "at", total=zero, current=moved_plain.x, sales=zero, cover=ibis.literal(0)
        ),
        moved_plain.filter(moved_plain.at < moved_plain.c).select(
            "account_no",
            at=moved_plain.c,
            total=zero,
            current=-moved_plain.x,
            sales=zero,
            cover=ibis.literal(0),
        ),
        *_step_events(
            inv.semi_join(flagged.filter(flagged.clipped), inv.invoice_id == flagged.invoice_id),
            pay,
            written,
            period,
            months,
        ),
        inv.select(
            "account_no", at=inv.start, total=zero, current=zero, sales=inv.gross, cover=ibis.literal(1)
        ),
    ]
    if cut:
        events.append(_uncovered(inv, pay, written, period, months))
    moved = with_dimensions(ibis.union(*events, distinct=False), cut, tables)
    sums = moved.group_by(["at", *names]).aggregate(
        total=moved.total.sum(), current=moved.current.sum(), sales=moved.sales.sum(), cover=moved.cover.sum()
    )
    periods = inv.select(period=inv.start).distinct()
    periods = periods.mutate(period_end=period_end(periods.period, period))
    running = periods.join(sums, sums.at <= periods.period)
    agg = running.group_by(["period", *names]).aggregate(
        days=(running.period_end.delta(running.period, unit="day") + 1).max().cast("float64"),
        credit_sales=ibis.ifelse(running.at == running.period, running.sales, 0.0).sum(),
        ar_total=running.total.sum(),
        ar_current=running.current.sum(),
        cover=running.cover.sum(),
    )
    # A period (and segment) is reported when an invoice of it is open at its end or was
    # issued in it, as when every invoice was paired with the periods it is open in.
    agg = agg.filter(agg.cover > 0).drop("cover")
    prev = agg.select(
        next_period=agg.period + ibis.interval(months=months),
        ar_begin=agg.ar_total,
        **{f"_p_{n}": agg[n] for n in names},
    )
    on = [agg.period == prev.next_period, *(agg[n] == prev[f"_p_{n}"] for n in names)]
    joined = agg.left_join(prev, on)
    # No row for the previous period means no invoice had been issued by then: AR was 0.
    return joined.select(
        "period",
        *names,
        "days",
        "credit_sales",
        "ar_total",
        "ar_current",
        ar_begin=joined.ar_begin.fill_null(0.0),
    )


def _step_events(inv: ir.Table, pay: ir.Table, written: ir.Table, period: str, months: int) -> list[ir.Table]:
    """The position events of ``inv``'s invoices as steps: each a value from the period it
    changes in (issued, cash applied, written off) until its next step, clipped at 0."""
    starts = inv.select(s_invoice=inv.invoice_id, s_start=inv.start)
    moves = pay.join(starts, pay.pay_invoice == starts.s_invoice)
    moves = moves.group_by(
        m_invoice=moves.pay_invoice, m_at=ibis.greatest(period_of(moves.received_at, period), moves.s_start)
    ).aggregate(amount=ibis._.amount.sum())
    wo = written.join(starts, written.wo_invoice == starts.s_invoice)
    wo = wo.select(
        w_invoice=wo.wo_invoice, w_at=ibis.greatest(period_of(wo.written_off_at, period), wo.s_start)
    )
    at = (
        inv.select(p_invoice=inv.invoice_id, at=inv.start)
        .union(moves.select(p_invoice=moves.m_invoice, at=moves.m_at), distinct=True)
        .union(wo.select(p_invoice=wo.w_invoice, at=wo.w_at), distinct=True)
    )
    steps = (
        at.join(inv, at.p_invoice == inv.invoice_id)
        .left_join(moves, [ibis._.p_invoice == moves.m_invoice, ibis._.at == moves.m_at])
        .left_join(written, ibis._.p_invoice == written.wo_invoice)
    )
    by_invoice = ibis.window(group_by=steps.p_invoice, order_by=steps.at)
    steps = steps.mutate(
        paid=steps.amount.sum().over(
            ibis.window(group_by=steps.p_invoice, order_by=steps.at, rows=(None, 0))
        ),
        until=steps.at.lead().over(by_invoice),
        written_at=period_of(steps.written_off_at, period),
    )
    value = ibis.ifelse(
        steps.written_at.notnull() & (steps.written_at <= steps.at),
        0.0,
        ibis.greatest(steps.gross - steps.paid.fill_null(0.0), 0.0),
    )
    steps = steps.select("account_no", "at", "until", "last_current", value=value)
    current_end = ibis.least(steps.until, steps.last_current + ibis.interval(months=months))
    zero = ibis.literal(0.0)
    return [
        steps.select("account_no", "at", total=steps.value, current=zero, sales=zero, cover=ibis.literal(0)),
        steps.filter(steps.until.notnull()).select(
            "account_no", at=steps.until, total=-steps.value, current=zero, sales=zero, cover=ibis.literal(0)
        ),
        steps.filter(steps.at <= steps.last_current).select(
            "account_no", "at", total=zero, current=steps.value, sales=zero, cover=ibis.literal(0)
        ),
        steps.filter(steps.at <= steps.last_current).select(
            "account_no", at=current_end, total=zero, current=-steps.value, sales=zero, cover=ibis.literal(0)
        ),
    ]


def _matched_payments(tables: Tables) -> ir.Table:
    pay = table(tables, "payments")
    return pay.filter(pay.matched_invoice_id.notnull() & pay.received_at.notnull()).select(
        pay_invoice=pay.matched_invoice_id, received_at=pay.received_at, amount=pay.amount
    )


def _written_off(tables: Tables) -> ir.Table:
    items = table(tables, "open_items")
    return (
        items.filter(items.written_off_at.notnull())
        .group_by(wo_invoice=items.invoice_id)
        .aggregate(written_off_at=items.written_off_at.min())
    )


def _uncovered(inv: ir.Table, pay: ir.Table, written: ir.Table, period: str, months: int) -> ir.Table:
    """-1 in the period after an invoice's last reported one: the period it closed in (paid in
    full, by the running sum of its cash, or written off), or its own if it closed before."""
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
    closing = inv.left_join(settled, inv.invoice_id == settled.s_invoice).left_join(
        written, ibis._.invoice_id == written.wo_invoice
    )
    closed = ibis.least(closing.paid_day, closing.written_off_at.cast("date"))
    closing = closing.filter(closed.notnull())
    last = ibis.greatest(closing.start, period_of(closed, period))
    zero = ibis.literal(0.0)
    return closing.select(
        "account_no",
        at=last + ibis.interval(months=months),
        total=zero,
        current=zero,
        sales=zero,
        cover=ibis.literal(-1),
    )
