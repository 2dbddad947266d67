"""The receivables KPIs as Python (before issue 14): the reference the specs must agree with."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import Num, Tables, keys, period_of, ratio, table, with_segment
from andmesh.enterprise.kpis.receivables import receivables_position

# --- formulas ---------------------------------------------------------------------


def dso(receivables: Num, credit_sales: Num, days: Num) -> Num:
    """Days sales outstanding, standard (period-end) method.

    ``DSO = receivables at period end / credit sales of the period × days in period``

    >>> dso(receivables=120_000.0, credit_sales=90_000.0, days=30.0)
    40.0
    """
    return ratio(receivables, credit_sales) * days


def best_possible_dso(current_receivables: Num, credit_sales: Num, days: Num) -> Num:
    """Best possible DSO: the DSO if every receivable were paid on its due date.

    ``BPDSO = current (not yet due) receivables at period end / credit sales × days``

    >>> best_possible_dso(current_receivables=75_000.0, credit_sales=90_000.0, days=30.0)
    25.0
    """
    return ratio(current_receivables, credit_sales) * days


def average_days_delinquent(dso_days: Num, best_possible_dso_days: Num) -> Num:
    """Average days delinquent: ``ADD = DSO − best possible DSO``.

    >>> average_days_delinquent(40.0, 25.0)
    15.0
    """
    return dso_days - best_possible_dso_days


def collection_effectiveness_index(
    beginning_receivables: Num, credit_sales: Num, ending_total: Num, ending_current: Num
) -> Num:
    """Collection effectiveness index, in percent (100 = everything collectable collected).

    ``CEI = (beginning receivables + credit sales − ending total receivables)
    / (beginning receivables + credit sales − ending current receivables) × 100``

    >>> collection_effectiveness_index(100_000.0, 90_000.0, 120_000.0, 75_000.0)
    60.86956521739131
    """
    collected = beginning_receivables + credit_sales - ending_total
    collectable = beginning_receivables + credit_sales - ending_current
    return ratio(collected, collectable) * 100.0


def days_beyond_terms(days_late: Sequence[float], amounts: Sequence[float]) -> float:
    """Value-weighted days beyond terms of paid invoices.

    ``DBT = Σ(days paid after due date × amount) / Σ amount`` (early payment counts 0)

    >>> days_beyond_terms([0, 10, 30], [1_000.0, 2_000.0, 1_000.0])
    12.5
    """
    weighted = sum(max(d, 0) * a for d, a in zip(days_late, amounts, strict=True))
    return ratio(float(weighted), float(sum(amounts)))


def bad_debt_ratio(written_off: Num, credit_sales: Num) -> Num:
    """Bad debt ratio: ``amount written off in the period / credit sales of the period``.

    >>> bad_debt_ratio(1_500.0, 100_000.0)
    0.015
    """
    return ratio(written_off, credit_sales)


# --- KPI tables ----------------------------------------------------------------------


def dso_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """DSO per period (see :func:`dso`)."""
    p = receivables_position(tables, period, by_segment)
    return p.select(*keys(by_segment), dso=dso(p.ar_total, p.credit_sales, p.days))


def best_possible_dso_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Best possible DSO per period (see :func:`best_possible_dso`)."""
    p = receivables_position(tables, period, by_segment)
    value = best_possible_dso(p.ar_current, p.credit_sales, p.days)
    return p.select(*keys(by_segment), best_possible_dso=value)


def average_days_delinquent_table(
    tables: Tables, period: str = "month", by_segment: bool = False
) -> ir.Table:
    """Average days delinquent per period (see :func:`average_days_delinquent`)."""
    p = receivables_position(tables, period, by_segment)
    value = average_days_delinquent(
        dso(p.ar_total, p.credit_sales, p.days),
        best_possible_dso(p.ar_current, p.credit_sales, p.days),
    )
    return p.select(*keys(by_segment), average_days_delinquent=value)


def collection_effectiveness_index_table(
    tables: Tables, period: str = "month", by_segment: bool = False
) -> ir.Table:
    """CEI per period (see :func:`collection_effectiveness_index`)."""
    p = receivables_position(tables, period, by_segment)
    value = collection_effectiveness_index(p.ar_begin, p.credit_sales, p.ar_total, p.ar_current)
    return p.select(*keys(by_segment), collection_effectiveness_index=value)


def days_beyond_terms_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Value-weighted days beyond terms of the invoices paid in full in each period
    (by settlement day; see :func:`days_beyond_terms`)."""
    s = table(tables, "invoice_settlements")
    s = s.filter(s.settled_date.notnull())
    s = s.mutate(
        period=period_of(s.settled_date, period),
        late=ibis.greatest(s.settled_date.delta(s.due_date, unit="day"), 0).cast("float64"),
        gross=s.gross_amount.cast("float64"),
    )
    s = with_segment(s, tables, by_segment)
    return s.group_by(keys(by_segment)).aggregate(
        days_beyond_terms=ratio((s.late * s.gross).sum(), s.gross.sum())
    )


def bad_debt_ratio_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Bad debt ratio per period (see :func:`bad_debt_ratio`).

    The amount written off is the invoice's unpaid gross amount
    (``invoice_settlements.unpaid_amount``), counted in the period of ``written_off_at``.
    """
    inv = table(tables, "invoices")
    sales = inv.select(
        "account_no",
        period=period_of(inv.invoice_date, period),
        sales=inv.gross_amount.cast("float64"),
        written=ibis.literal(0.0),
    )
    items = table(tables, "open_items")
    items = items.filter(items.written_off_at.notnull())
    settle = table(tables, "invoice_settlements").select("invoice_id", "unpaid_amount")
    wo = items.join(settle, "invoice_id")
    wo = wo.select(
        "account_no",
        period=period_of(wo.written_off_at, period),
        sales=ibis.literal(0.0),
        written=wo.unpaid_amount.cast("float64"),
    )
    both = with_segment(sales.union(wo), tables, by_segment)
    agg = both.group_by(keys(by_segment)).aggregate(written=both.written.sum(), sales=both.sales.sum())
    return agg.select(*keys(by_segment), bad_debt_ratio=bad_debt_ratio(agg.written, agg.sales))


def dispute_rate_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Dispute rate: ``invoices disputed / invoices issued``, by invoice period.

    An invoice is disputed when any of its receivables items carries ``dispute_flag``.

    >>> ratio(3.0, 200.0)
    0.015
    """
    inv = table(tables, "invoices")
    items = table(tables, "open_items")
    disputed = (
        items.filter(items.dispute_flag)
        .group_by(disputed_invoice=items.invoice_id)
        .aggregate(n=ibis._.count())
    )
    t = inv.left_join(disputed, inv.invoice_id == disputed.disputed_invoice)
    t = t.select(
        "account_no",
        period=period_of(t.invoice_date, period),
        disputed=t.disputed_invoice.notnull().cast("float64"),
    )
    t = with_segment(t, tables, by_segment)
    return t.group_by(keys(by_segment)).aggregate(dispute_rate=t.disputed.mean())


def unapplied_cash_share(unapplied: Num, received: Num) -> Num:
    """Unapplied cash share: ``amount received not applied to any invoice / amount received``.

    Cash that cannot be applied leaves the invoices it pays open (DSO looks worse than
    it is) and is worked by hand.

    >>> round(unapplied_cash_share(unapplied=999.0, received=1049.0), 4)
    0.9523
    """
    return ratio(unapplied, received)


def unapplied_cash_share_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Unapplied cash share per period of ``received_at`` (see :func:`unapplied_cash_share`).

    A payment is unapplied when ``matched_invoice_id`` is empty.
    """
    p = table(tables, "payments")
    p = p.select(
        "account_no",
        period=period_of(p.received_at, period),
        amount=p.amount.cast("float64"),
        unapplied=ibis.ifelse(p.matched_invoice_id.isnull(), p.amount.cast("float64"), 0.0),
    )
    p = with_segment(p, tables, by_segment)
    agg = p.group_by(keys(by_segment)).aggregate(unapplied=p.unapplied.sum(), received=p.amount.sum())
    return agg.select(
        *keys(by_segment), unapplied_cash_share=unapplied_cash_share(agg.unapplied, agg.received)
    )


def dispute_resolution_days(days_open: list[float]) -> float:
    """Dispute resolution days: ``mean(dispute resolved day − invoice day)`` over the
    disputed items resolved in the period.

    Measured from the invoice date because the day a dispute was raised is not captured
    either; the requirement asks for the resolution date only.

    >>> dispute_resolution_days([41.0, 19.0])
    30.0
    """
    return ratio(float(sum(days_open)), float(len(days_open)))


def dispute_resolution_days_table(
    tables: Tables, period: str = "month", by_segment: bool = False
) -> ir.Table:
    """Dispute resolution days per period of ``dispute_resolved_at`` (see
    :func:`dispute_resolution_days`)."""
    items = table(tables, "open_items")
    items = items.filter(items.dispute_flag.fill_null(False) & items.dispute_resolved_at.notnull())
    resolved = items.dispute_resolved_at.date()
    items = items.select(
        "account_no",
        period=period_of(resolved, period),
        days=resolved.delta(items.invoice_date, unit="day").cast("float64"),
    )
    items = with_segment(items, tables, by_segment)
    return items.group_by(keys(by_segment)).aggregate(dispute_resolution_days=items.days.mean())
