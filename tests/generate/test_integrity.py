"""Volumes are plausible and every reference between tables resolves."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from .conftest import CUSTOMERS


@pytest.fixture(scope="module")
def con(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for key, table in tables.items():
        con.register(key.replace("/", "__"), table)
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_volumes_are_plausible(tables: dict[str, pa.Table]) -> None:
    rows = {key: t.num_rows for key, t in tables.items()}
    orders = rows["order_management/sales_orders"]
    assert 7.5 * CUSTOMERS <= orders <= 20 * CUSTOMERS  # 150k–400k orders per 20k customers
    assert 2 * orders <= rows["order_management/order_lines"] <= 6 * orders
    assert rows["credit_management/credit_files"] == CUSTOMERS
    assert rows["truth/customers"] == CUSTOMERS
    assert CUSTOMERS < rows["order_management/customers"] < 1.2 * CUSTOMERS
    assert rows["credit_management/credit_decisions"] <= orders
    assert 0.85 * orders < rows["customer_invoicing/invoices"] < orders
    assert rows["accounts_receivable/open_items"] == rows["customer_invoicing/invoices"]


@pytest.mark.parametrize(
    ("child", "column", "parent", "key"),
    [
        ("order_management__sales_orders", "account_no", "order_management__customers", "account_no"),
        ("order_management__sales_orders", "ship_to_site_id", "shipping__ship_to_sites", "ship_to_site_id"),
        ("order_management__order_lines", "order_id", "order_management__sales_orders", "order_id"),
        ("credit_management__credit_decisions", "order_id", "order_management__sales_orders", "order_id"),
        (
            "credit_management__credit_decisions",
            "credit_file_id",
            "credit_management__credit_files",
            "credit_file_id",
        ),
        ("order_fulfillment__fulfillment_lines", "order_id", "order_management__sales_orders", "order_id"),
        ("shipping__shipments", "order_id", "order_management__sales_orders", "order_id"),
        ("shipping__shipments", "ship_to_site_id", "shipping__ship_to_sites", "ship_to_site_id"),
        ("customer_invoicing__invoices", "order_id", "order_management__sales_orders", "order_id"),
        ("accounts_receivable__open_items", "invoice_id", "customer_invoicing__invoices", "invoice_id"),
        ("payments_collection__payments", "matched_invoice_id", "customer_invoicing__invoices", "invoice_id"),
        (
            "payments_collection__payments",
            "remittance_invoice_id",
            "customer_invoicing__invoices",
            "invoice_id",
        ),
        ("payments_collection__dunning_actions", "invoice_id", "customer_invoicing__invoices", "invoice_id"),
        ("truth__record_map", "customer_id", "truth__customers", "customer_id"),
    ],
)
def test_references_resolve(
    con: duckdb.DuckDBPyConnection, child: str, column: str, parent: str, key: str
) -> None:
    orphans = scalar(
        con,
        f"select count(*) from {child} c where c.{column} is not null and not exists (select 1 from {parent} p where p.{key} = c.{column})",
    )
    assert orphans == 0


def test_fulfillment_lines_belong_to_order_lines(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select count(*) from order_fulfillment__fulfillment_lines f
        left join order_management__order_lines l using (order_id, line_no)
        where l.order_id is null or f.quantity_shipped > l.quantity
    """
    assert scalar(con, sql) == 0


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("order_management__customers", "account_no"),
        ("order_management__sales_orders", "order_id"),
        ("order_management__order_lines", "order_id, line_no"),
        ("credit_management__credit_files", "credit_file_id"),
        ("credit_management__credit_decisions", "decision_id"),
        ("order_fulfillment__fulfillment_lines", "fulfillment_id"),
        ("shipping__ship_to_sites", "ship_to_site_id"),
        ("shipping__shipments", "shipment_id"),
        ("customer_invoicing__invoices", "invoice_id"),
        ("accounts_receivable__open_items", "item_id"),
        ("payments_collection__dunning_actions", "action_id"),
        ("truth__customers", "customer_id"),
    ],
)
def test_keys_are_unique(con: duckdb.DuckDBPyConnection, table: str, key: str) -> None:
    assert scalar(con, f"select count(*) - count(distinct ({key})) from {table}") == 0


def test_identifier_formats(tables: dict[str, pa.Table]) -> None:
    patterns = {
        ("order_management/customers", "account_no"): r"^A\d{7}$",
        ("order_management/sales_orders", "order_id"): r"^SO\d{9}$",
        ("order_management/order_lines", "sku"): r"^SKU-\d{5}$",
        ("credit_management/credit_files", "credit_file_id"): r"^CF-\d{6}$",
        ("shipping/ship_to_sites", "ship_to_site_id"): r"^ST-\d{7}$",
        ("customer_invoicing/invoices", "invoice_id"): r"^INV\d{9}$",
        ("accounts_receivable/open_items", "debtor_ref"): r"^D\d{6}$",
        ("truth/customers", "customer_id"): r"^C-\d{6}$",
    }
    for (key, column), pattern in patterns.items():
        assert pc.all(pc.match_substring_regex(tables[key].column(column), pattern)).as_py(), (key, column)


def test_values_are_in_their_domains(con: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "order_management__customers": "segment not in ('enterprise', 'mid_market', 'small_business') or sales_region not in ('north', 'south', 'east', 'west')",
        "order_management__sales_orders": "channel not in ('web', 'edi', 'sales_rep', 'phone') or currency not in ('EUR', 'USD', 'GBP') or status not in ('open', 'confirmed', 'cancelled', 'closed')",
        "order_management__order_lines": "unit_price <= 0 or discount_pct < 0 or discount_pct > 50 or line_no < 1",
        "credit_management__credit_files": "credit_limit < 0 or payment_terms_days not in (14, 30, 45, 60, 90) or risk_class not in ('A', 'B', 'C', 'D', 'E')",
        "credit_management__credit_decisions": "decision not in ('approved', 'held', 'rejected') or (decision = 'held') != (hold_reason is not null) or (released_at is not null and decision <> 'held') or released_at < decided_at",
        "order_fulfillment__fulfillment_lines": "warehouse not in ('DC-N', 'DC-S', 'DC-E', 'DC-W') or picked_at < released_at or packed_at < picked_at or quantity_shipped < 0",
        "shipping__shipments": "delivery_status not in ('in_transit', 'delivered', 'exception') or (delivered_at is null) != (delivery_status <> 'delivered') or pod_signed_at < delivered_at",
        "customer_invoicing__invoices": "due_date <> invoice_date + cast(payment_terms_days as integer) or net_amount < 0 or tax_amount < 0",
        "accounts_receivable__open_items": "status not in ('open', 'paid', 'partially_paid', 'written_off', 'disputed') or open_amount < 0 or open_amount > original_amount or (status = 'written_off') != (written_off_at is not null) or (status = 'paid' and open_amount <> 0) or (dispute_reason is not null and not dispute_flag)",
        "payments_collection__payments": "amount <= 0 or received_at > date '2026-09-30'",
        "payments_collection__dunning_actions": "level not in (1, 2, 3, 4) or channel not in ('email', 'letter', 'call', 'agency')",
    }
    for table, bad in checks.items():
        assert scalar(con, f"select count(*) from {table} where {bad}") == 0, table


def test_nothing_happens_after_the_as_of_date(con: duckdb.DuckDBPyConnection) -> None:
    end = "timestamptz '2026-10-01 00:00:00+00'"
    for table, column in [
        ("order_management__sales_orders", "order_ts"),
        ("credit_management__credit_decisions", "released_at"),
        ("order_fulfillment__fulfillment_lines", "packed_at"),
        ("shipping__shipments", "delivered_at"),
    ]:
        assert scalar(con, f"select count(*) from {table} where {column} >= {end}") == 0, table
    assert (
        scalar(
            con, "select count(*) from customer_invoicing__invoices where invoice_date > date '2026-09-30'"
        )
        == 0
    )
    assert (
        scalar(
            con,
            "select count(*) from payments_collection__dunning_actions where action_date > date '2026-09-30'",
        )
        == 0
    )


def test_payments_settle_what_ar_says(con: duckdb.DuckDBPyConnection) -> None:
    # Cash received equals what AR cleared; open and written-off items received nothing.
    received = con.execute(
        "select sum(amount) from (select distinct * from payments_collection__payments)"
    ).fetchone()
    cleared = con.execute(
        "select sum(original_amount - open_amount) from accounts_receivable__open_items where status in ('paid', 'partially_paid')"
    ).fetchone()
    assert received is not None and cleared is not None
    assert abs(received[0] - cleared[0]) < 0.01 * scalar(
        con, "select count(*) from payments_collection__payments"
    )
    sql = """
        select count(*) from payments_collection__payments p
        join accounts_receivable__open_items i on i.invoice_id = p.matched_invoice_id
        where i.status in ('open', 'written_off')
    """
    assert scalar(con, sql) == 0
