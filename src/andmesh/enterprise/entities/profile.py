"""The Order-to-Cash customer profile: every domain's facts about one enterprise customer.

Each fact reaches its enterprise customer through the cross-reference: orders, credit
checks and shipments through their sales account, credit limits through the credit
file, invoices, receivables and settlements through the invoice's bill-to, payments
through the payer (so cash not yet applied to an invoice still counts for its
customer). The result is lazy (an Ibis expression on the engine): one row per
enterprise customer, the input of the enterprise scores.

Amounts are summed in the customer's main currency (the one most of its orders are
in); rows in another currency are counted in ``other_currency_rows`` and left out of
the sums, never added up across currencies.

Rates, with their formulas:

* ``hold_rate`` = credit checks held ÷ credit checks
* ``on_time_rate`` = deliveries on or before the promised date ÷ deliveries
* ``late_payment_rate`` = payments received after the due date ÷ payments applied to an invoice
* ``paid_late_rate`` = settled invoices settled after their due date ÷ settled invoices
* ``credit_utilisation`` = open receivables ÷ credit limit (null without a limit)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir


@dataclass(frozen=True)
class ProfileSources:
    """The cross-reference's source names for the records facts are attached through."""

    accounts: str = "order_management.accounts"
    credit_files: str = "credit_management.credit_files"
    invoices: str = "customer_invoicing.invoices"
    payments: str = "payments_collection.payments"


FACTS = (
    "orders",
    "credit_files",
    "credit_decisions",
    "shipments",
    "invoices",
    "open_items",
    "payments",
    "invoice_settlements",
)


def _via(xref: ir.Table, source: str, facts: ir.Table, key: str) -> ir.Table:
    """``facts`` with the enterprise id of the record ``key`` names in ``source``."""
    ids = xref.filter(xref.source == source).select(record_id=xref.record_id, entity_id=xref.entity_id)
    return facts.inner_join(ids, facts[key] == ids.record_id).drop("record_id")


def _rate(num: ir.NumericValue, den: ir.NumericValue) -> ir.NumericValue:
    return ibis.ifelse(den > 0, num.cast("float64") / den.cast("float64"), ibis.null("float64"))


def customer_profile(
    tables: Mapping[str, ir.Table],
    as_of: dt.date,
    sources: ProfileSources | None = None,
) -> ir.Table:
    """One row per enterprise customer of ``tables["xref"]``, with the facts of ``FACTS``."""
    src = sources or ProfileSources()
    xref = tables["xref"]
    day = ibis.date(as_of)
    customers = xref.select("entity_id").distinct()

    orders = _via(xref, src.accounts, tables["orders"], "account_no")
    currency = (
        orders.group_by(["entity_id", "currency"])
        .aggregate(n=orders.count())
        .mutate(rank=ibis.row_number().over(group_by="entity_id", order_by=[ibis.desc("n"), "currency"]))
    )
    main = currency.filter(currency["rank"] == 0).select("entity_id", main_currency=currency.currency)
    orders = orders.inner_join(main, "entity_id")
    live = orders.status != "cancelled"
    in_cur = orders.currency == orders.main_currency
    order_facts = orders.group_by("entity_id").aggregate(
        currency=orders.main_currency.max(),
        orders=orders.count(where=live),
        cancelled_orders=orders.count(where=~live),
        order_value=orders.order_value.sum(where=live & in_cur),
        first_order_date=orders.order_date.min(),
        last_order_date=orders.order_date.max(),
        orders_last_365d=orders.count(where=live & (orders.order_date > day - ibis.interval(days=365))),
        order_value_last_365d=orders.order_value.sum(
            where=live & in_cur & (orders.order_date > day - ibis.interval(days=365))
        ),
        other_currency_orders=orders.count(where=~in_cur),
    )

    files = _via(xref, src.credit_files, tables["credit_files"], "credit_file_id")
    credit = files.group_by("entity_id").aggregate(
        credit_limit=files.credit_limit.max(),
        payment_terms_days=files.payment_terms_days.min(),
        risk_class=files.risk_class.max(),
    )
    decisions = _via(xref, src.accounts, tables["credit_decisions"], "account_no")
    held = decisions.decision == "held"
    checks = decisions.group_by("entity_id").aggregate(
        credit_checks=decisions.count(),
        credit_holds=decisions.count(where=held),
        credit_rejections=decisions.count(where=decisions.decision == "rejected"),
        avg_hold_hours=decisions.hold_hours.mean(where=held),
    )

    shipments = _via(xref, src.accounts, tables["shipments"], "account_no")
    delivered = shipments.delivered_at.notnull()
    delivery = shipments.group_by("entity_id").aggregate(
        shipments=shipments.count(),
        deliveries=shipments.count(where=delivered),
        on_time_deliveries=shipments.count(where=delivered & shipments.delivered_on_time),
        avg_days_late=shipments.days_late.mean(where=delivered),
        avg_transit_days=shipments.transit_days.mean(where=delivered),
    )

    invoices = _via(xref, src.invoices, tables["invoices"], "invoice_id").inner_join(main, "entity_id")
    billing = invoices.group_by("entity_id").aggregate(
        invoices=invoices.count(),
        invoiced_amount=invoices.gross_amount.sum(where=invoices.currency == invoices.main_currency),
        last_invoice_date=invoices.invoice_date.max(),
        other_currency_invoices=invoices.count(where=invoices.currency != invoices.main_currency),
    )

    items = _via(xref, src.invoices, tables["open_items"], "invoice_id").inner_join(main, "entity_id")
    cur = items.currency == items.main_currency
    is_open = cur & (items.ageing_bucket != "closed")

    def bucket(name: str) -> ir.NumericValue:
        return items.open_amount.sum(where=cur & (items.ageing_bucket == name))

    receivables = items.group_by("entity_id").aggregate(
        open_items=items.count(where=items.ageing_bucket != "closed"),
        open_amount=items.open_amount.sum(where=is_open),
        not_due_amount=bucket("not_due"),
        overdue_amount=items.open_amount.sum(where=is_open & (items.days_past_due > 0)),
        overdue_1_30_amount=bucket("days_1_30"),
        overdue_31_60_amount=bucket("days_31_60"),
        overdue_61_90_amount=bucket("days_61_90"),
        overdue_over_90_amount=bucket("over_90"),
        max_days_past_due=items.days_past_due.max(),
        written_off_amount=items.original_amount.sum(where=cur & (items.status == "written_off")),
        disputes=items.count(where=items.dispute_flag),
        open_disputes=items.count(where=items.status == "disputed"),
        disputed_amount=items.open_amount.sum(where=cur & (items.status == "disputed")),
    )

    payments = _via(xref, src.payments, tables["payments"], "payment_id").inner_join(main, "entity_id")
    applied = payments.days_after_due.notnull()
    pay = payments.group_by("entity_id").aggregate(
        payments=payments.count(),
        paid_amount=payments.amount.sum(where=payments.currency == payments.main_currency),
        avg_days_after_due=payments.days_after_due.mean(where=applied),
        applied_payments=payments.count(where=applied),
        late_payments=payments.count(where=applied & (payments.days_after_due > 0)),
        unapplied_payments=payments.count(where=~payments.is_matched),
        unapplied_amount=payments.amount.sum(
            where=~payments.is_matched & (payments.currency == payments.main_currency)
        ),
    )

    settled = _via(xref, src.invoices, tables["invoice_settlements"], "invoice_id")
    settlement = settled.group_by("entity_id").aggregate(
        settled_invoices=settled.count(where=settled.settled),
        avg_days_to_pay=settled.days_to_pay.mean(where=settled.settled),
        avg_days_paid_late=settled.days_late.mean(where=settled.settled),
        paid_late_invoices=settled.count(where=settled.settled & settled.paid_late),
        # DuckDB sums BIGINTs into a HUGEINT, written to Parquet as a double, and Ibis drops a
        # cast to the type it already believes (int64): go through float64 so the cast stays.
        dunning_actions=settled.dunning_actions.sum().cast("float64"),
        max_dunning_level=settled.max_dunning_level.max(),
    )

    joined = customers
    for part in (order_facts, credit, checks, delivery, billing, receivables, pay, settlement):
        joined = joined.left_join(part, "entity_id").drop("entity_id_right")
    zero = ibis.literal(0)
    counts = (
        "orders", "cancelled_orders", "orders_last_365d", "credit_checks", "credit_holds", "credit_rejections",
        "shipments", "deliveries", "on_time_deliveries", "invoices", "open_items", "disputes", "open_disputes",
        "payments", "applied_payments", "late_payments", "unapplied_payments", "settled_invoices",
        "paid_late_invoices", "dunning_actions",
    )  # fmt: skip
    amounts = (
        "order_value", "order_value_last_365d", "invoiced_amount", "open_amount", "not_due_amount",
        "overdue_amount", "overdue_1_30_amount", "overdue_31_60_amount", "overdue_61_90_amount",
        "overdue_over_90_amount", "written_off_amount", "disputed_amount", "paid_amount", "unapplied_amount",
    )  # fmt: skip
    filled = {c: joined[c].fill_null(zero).cast("int64") for c in counts}
    filled |= {c: joined[c].fill_null(0.0).cast("float64").round(2) for c in amounts}
    filled["other_currency_rows"] = (
        joined.other_currency_orders.fill_null(zero) + joined.other_currency_invoices.fill_null(zero)
    ).cast("int64")
    profile = joined.mutate(**filled).drop("other_currency_orders", "other_currency_invoices")
    profile = profile.mutate(
        as_of_date=day,
        avg_order_value=ibis.ifelse(
            profile.orders > 0, (profile.order_value / profile.orders).round(2), ibis.null("float64")
        ),
        days_since_last_order=day.delta(profile.last_order_date, unit="day").cast("int64"),
        hold_rate=_rate(profile.credit_holds, profile.credit_checks).round(4),
        on_time_rate=_rate(profile.on_time_deliveries, profile.deliveries).round(4),
        late_payment_rate=_rate(profile.late_payments, profile.applied_payments).round(4),
        paid_late_rate=_rate(profile.paid_late_invoices, profile.settled_invoices).round(4),
        credit_utilisation=ibis.ifelse(
            profile.credit_limit > 0,
            (profile.open_amount / profile.credit_limit).round(4),
            ibis.null("float64"),
        ),
        avg_hold_hours=profile.avg_hold_hours.round(2),
        avg_days_late=profile.avg_days_late.round(2),
        avg_transit_days=profile.avg_transit_days.round(2),
        avg_days_after_due=profile.avg_days_after_due.round(2),
        avg_days_to_pay=profile.avg_days_to_pay.round(2),
        avg_days_paid_late=profile.avg_days_paid_late.round(2),
        max_dunning_level=profile.max_dunning_level.fill_null(zero).cast("int64"),
        max_days_past_due=profile.max_days_past_due.fill_null(zero).cast("int64"),
    )
    return profile.order_by("entity_id")
