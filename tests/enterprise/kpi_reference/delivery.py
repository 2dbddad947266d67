"""Delivery KPIs: OTIF (against a named reference date) and the perfect order rate.

Population: the orders whose delivery completed in the period, i.e. every shipment of
the order carries the carrier's delivery scan (``shipments.delivered_at``); the
order's delivery day is the UTC day of its last scan. All flags are strict: an
unknown component (``NULL``) counts as failed, never as passed.

- *On time (requested)*: delivery day ≤ ``orders.requested_delivery_date``, the date
  the customer asked for. There is no fallback to the promised date: when the
  requested date is not captured to standard, OTIF is not computable.
- *On time (promised)*: delivery day ≤ the earliest ``shipments.promised_date`` of
  the order — a different KPI (``otif_promised``), named as such.
- *In full*: ``fulfillments.fully_shipped`` (every unit ordered was shipped).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import Tables, keys, period_of, ratio, shared, table, with_segment


def otif(on_time_in_full: float, delivered: float) -> float:
    """OTIF: ``orders delivered on time and in full / orders delivered``.

    >>> otif(on_time_in_full=45, delivered=60)
    0.75
    """
    return ratio(float(on_time_in_full), float(delivered))


def perfect_order_rate(perfect: float, delivered: float) -> float:
    """Perfect order rate (strict, order level): ``perfect orders / orders delivered``,
    where perfect = on time (requested date) AND in full AND invoiced correctly AND
    not disputed.

    >>> perfect_order_rate(perfect=36, delivered=60)
    0.6
    """
    return ratio(float(perfect), float(delivered))


def delivered_orders(tables: Tables) -> ir.Table:
    """One row per delivered order: ``order_id``, ``account_no``, ``delivered_day``,
    ``promised_date`` (earliest promise) and ``in_full``; OTIF, OTIF promised and the perfect
    order rate share it."""
    return shared(tables, ("delivered_orders",), lambda: _delivered(tables))


def _delivered(tables: Tables) -> ir.Table:
    ship = table(tables, "shipments")
    per_order = ship.group_by("order_id").aggregate(
        account_no=ship.account_no.max(),
        shipments=ship.count(),
        scanned=ship.delivered_at.count(),
        delivered_day=ship.delivered_at.max().date(),
        promised_date=ship.promised_date.min(),
    )
    per_order = per_order.filter(per_order.scanned == per_order.shipments)
    ful = table(tables, "fulfillments")
    ful = ful.select(f_order=ful.order_id, in_full=ful.fully_shipped.fill_null(False))
    out = per_order.left_join(ful, per_order.order_id == ful.f_order)
    return out.select(
        "order_id",
        "account_no",
        "delivered_day",
        "promised_date",
        in_full=out.in_full.fill_null(False),
    )


def _on_time_requested(t: ir.Table, tables: Tables) -> ir.Table:
    orders = table(tables, "orders")
    orders = orders.select(r_order=orders.order_id, requested=orders.requested_delivery_date)
    j = t.left_join(orders, t.order_id == orders.r_order)
    on_time = (j.delivered_day <= j.requested).fill_null(False)
    return j.mutate(on_time=on_time).drop("r_order", "requested")


def _rate(
    t: ir.Table, flag: ir.BooleanValue, name: str, tables: Tables, period: str, by_segment: bool
) -> ir.Table:
    t = t.mutate(period=period_of(t.delivered_day, period), flag=flag.fill_null(False).cast("float64"))
    t = with_segment(t.select("account_no", "period", "flag"), tables, by_segment)
    return t.group_by(keys(by_segment)).aggregate(**{name: t.flag.mean()})


def otif_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """OTIF against the customer's requested delivery date (see :func:`otif`)."""
    t = _on_time_requested(delivered_orders(tables), tables)
    return _rate(t, t.on_time & t.in_full, "otif", tables, period, by_segment)


def otif_promised_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """OTIF against the delivery date promised by the company (see :func:`otif`)."""
    t = delivered_orders(tables)
    flag = (t.delivered_day <= t.promised_date).fill_null(False) & t.in_full
    return _rate(t, flag, "otif_promised", tables, period, by_segment)


def perfect_order_rate_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """Perfect order rate, strict at order level (see :func:`perfect_order_rate`).

    *Invoiced correctly*: ``order_billing.billing_status == "billed"`` (net invoiced
    covers the order value) and no invoice of the order had its gross amount
    corrected. *Not disputed*: no receivables item of the order's invoices carries
    ``dispute_flag``.
    """
    t = _on_time_requested(delivered_orders(tables), tables)
    inv = table(tables, "invoices")
    items = table(tables, "open_items").select(item_invoice="invoice_id", dispute_flag="dispute_flag")
    inv = inv.left_join(items, inv.invoice_id == items.item_invoice)
    per_order = inv.group_by(i_order=inv.order_id).aggregate(
        corrected=inv.gross_amount_corrected.fill_null(True).any(),
        disputed=inv.dispute_flag.fill_null(False).any(),
    )
    bill = table(tables, "order_billing")
    bill = bill.select(b_order=bill.order_id, billed=bill.billing_status == "billed")
    j = t.left_join(per_order, t.order_id == per_order.i_order).left_join(
        bill, ibis._.order_id == bill.b_order
    )
    invoiced_ok = j.billed.fill_null(False) & ~j.corrected.fill_null(True)
    perfect = j.on_time & j.in_full & invoiced_ok & ~j.disputed.fill_null(False)
    return _rate(j, perfect, "perfect_order_rate", tables, period, by_segment)


def on_time_delivery_rate_table(tables: Tables, period: str = "month", by_segment: bool = False) -> ir.Table:
    """On-time delivery rate, proven: ``orders whose signed proof of delivery is dated on
    or before the requested delivery date / orders with every shipment's POD signed``.

    Unlike OTIF (carrier scan, in full), this KPI counts a delivery only when the
    customer signed for it (``shipments.pod_signed_at``): the evidence that settles a
    "not received" dispute. The period is that of the last signature.

    >>> ratio(1.0, 2.0)
    0.5
    """
    ship = table(tables, "shipments")
    per_order = ship.group_by("order_id").aggregate(
        account_no=ship.account_no.max(),
        shipments=ship.count(),
        signed=ship.pod_signed_at.count(),
        delivered_day=ship.pod_signed_at.max().date(),
    )
    per_order = per_order.filter(per_order.signed == per_order.shipments)
    t = _on_time_requested(per_order.drop("shipments", "signed"), tables)
    return _rate(t, t.on_time, "on_time_delivery_rate", tables, period, by_segment)
