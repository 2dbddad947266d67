"""The customer profile's figures against ones computed by hand on a small fixture.

Customer E1 has two sales accounts (a duplicate), one credit file, orders in EUR and one
in USD, a late delivery, an overdue and a disputed item, a payment applied late and one
not applied to any invoice (unapplied cash, attributed through the payer). Customer E2
has only a credit file.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from andmesh.enterprise.entities.profile import customer_profile

D = dt.date
T = dt.datetime


def table(rows: list[dict[str, object]]) -> ibis.Table:
    return ibis.memtable(pa.Table.from_pylist(rows))


@pytest.fixture
def profile() -> dict[str, dict[str, object]]:
    xref = table(
        [
            {"entity_id": "E1", "source": "order_management.accounts", "record_id": "A1"},
            {"entity_id": "E1", "source": "order_management.accounts", "record_id": "A2"},
            {"entity_id": "E1", "source": "credit_management.credit_files", "record_id": "CF1"},
            {"entity_id": "E1", "source": "customer_invoicing.invoices", "record_id": "I1"},
            {"entity_id": "E1", "source": "customer_invoicing.invoices", "record_id": "I2"},
            {"entity_id": "E1", "source": "customer_invoicing.invoices", "record_id": "I3"},
            {"entity_id": "E1", "source": "payments_collection.payments", "record_id": "P1"},
            {"entity_id": "E1", "source": "payments_collection.payments", "record_id": "P2"},
            {"entity_id": "E2", "source": "credit_management.credit_files", "record_id": "CF2"},
        ]
    )
    orders = table(
        [
            {"order_id": "O1", "account_no": "A1", "order_date": D(2026, 1, 10), "currency": "EUR", "status": "closed", "order_value": 1000.0},
            {"order_id": "O2", "account_no": "A2", "order_date": D(2026, 6, 1), "currency": "EUR", "status": "closed", "order_value": 500.0},
            {"order_id": "O3", "account_no": "A1", "order_date": D(2026, 9, 1), "currency": "EUR", "status": "cancelled", "order_value": 300.0},
            {"order_id": "O4", "account_no": "A1", "order_date": D(2025, 5, 5), "currency": "USD", "status": "closed", "order_value": 200.0},
        ]
    )  # fmt: skip
    credit_files = table(
        [
            {"credit_file_id": "CF1", "credit_limit": 4000.0, "payment_terms_days": 30, "risk_class": "B"},
            {"credit_file_id": "CF2", "credit_limit": 0.0, "payment_terms_days": 14, "risk_class": "E"},
        ]
    )
    decisions = table(
        [
            {"decision_id": "D1", "account_no": "A1", "decision": "approved", "hold_hours": None},
            {"decision_id": "D2", "account_no": "A2", "decision": "held", "hold_hours": 10.0},
            {"decision_id": "D3", "account_no": "A1", "decision": "held", "hold_hours": 20.0},
            {"decision_id": "D4", "account_no": "A1", "decision": "rejected", "hold_hours": None},
        ]
    )
    shipments = table(
        [
            {"shipment_id": "S1", "account_no": "A1", "delivered_at": T(2026, 1, 14), "delivered_on_time": True, "days_late": 0, "transit_days": 2.0},
            {"shipment_id": "S2", "account_no": "A2", "delivered_at": T(2026, 6, 9), "delivered_on_time": False, "days_late": 3, "transit_days": 5.0},
            {"shipment_id": "S3", "account_no": "A1", "delivered_at": None, "delivered_on_time": None, "days_late": None, "transit_days": None},
        ]
    )  # fmt: skip
    invoices = table(
        [
            {"invoice_id": "I1", "invoice_date": D(2026, 1, 15), "currency": "EUR", "gross_amount": 1190.0},
            {"invoice_id": "I2", "invoice_date": D(2026, 6, 10), "currency": "EUR", "gross_amount": 595.0},
            {"invoice_id": "I3", "invoice_date": D(2025, 5, 10), "currency": "USD", "gross_amount": 214.0},
        ]
    )
    open_items = table(
        [
            {"item_id": "R1", "invoice_id": "I1", "currency": "EUR", "open_amount": 0.0, "original_amount": 1190.0, "ageing_bucket": "closed", "status": "paid", "days_past_due": 0, "dispute_flag": False},
            {"item_id": "R2", "invoice_id": "I2", "currency": "EUR", "open_amount": 595.0, "original_amount": 595.0, "ageing_bucket": "days_31_60", "status": "disputed", "days_past_due": 45, "dispute_flag": True},
            {"item_id": "R3", "invoice_id": "I3", "currency": "USD", "open_amount": 214.0, "original_amount": 214.0, "ageing_bucket": "over_90", "status": "open", "days_past_due": 400, "dispute_flag": False},
        ]
    )  # fmt: skip
    payments = table(
        [
            {
                "payment_id": "P1",
                "currency": "EUR",
                "amount": 1190.0,
                "days_after_due": 5,
                "is_matched": True,
            },
            {
                "payment_id": "P2",
                "currency": "EUR",
                "amount": 80.0,
                "days_after_due": None,
                "is_matched": False,
            },
        ]
    )
    settlements = table(
        [
            {"invoice_id": "I1", "settled": True, "days_to_pay": 35, "days_late": 5, "paid_late": True, "dunning_actions": 1, "max_dunning_level": 1},
            {"invoice_id": "I2", "settled": False, "days_to_pay": None, "days_late": None, "paid_late": None, "dunning_actions": 2, "max_dunning_level": 2},
        ]
    )  # fmt: skip
    expr = customer_profile(
        {
            "xref": xref,
            "orders": orders,
            "credit_files": credit_files,
            "credit_decisions": decisions,
            "shipments": shipments,
            "invoices": invoices,
            "open_items": open_items,
            "payments": payments,
            "invoice_settlements": settlements,
        },
        D(2026, 9, 30),
    )
    return {row["entity_id"]: row for row in ibis.duckdb.connect().to_pyarrow(expr).to_pylist()}


def test_orders_and_value(profile: dict[str, dict[str, object]]) -> None:
    e1 = profile["E1"]
    assert e1["currency"] == "EUR"  # 3 of its 4 orders
    assert (e1["orders"], e1["cancelled_orders"]) == (3, 1)
    assert e1["order_value"] == 1500.0  # O1 + O2: O3 cancelled, O4 in USD
    assert e1["avg_order_value"] == 500.0  # 1500 / 3 orders not cancelled
    assert e1["other_currency_rows"] == 2  # O4 and I3
    assert (e1["first_order_date"], e1["last_order_date"]) == (D(2025, 5, 5), D(2026, 9, 1))
    assert e1["days_since_last_order"] == 29
    assert (e1["orders_last_365d"], e1["order_value_last_365d"]) == (2, 1500.0)


def test_credit(profile: dict[str, dict[str, object]]) -> None:
    e1 = profile["E1"]
    assert (e1["credit_limit"], e1["payment_terms_days"], e1["risk_class"]) == (4000.0, 30, "B")
    assert (e1["credit_checks"], e1["credit_holds"], e1["credit_rejections"]) == (4, 2, 1)
    assert e1["hold_rate"] == 0.5 and e1["avg_hold_hours"] == 15.0


def test_shipments(profile: dict[str, dict[str, object]]) -> None:
    e1 = profile["E1"]
    assert (e1["shipments"], e1["deliveries"], e1["on_time_deliveries"]) == (3, 2, 1)
    assert e1["on_time_rate"] == 0.5 and e1["avg_days_late"] == 1.5 and e1["avg_transit_days"] == 3.5


def test_invoices_and_receivables(profile: dict[str, dict[str, object]]) -> None:
    e1 = profile["E1"]
    assert (e1["invoices"], e1["invoiced_amount"], e1["last_invoice_date"]) == (3, 1785.0, D(2026, 6, 10))
    assert (e1["open_items"], e1["open_amount"], e1["overdue_amount"]) == (2, 595.0, 595.0)
    assert (e1["overdue_31_60_amount"], e1["overdue_over_90_amount"]) == (
        595.0,
        0.0,
    )  # the USD item is not summed
    assert e1["max_days_past_due"] == 400
    assert (e1["disputes"], e1["open_disputes"], e1["disputed_amount"]) == (1, 1, 595.0)
    assert e1["credit_utilisation"] == 0.1488  # 595 / 4000 = 0.14875, rounded half up


def test_payments_and_settlement(profile: dict[str, dict[str, object]]) -> None:
    e1 = profile["E1"]
    assert (e1["payments"], e1["paid_amount"], e1["applied_payments"]) == (2, 1270.0, 1)
    assert (e1["late_payments"], e1["late_payment_rate"], e1["avg_days_after_due"]) == (1, 1.0, 5.0)
    assert (e1["unapplied_payments"], e1["unapplied_amount"]) == (1, 80.0)
    assert (e1["settled_invoices"], e1["paid_late_invoices"], e1["paid_late_rate"]) == (1, 1, 1.0)
    assert (e1["avg_days_to_pay"], e1["dunning_actions"], e1["max_dunning_level"]) == (35.0, 3, 2)


def test_a_customer_with_only_a_credit_file(profile: dict[str, dict[str, object]]) -> None:
    e2 = profile["E2"]
    assert (e2["orders"], e2["order_value"], e2["payments"], e2["open_amount"]) == (0, 0.0, 0, 0.0)
    assert e2["credit_limit"] == 0.0 and e2["credit_utilisation"] is None and e2["hold_rate"] is None
    assert e2["currency"] is None and e2["as_of_date"] == D(2026, 9, 30)
