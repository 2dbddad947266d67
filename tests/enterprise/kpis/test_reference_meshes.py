"""KPIs cut by region on the Order-to-Cash reference mesh and by supplier and category on
Procure-to-Pay, through the facade, the CLI and the enterprise report; values against DuckDB
SQL over the published tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.facade import Andmesh
from andmesh.generate import generate_procure_to_pay
from andmesh.workspace import Workspace

O2C = Path(__file__).resolve().parents[3] / "examples" / "order_to_cash"
P2P = Path(__file__).resolve().parents[3] / "examples" / "procure_to_pay"


def _sql(facade: Andmesh, query: str, **tables: str) -> list[tuple]:
    con = duckdb.connect()
    for name, table_id in tables.items():
        version = facade.warehouse.current(table_id)
        assert version is not None, table_id
        con.execute(f"create view {name} as select * from read_parquet({list(version.files)!r})")
    return con.execute(query).fetchall()


def test_order_to_cash_by_region_equals_sql(o2c: Andmesh) -> None:
    results = {r.name: r for r in o2c.kpis(["credit_hold_rate", "dso", "otif"], by=["region"], path=O2C)}
    rate = results["credit_hold_rate"]
    assert rate.status == "computed" and rate.by == ["region"]
    want = _sql(
        o2c,
        "select date_trunc('month', d.decided_at)::date, coalesce(a.sales_region, 'unassigned'), "
        "avg((d.decision = 'held')::int) from d left join a using (account_no) group by 1, 2",
        d="credit_management.credit_decisions",
        a="order_management.accounts",
    )
    got = {(r["period"], r["region"]): r["credit_hold_rate"] for r in rate.rows}
    assert got == pytest.approx({(p, g): v for p, g, v in want})
    assert len({g for _, g, _ in want}) > 1
    # The receivables position (Python) is cut by region too: it is looked up by account.
    dso = results["dso"]
    assert dso.status == "computed" and {r["region"] for r in dso.rows} == {g for _, g, _ in want}
    # OTIF keeps its requirement gap, cut or not.
    assert results["otif"].status == "not_computable" and results["otif"].gaps


def test_cli_by_region_and_segment_and_the_alias(o2c: Andmesh) -> None:
    runner = CliRunner()
    ws = str(o2c.workspace.root)
    base = ["-w", ws, "kpis", "credit_hold_rate", "--json"]
    both = runner.invoke(app, [*base, "--by", "region", "--by-segment"])
    assert both.exit_code == 0, both.output
    (result,) = json.loads(both.stdout)
    assert result["by"] == ["region", "segment"]
    assert list(result["rows"][0]) == ["period", "region", "segment", "credit_hold_rate"]
    assert len(result["row_rag_status"]) == len(result["rows"])
    alias = json.loads(runner.invoke(app, [*base, "--by-segment"]).stdout)
    by = json.loads(runner.invoke(app, [*base, "--by", "segment"]).stdout)
    assert alias == by
    wrong = runner.invoke(app, [*base, "--by", "regoin"])
    assert wrong.exit_code == 2
    assert "regoin" in wrong.output and "did you mean `region`?" in wrong.output
    assert "Traceback" not in wrong.output
    table = runner.invoke(app, ["-w", ws, "kpis", "dso", "credit_hold_rate", "--by", "region"])
    assert table.exit_code == 0, table.output
    assert "KPIs by month and region" in table.output


def test_the_report_shows_each_kpis_status(o2c: Andmesh, tmp_path: Path) -> None:
    report = o2c.report_enterprise(tmp_path / "r")
    results = {r.name: r for r in o2c.kpis()}
    text = (tmp_path / "r" / "enterprise.md").read_text()
    assert "| status |" in text
    for headline in report.kpis:
        assert headline.rag_status == results[headline.name].rag_status
    dso = next(k for k in report.kpis if k.name == "dso")
    assert dso.rag_status in ("green", "amber", "red")  # DSO has thresholds (50, 60 days)
    assert f"| {dso.rag_status}" in text.replace("🟢 ", "").replace("🟠 ", "").replace("🔴 ", "")


@pytest.fixture(scope="module")
def p2p(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Andmesh]:
    root = tmp_path_factory.mktemp("p2p_by")
    with pytest.MonkeyPatch.context() as patch:
        for var in ("ANDMESH_WORKSPACE", "ANDMESH_STORE_URL", "ANDMESH_CATALOG_URL", "ANDMESH_DATA"):
            patch.delenv(var, raising=False)
        generate_procure_to_pay(root / "data", vendors=120, seed=11)
        facade = Andmesh(Workspace.resolve(root / "ws"))
        assert facade.run(P2P, data=root / "data").exit_code == 0
        yield facade


@pytest.mark.slow
def test_procure_to_pay_by_supplier_and_category_equals_sql(p2p: Andmesh) -> None:
    results = {r.name: r for r in p2p.kpis(by=["category"], path=P2P)}
    match = results["three_way_match_rate"]
    want = _sql(
        p2p,
        "select date_trunc('month', m.invoice_date)::date, coalesce(v.category, 'unassigned'), "
        "avg((m.match_status = 'matched')::int) from m left join v using (vendor_no) group by 1, 2",
        m="accounts_payable.invoice_matches",
        v="procurement.vendors",
    )
    got = {(r["period"], r["category"]): r["three_way_match_rate"] for r in match.rows}
    assert got == pytest.approx({(p, c): v for p, c, v in want})
    assert results["supplier_on_time_delivery"].status == "not_computable"  # its planted gap, cut or not

    (dpo,) = p2p.kpis(["days_payable_outstanding"], by=["supplier"], path=P2P)
    want = _sql(
        p2p,
        "select date_trunc('month', paid_date)::date, coalesce(v.vendor_no, 'unknown'), "
        "sum(days_to_pay * invoice_gross_amount::double) / sum(invoice_gross_amount::double) "
        "from p left join v using (vendor_no) group by 1, 2",
        p="treasury.payments",
        v="procurement.vendors",
    )
    got = {(r["period"], r["supplier"]): r["days_payable_outstanding"] for r in dpo.rows}
    assert got == pytest.approx({(p, s): v for p, s, v in want})
    assert isinstance(next(iter(got))[0], date)
