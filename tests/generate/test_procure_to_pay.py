"""The Procure-to-Pay generator: deterministic, scaling, truth consistent with the data, gaps planted."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from andmesh.generate import GeneratorArgumentError, generate_procure_to_pay
from andmesh.generate.procure_to_pay.schema import SOURCE_TABLES, TABLES
from andmesh.generate.procure_to_pay.settings import MANUAL_SITES


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("p2p") / "data"
    generate_procure_to_pay(out, vendors=300, seed=7)
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _sql(data: Path, query: str) -> list[tuple]:
    con = duckdb.connect()
    for key, spec in TABLES.items():
        ext = "csv" if spec.format == "csv" else "parquet"
        reader = (
            f"read_csv('{data / key}/*.csv', header=true)" if ext == "csv" else f"'{data / key}/*.parquet'"
        )
        con.execute(
            f"create view {key.split('/')[1] if not spec.truth else 'truth_' + spec.table} as select * from {reader}"
        )
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_same_seed_same_bytes_other_seed_other_data(data: Path, tmp_path: Path) -> None:
    again = generate_procure_to_pay(tmp_path / "again", vendors=300, seed=7)
    assert _digest(again.out) == _digest(data)
    other = generate_procure_to_pay(tmp_path / "other", vendors=300, seed=8)
    assert (
        _digest(other.out)["procurement/vendors/part-00000.parquet"]
        != _digest(data)["procurement/vendors/part-00000.parquet"]
    )


def test_chunk_size_changes_part_files_not_rows(tmp_path: Path) -> None:
    one = generate_procure_to_pay(tmp_path / "one", vendors=1_200, seed=3)
    two = generate_procure_to_pay(tmp_path / "two", vendors=1_200, seed=3, chunk_vendors=1_000)
    assert (one.parts, two.parts) == (1, 2)
    for key in ("accounts_payable/vendor_invoices", "treasury/payments", "procurement/vendors"):
        assert pq.read_table(one.out / key).equals(
            pq.read_table(two.out / key).cast(pq.read_table(one.out / key).schema)
        )


def test_rows_scale_with_vendors(data: Path, tmp_path: Path) -> None:
    small = yaml.safe_load((data / "truth/manifest.yaml").read_text())["tables"]
    big = generate_procure_to_pay(tmp_path / "big", vendors=900, seed=7).rows
    assert big["truth/vendors"] == 900 and small["truth/vendors"]["rows"] == 300
    for key in SOURCE_TABLES:
        ratio = big[key] / small[key]["rows"]
        assert 2.2 < ratio < 3.8, (key, ratio)
    # about 16 POs and 48 PO lines per vendor over the two years
    assert 12 < small["procurement/purchase_orders"]["rows"] / 300 < 22


def test_every_record_of_a_vendor_is_in_the_truth_once(data: Path) -> None:
    checks = {
        "vendors": "vendor_no",
        "vendor_invoices": "invoice_id",
        "payee_accounts": "payee_id",
        "supplier_files": "supplier_id",
    }
    for table, key in checks.items():
        [(missing, extra)] = _sql(
            data,
            f"""select
                (select count(*) from {table} t anti join truth_record_map m on m.record_id = t.{key}),
                (select count(*) from truth_record_map m anti join {table} t on m.record_id = t.{key}
                 where m."table" = '{table}')""",
        )
        assert (missing, extra) == (0, 0), table
    [(dupes, vendors, unknown)] = _sql(
        data,
        """select (select count(*) - count(distinct (domain, record_id)) from truth_record_map),
                  (select count(distinct vendor_id) from truth_record_map where "table" = 'vendors'),
                  (select count(*) from truth_record_map m anti join truth_vendors v using (vendor_id))""",
    )
    assert (dupes, vendors, unknown) == (0, 300, 0)


def test_keys_between_units_agree_with_the_truth(data: Path) -> None:
    # an invoice's PO names a vendor record of the invoice's vendor; a payment goes to an
    # account of the invoice's vendor: the trusted links of vendor.yaml are true
    [(po_links, po_wrong)] = _sql(
        data,
        """select count(*), count(*) filter (where mi.vendor_id <> mv.vendor_id)
           from vendor_invoices i join purchase_orders o using (po_id)
           join truth_record_map mi on mi.record_id = i.invoice_id
           join truth_record_map mv on mv.record_id = o.vendor_no""",
    )
    [(pay_links, pay_wrong)] = _sql(
        data,
        """select count(*), count(*) filter (where mi.vendor_id <> mp.vendor_id)
           from payments p
           join truth_record_map mi on mi.record_id = p.invoice_id
           join truth_record_map mp on mp.record_id = p.payee_id""",
    )
    assert po_links > 3_000 and pay_links > 3_000
    assert po_wrong == 0 and pay_wrong == 0


def test_planted_gaps_are_in_the_data_as_stated(data: Path) -> None:
    gaps = {g["column"]: g for g in yaml.safe_load((data / "truth/gaps.yaml").read_text())["gaps"]}
    assert set(gaps) == {"received_date", "po_id"}
    sites = ", ".join(f"'{s}'" for s in MANUAL_SITES)
    [(missing, rows, off_site)] = _sql(
        data,
        f"""select count(*) filter (where received_date is null), count(*),
                   count(*) filter (where received_date is null and receiving_site not in ({sites}))
            from goods_receipts""",
    )
    assert (missing, rows) == (gaps["received_date"]["missing"], gaps["received_date"]["rows"])
    assert off_site == 0  # only the paper sites fail to capture it
    assert 0.1 < missing / rows < 0.3
    [(no_po, invoices, e_invoices_without)] = _sql(
        data,
        """select count(*) filter (where po_id is null), count(*),
                  count(*) filter (where po_id is null and v.e_invoicing)
           from vendor_invoices i join truth_record_map m on m.record_id = i.invoice_id
           join truth_vendors v using (vendor_id)""",
    )
    assert (no_po, invoices) == (gaps["po_id"]["missing"], gaps["po_id"]["rows"])
    assert e_invoices_without == 0  # e-invoices always carry the PO
    assert 0.08 < no_po / invoices < 0.3


def test_planted_defects_are_counted_exactly(data: Path) -> None:
    defects = {
        d["kind"]: d["count"] for d in yaml.safe_load((data / "truth/defects.yaml").read_text())["defects"]
    }
    [(quantity, gross, duplicates)] = _sql(
        data,
        """select (select count(*) from po_lines where quantity < 1),
                  (select count(*) from vendor_invoices where abs(gross_amount - (net_amount + tax_amount)) >= 0.005),
                  (select count(*) - count(distinct payment_id) from payments)""",
    )
    assert (quantity, gross, duplicates) == (
        defects["not_positive"],
        defects["not_net_plus_tax"],
        defects["duplicate_row"],
    )
    assert min(quantity, gross) > 0


def test_processes_follow_each_other(data: Path) -> None:
    [(early_pay, receipt_before_po, matched_without_po, discount_unmatched)] = _sql(
        data,
        """select
            (select count(*) from payments p join vendor_invoices i using (invoice_id)
             where p.paid_date < i.received_date),
            (select count(*) from goods_receipts r join purchase_orders o using (po_id)
             where r.received_date < cast(o.ordered_at as date)),
            (select count(*) from match_results m join vendor_invoices i using (invoice_id)
             where m.match_status = 'matched' and i.po_id is null),
            (select count(*) from payments p join match_results m using (invoice_id)
             where p.discount_taken > 0 and m.match_status <> 'matched')""",
    )
    assert (early_pay, receipt_before_po, matched_without_po, discount_unmatched) == (0, 0, 0, 0)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(GeneratorArgumentError) as err:
        generate_procure_to_pay(tmp_path / "x", vendors=0)
    assert err.value.argument == "vendors"


def test_cli_generates_procure_to_pay(tmp_path: Path) -> None:
    from andmesh.cli.app import app

    result = CliRunner().invoke(
        app,
        [
            "generate",
            "procure-to-pay",
            "--vendors",
            "50",
            "--seed",
            "1",
            "--out",
            str(tmp_path / "d"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"vendors": 50' in result.output
    assert (tmp_path / "d/truth/record_map").is_dir()
