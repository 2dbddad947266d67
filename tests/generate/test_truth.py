"""The truth files say exactly what is in the data, and the latent truth drives behaviour."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from ruamel.yaml import YAML

from andmesh.generate import GenerationReport
from andmesh.generate.settings import GENERATOR_VERSION
from andmesh.generate.taxids import PATTERNS

from .conftest import CUSTOMERS, SEED


def load(data: Path, name: str) -> Any:
    return YAML(typ="safe").load((data / "truth" / f"{name}.yaml").read_text())


@pytest.fixture(scope="module")
def con(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for key, table in tables.items():
        con.register(key.replace("/", "__"), table)
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.execute(sql).fetchone()
    assert row is not None
    return float(row[0])


def test_manifest(generated: tuple[Path, GenerationReport], tables: dict[str, pa.Table]) -> None:
    data, report = generated
    manifest = load(data, "manifest")
    assert manifest["seed"] == SEED
    assert manifest["customers"] == CUSTOMERS
    assert manifest["noise"] == 1.0
    assert manifest["generator_version"] == GENERATOR_VERSION
    assert {k: v["rows"] for k, v in manifest["tables"].items()} == {k: t.num_rows for k, t in tables.items()}
    assert report.rows == {k: t.num_rows for k, t in tables.items()}
    assert report.truth == data / "truth"


GAP_SQL = {
    "requested_delivery_date": ("order_management__sales_orders", "requested_delivery_date is null", "true"),
    "pod_signed_at": ("shipping__shipments", "pod_signed_at is null", "delivery_status = 'delivered'"),
    "dispute_reason": ("accounts_receivable__open_items", "dispute_reason is null", "dispute_flag"),
    "remittance_invoice_id": ("payments_collection__payments", "remittance_invoice_id is null", "true"),
}


def test_gaps_match_the_data(data: Path, con: duckdb.DuckDBPyConnection) -> None:
    gaps = load(data, "gaps")["gaps"]
    assert {g["column"] for g in gaps} == set(GAP_SQL)
    for gap in gaps:
        table, missing, scope = GAP_SQL[gap["column"]]
        assert gap["missing"] == scalar(con, f"select count(*) from {table} where {scope} and {missing}")
        assert gap["rows"] == scalar(con, f"select count(*) from {table} where {scope}")
        assert gap["rate"] == pytest.approx(gap["missing"] / gap["rows"], abs=1e-6)
    rates = {g["column"]: g["rate"] for g in gaps}
    assert rates["requested_delivery_date"] > 0.4
    assert rates["pod_signed_at"] > 0.7
    assert rates["dispute_reason"] > 0.6


DEFECT_SQL = {
    "not_positive": "select count(*) from order_management__order_lines where quantity < 1",
    "malformed": "select count(*) from order_management__customers where not regexp_full_match(email, '[a-z0-9._\\-]+@[a-z0-9\\-]+(\\.[a-z0-9\\-]+)*\\.[a-z]{2,}')",
    "not_net_plus_tax": "select count(*) from customer_invoicing__invoices where abs(gross_amount - (net_amount + tax_amount)) > 0.005",
    "duplicate_row": "select count(*) - count(distinct payment_id) from payments_collection__payments",
    "before_shipped_at": "select count(*) from shipping__shipments where delivered_at < shipped_at",
}


def test_defects_match_the_data(
    data: Path, con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]
) -> None:
    document = load(data, "defects")
    assert document["planted"] is True
    found = {d["kind"]: d for d in document["defects"]}
    assert set(found) == {*DEFECT_SQL, "invalid_format"}
    for kind, sql in DEFECT_SQL.items():
        assert found[kind]["count"] == scalar(con, sql), kind
    accounts = tables["order_management/customers"]
    invalid = 0
    for code, pattern in PATTERNS.items():
        rows = accounts.filter(pc.equal(accounts.column("country"), code))
        ok = pc.match_substring_regex(rows.column("tax_id"), pattern)
        invalid += int(pc.sum(pc.invert(pc.fill_null(ok, True))).as_py() or 0)
    assert found["invalid_format"]["count"] == invalid
    for defect in document["defects"]:
        assert defect["count"] > 0 and defect["rate"] < 0.01, defect


def test_defects_off_plants_none(tmp_path: Path) -> None:
    from andmesh.generate import generate_order_to_cash

    generate_order_to_cash(tmp_path / "clean", 400, seed=SEED, defects=False)
    document = load(tmp_path / "clean", "defects")
    assert document["planted"] is False
    assert all(d["count"] == 0 for d in document["defects"])


def test_variations_are_counted(data: Path) -> None:
    document = load(data, "variations")
    kinds = {(v["table"], v["column"], v["kind"]): v for v in document["variations"]}
    assert kinds[("customers", "account_no", "duplicate_account")]["count"] > 0
    assert kinds[("customers", "account_name", "typo")]["count"] > 0
    assert kinds[("customers", "tax_id", "missing")]["rate"] == pytest.approx(0.12, abs=0.03)
    assert all(0 <= v["count"] <= v["records"] for v in document["variations"])


def test_record_map_covers_every_customer_record(con: duckdb.DuckDBPyConnection) -> None:
    records = {
        ("customers", "account_no"): "order_management__customers",
        ("credit_files", "credit_file_id"): "credit_management__credit_files",
        ("ship_to_sites", "ship_to_site_id"): "shipping__ship_to_sites",
        ("invoices", "invoice_id"): "customer_invoicing__invoices",
        ("open_items", "debtor_ref"): "accounts_receivable__open_items",
        ("payments", "payment_id"): "payments_collection__payments",
    }
    for (name, column), table in records.items():
        unmapped = scalar(
            con,
            f"select count(distinct {column}) from {table} where {column} not in (select record_id from truth__record_map where \"table\" = '{name}')",
        )
        assert unmapped == 0, table
    assert scalar(con, 'select count(*) - count(distinct ("table", record_id)) from truth__record_map') == 0


def test_record_map_is_consistent_across_units(con: duckdb.DuckDBPyConnection) -> None:
    # The order's account, the invoice's bill-to and the AR debtor are the same customer.
    sql = """
        with owner as (select record_id, customer_id from truth__record_map)
        select count(*) from customer_invoicing__invoices i
        join order_management__sales_orders o using (order_id)
        join accounts_receivable__open_items a using (invoice_id)
        join owner oa on oa.record_id = o.account_no
        join owner oi on oi.record_id = i.invoice_id
        join owner od on od.record_id = a.debtor_ref
        join owner os on os.record_id = o.ship_to_site_id
        where oa.customer_id <> oi.customer_id or oa.customer_id <> od.customer_id or oa.customer_id <> os.customer_id
    """
    assert scalar(con, sql) == 0


def by_decile(con: duckdb.DuckDBPyConnection, latent: str, measure_sql: str) -> tuple[float, float]:
    """Mean of a per-customer measure in the bottom and top decile of a latent variable."""
    sql = f"""
        with measure as ({measure_sql}),
        ranked as (select c.customer_id, ntile(10) over (order by c.{latent}) as decile from truth__customers c)
        select avg(value) filter (where decile = 1), avg(value) filter (where decile = 10)
        from measure join ranked using (customer_id)
    """
    row = con.execute(sql).fetchone()
    assert row is not None
    return float(row[0]), float(row[1])


def test_late_propensity_drives_payment_delay(con: duckdb.DuckDBPyConnection) -> None:
    delay = """
        select m.customer_id, avg(p.received_at - i.due_date) as value
        from payments_collection__payments p
        join customer_invoicing__invoices i on i.invoice_id = p.matched_invoice_id
        join truth__record_map m on m.record_id = i.invoice_id
        group by 1
    """
    low, high = by_decile(con, "late_propensity", delay)
    assert high > low + 10


def test_low_health_means_more_holds_disputes_and_defaults(con: duckdb.DuckDBPyConnection) -> None:
    holds = """
        select m.customer_id, avg((d.decision <> 'approved')::int) as value
        from credit_management__credit_decisions d
        join order_management__sales_orders o using (order_id)
        join truth__record_map m on m.record_id = o.account_no
        group by 1
    """
    unhealthy, healthy = by_decile(con, "financial_health", holds)
    assert unhealthy > 2 * healthy
    disputes = """
        select m.customer_id, avg(a.dispute_flag::int) as value
        from accounts_receivable__open_items a join truth__record_map m on m.record_id = a.debtor_ref
        group by 1
    """
    unhealthy, healthy = by_decile(con, "financial_health", disputes)
    assert unhealthy > healthy
    defaults = "select customer_id, defaulted::int as value from truth__customers"
    unhealthy, healthy = by_decile(con, "financial_health", defaults)
    assert unhealthy > healthy


def test_only_defaulted_customers_have_write_offs(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select count(*) filter (where not c.defaulted), count(*)
        from accounts_receivable__open_items a
        join truth__record_map m on m.record_id = a.debtor_ref
        join truth__customers c using (customer_id)
        where a.status = 'written_off'
    """
    row = con.execute(sql).fetchone()
    assert row is not None
    assert row[0] == 0 and row[1] > 0


def test_purchase_rate_drives_order_counts(con: duckdb.DuckDBPyConnection) -> None:
    orders = """
        select m.customer_id, count(*) / greatest(1, max(c.active_until - c.active_from)) * 365 as value
        from order_management__sales_orders o
        join truth__record_map m on m.record_id = o.account_no
        join truth__customers c using (customer_id)
        group by 1
    """
    low, high = by_decile(con, "purchase_rate", orders)
    assert high > 5 * low
