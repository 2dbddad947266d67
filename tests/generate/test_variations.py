"""The same customer is recorded differently by each unit, with the planted traps."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from ruamel.yaml import YAML

from andmesh.generate import generate_order_to_cash

from .conftest import read


@pytest.fixture(scope="module")
def con(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for key, table in tables.items():
        con.register(key.replace("/", "__"), table)
    return con


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    return float(rows(con, sql)[0][0])  # type: ignore[arg-type]


def test_branches_are_other_customers_with_the_head_office_stem(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select b.name_stem, h.name_stem, b.street = h.street and b.postcode = h.postcode as at_head_office, b.tax_id <> h.tax_id
        from truth__customers b join truth__customers h on h.customer_id = b.head_office_of
    """
    branches = rows(con, sql)
    assert len(branches) > 30
    assert all(str(b).startswith(str(h)) and b != h and other_tax for b, h, _, other_tax in branches)
    shared = sum(bool(at_hq) for _, _, at_hq, _ in branches)
    assert 0.15 * len(branches) < shared < 0.6 * len(branches)


def test_some_unrelated_companies_share_a_building(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select a.street = b.street and a.postcode = b.postcode and a.city = b.city, a.name_stem <> b.name_stem
        from truth__customers a join truth__customers b on b.customer_id = a.shares_address_with
    """
    pairs = rows(con, sql)
    assert len(pairs) > 5
    assert all(same and other for same, other in pairs)


def test_duplicate_accounts_are_keyed_differently(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select customer_id, count(*), count(distinct account_name)
        from truth__record_map m join order_management__customers a on a.account_no = m.record_id
        group by 1 having count(*) > 1
    """
    duplicates = rows(con, sql)
    assert len(duplicates) > 30
    assert all(n == 2 and names == 2 for _, n, names in duplicates)
    used = one(
        con,
        """
        select count(distinct o.account_no) from order_management__sales_orders o
        join truth__record_map m on m.record_id = o.account_no
        where m.customer_id in (select customer_id from truth__record_map where "table" = 'customers'
                                group by 1 having count(*) > 1)
        """,
    )
    assert used > len(duplicates)  # orders land on both accounts


def test_each_unit_spells_names_its_own_way(con: duckdb.DuckDBPyConnection) -> None:
    # Credit keeps the legal form; the bank shows upper-case ASCII, cut to the field length.
    with_form = one(
        con,
        """
        select avg((f.legal_name like '%' || c.legal_form || '%')::int)
        from credit_management__credit_files f
        join truth__record_map m on m.record_id = f.credit_file_id join truth__customers c using (customer_id)
        """,
    )
    assert with_form > 0.7
    payer = rows(con, "select payer_name from payments_collection__payments")
    assert all(str(p) == str(p).upper() and str(p).isascii() and len(str(p)) <= 70 for (p,) in payer)
    assert one(con, "select max(length(debtor_name)) from accounts_receivable__open_items") <= 35
    differs = one(
        con,
        """
        select avg((a.account_name <> c.name)::int) from order_management__customers a
        join truth__record_map m on m.record_id = a.account_no join truth__customers c using (customer_id)
        """,
    )
    assert differs > 0.4


def test_registration_numbers_are_laid_out_differently(con: duckdb.DuckDBPyConnection) -> None:
    same = one(
        con,
        """
        select avg((f.registration_no = c.tax_id)::int) from credit_management__credit_files f
        join truth__record_map m on m.record_id = f.credit_file_id join truth__customers c using (customer_id)
        where c.country <> 'US'
        """,
    )
    assert same < 0.05
    normalised = one(
        con,
        """
        select avg((regexp_replace(c.tax_id, '[^0-9]', '', 'g') like '%' || regexp_replace(f.registration_no, '[^0-9]', '', 'g') || '%')::int)
        from credit_management__credit_files f
        join truth__record_map m on m.record_id = f.credit_file_id join truth__customers c using (customer_id)
        """,
    )
    assert normalised > 0.97  # the same number once layout is removed (bar a few typos)


def test_sites_have_branch_names_and_other_addresses(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select count(*) filter (where s.street <> c.street), count(*)
        from shipping__ship_to_sites s join truth__record_map m on m.record_id = s.ship_to_site_id
        join truth__customers c using (customer_id)
    """
    moved, total = rows(con, sql)[0]
    assert 0.2 * total < moved < total  # type: ignore[operator]
    assert (
        one(
            con,
            "select count(*) from (select customer_id from truth__record_map where \"table\" = 'ship_to_sites' group by 1 having count(*) > 2)",
        )
        > 10
    )


def test_without_noise_only_the_systems_conventions_remain(tmp_path: Path) -> None:
    out = tmp_path / "quiet"
    generate_order_to_cash(out, 600, seed=4, noise=0.0)
    variations = YAML(typ="safe").load((out / "truth" / "variations.yaml").read_text())["variations"]
    assert all(v["count"] == 0 for v in variations), [v for v in variations if v["count"]]
    accounts = read(out, "order_management/customers")
    assert accounts.num_rows == 600  # no duplicate accounts
    assert accounts.column("tax_id").null_count == 0
