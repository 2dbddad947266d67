"""Order-to-cash cycle time and its four parts, in calendar days (UTC).

Per order: ordered (``orders.order_ts``) → credit approval (``decided_at`` of an
approved decision, ``released_at`` of a released hold) → first shipment handed to the
carrier (``shipments.shipped_at``) → first invoice (``invoices.invoice_date``) → cash
(the last ``invoice_settlements.settled_date`` of its invoices). Only orders whose
every invoice is paid in full count, in the period of their cash day, and the parts
are averaged over that same population, so they add up to the cycle time.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import Tables, keys, period_of, shared, table, with_segment

#: KPI name → (from milestone, to milestone).
PARTS: dict[str, tuple[str, str]] = {
    "o2c_cycle_time": ("ordered", "cash"),
    "approval_time": ("ordered", "approved"),
    "fulfillment_time": ("approved", "shipped"),
    "invoice_lag": ("shipped", "invoiced"),
    "collection_time": ("invoiced", "cash"),
}


def cycle_days(
    ordered: float, approved: float, shipped: float, invoiced: float, cash: float
) -> dict[str, float]:
    """The cycle and its parts from the milestone days (day numbers of one calendar).

    ``cycle = cash − ordered = (approved − ordered) + (shipped − approved)
    + (invoiced − shipped) + (cash − invoiced)``

    >>> cycle_days(ordered=0, approved=1, shipped=4, invoiced=5, cash=50)
    {'o2c_cycle_time': 50, 'approval_time': 1, 'fulfillment_time': 3, 'invoice_lag': 1, 'collection_time': 45}
    """
    days = {"ordered": ordered, "approved": approved, "shipped": shipped, "invoiced": invoiced, "cash": cash}
    return {name: days[end] - days[start] for name, (start, end) in PARTS.items()}


def order_milestones(tables: Tables) -> ir.Table:
    """One row per order that reached cash: ``account_no`` and the five milestone days."""
    return shared(tables, ("order_milestones",), lambda: _milestones(tables))


def _milestones(tables: Tables) -> ir.Table:
    orders = table(tables, "orders")
    orders = orders.select(o_order="order_id", account_no="account_no", ordered=orders.order_ts.date())
    dec = table(tables, "credit_decisions")
    approved_at = ibis.cases(
        (dec.decision == "approved", dec.decided_at),
        (dec.decision == "held", dec.released_at),
        else_=ibis.null("timestamp"),
    )
    dec = (
        dec.mutate(approved_at=approved_at)
        .filter(ibis._.approved_at.notnull())
        .group_by(d_order=ibis._.order_id)
        .aggregate(approved=ibis._.approved_at.min().date())
    )
    ship = table(tables, "shipments")
    ship = ship.group_by(s_order=ship.order_id).aggregate(shipped=ship.shipped_at.min().date())
    inv = table(tables, "invoices").select("invoice_id", "order_id", "invoice_date")
    settle = table(tables, "invoice_settlements").select("invoice_id", "settled_date")
    paid = inv.left_join(settle, "invoice_id")
    paid = paid.group_by(i_order=paid.order_id).aggregate(
        invoiced=paid.invoice_date.min(),
        cash=paid.settled_date.max(),
        unpaid=paid.settled_date.isnull().cast("int64").sum(),
    )
    m = (
        orders.join(dec, orders.o_order == dec.d_order)
        .join(ship, orders.o_order == ship.s_order)
        .join(paid, orders.o_order == paid.i_order)
    )
    m = m.filter(m.unpaid == 0)
    return m.select("account_no", "ordered", "approved", "shipped", "invoiced", "cash")


def _part_table(name: str, tables: Tables, period: str, by_segment: bool) -> ir.Table:
    start, end = PARTS[name]
    m = order_milestones(tables)
    m = m.mutate(
        period=period_of(m.cash, period),
        part=m[end].delta(m[start], unit="day").cast("float64"),
    )
    m = with_segment(m, tables, by_segment)
    return m.group_by(keys(by_segment)).aggregate(**{name: m.part.mean()})


def o2c_cycle_time_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Mean days from order to cash, of the orders paid in full in each period."""
    return _part_table("o2c_cycle_time", tables, period, by_segment)


def approval_time_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Mean days from order to credit approval (same population as the cycle)."""
    return _part_table("approval_time", tables, period, by_segment)


def fulfillment_time_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Mean days from credit approval to the first shipment (same population)."""
    return _part_table("fulfillment_time", tables, period, by_segment)


def invoice_lag_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Mean days from the first shipment to the first invoice (same population)."""
    return _part_table("invoice_lag", tables, period, by_segment)


def collection_time_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Mean days from the first invoice to cash (same population)."""
    return _part_table("collection_time", tables, period, by_segment)
