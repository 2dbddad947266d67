"""Order-to-Cash KPIs (the reference mesh's KPI specs) on a hand-built mesh whose values
were worked out by hand."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pytest
import yaml

from andmesh.enterprise.kpis import SharedTables, compute, get_kpi
from andmesh.enterprise.kpis import evaluate_kpis as _evaluate
from andmesh.enterprise.kpis.evaluate import KpiResult
from andmesh.errors import UsageError
from andmesh.spec import load_mesh

D = date
T = datetime
ROOT = Path(__file__).resolve().parents[2]
MESH = ROOT / "examples" / "order_to_cash"
KPIS = load_mesh(MESH).kpis


def evaluate_kpis(tables: Any, gaps: Any, names: Any = None, **kw: Any) -> list[KpiResult]:
    return _evaluate(tables, gaps, names, kpis=KPIS, **kw)


def _t(rows: list[tuple[Any, ...]], schema: dict[str, str]) -> ir.Table:
    cols = {name: [r[i] for r in rows] for i, name in enumerate(schema)}
    return ibis.memtable(cols, schema=ibis.schema(schema))


@pytest.fixture
def tables() -> dict[str, ir.Table]:
    """Accounts A (enterprise) and B (small_business); orders O1, O2 (January), O3, O4.

    I1 (A, 100, due 02-09): paid 60 on 02-14 and 40 on 03-03, disputed.
    I2 (B, 200, due 01-25): paid 50 on 01-25, the other 150 written off on 02-20.
    I3 (A, 300, due 03-07): unpaid.
    """
    return {
        "accounts": _t(
            [("A", "enterprise"), ("B", "small_business")],
            {"account_no": "string", "segment": "string"},
        ),
        "orders": _t(
            [
                ("O1", "A", T(2025, 1, 1, 15), D(2025, 1, 8)),
                ("O2", "B", T(2025, 1, 2, 9), D(2025, 1, 15)),
                ("O3", "A", T(2025, 2, 1, 8), None),
                ("O4", "B", T(2025, 2, 2, 8), None),
            ],
            {
                "order_id": "string",
                "account_no": "string",
                "order_ts": "timestamp",
                "requested_delivery_date": "date",
            },
        ),
        "credit_decisions": _t(
            [
                ("O1", "A", T(2025, 1, 2, 10), "approved", None),
                ("O2", "B", T(2025, 1, 3, 10), "held", T(2025, 1, 5, 9)),
                ("O3", "A", T(2025, 2, 1, 9), "approved", None),
                ("O4", "B", T(2025, 2, 2, 9), "held", None),
            ],
            {
                "order_id": "string",
                "account_no": "string",
                "decided_at": "timestamp",
                "decision": "string",
                "released_at": "timestamp",
            },
        ),
        "shipments": _t(
            [
                ("O1", "A", T(2025, 1, 6, 14), T(2025, 1, 8, 12), D(2025, 1, 9), T(2025, 1, 8, 13)),
                ("O2", "B", T(2025, 1, 6, 14), T(2025, 1, 12, 12), D(2025, 1, 10), T(2025, 1, 16, 10)),
                ("O3", "A", T(2025, 2, 3, 14), None, D(2025, 2, 6), None),
            ],
            {
                "order_id": "string",
                "account_no": "string",
                "shipped_at": "timestamp",
                "delivered_at": "timestamp",
                "promised_date": "date",
                "pod_signed_at": "timestamp",
            },
        ),
        "fulfillments": _t(
            [("O1", True), ("O2", True), ("O3", True)],
            {"order_id": "string", "fully_shipped": "boolean"},
        ),
        "invoices": _t(
            [
                ("I1", "O1", "A", D(2025, 1, 10), D(2025, 2, 9), 100.0, False),
                ("I2", "O2", "B", D(2025, 1, 20), D(2025, 1, 25), 200.0, False),
                ("I3", "O3", "A", D(2025, 2, 5), D(2025, 3, 7), 300.0, False),
            ],
            {
                "invoice_id": "string",
                "order_id": "string",
                "account_no": "string",
                "invoice_date": "date",
                "due_date": "date",
                "gross_amount": "float64",
                "gross_amount_corrected": "boolean",
            },
        ),
        "order_billing": _t(
            [("O1", "billed"), ("O2", "billed"), ("O3", "billed")],
            {"order_id": "string", "billing_status": "string"},
        ),
        "payments": _t(
            [
                ("I1", "A", D(2025, 2, 14), 60.0),
                ("I1", "A", D(2025, 3, 3), 40.0),
                ("I2", "B", D(2025, 1, 25), 50.0),
                (None, None, D(2025, 1, 26), 999.0),  # unapplied cash does not reduce AR
            ],
            {
                "matched_invoice_id": "string",
                "account_no": "string",
                "received_at": "date",
                "amount": "float64",
            },
        ),
        "open_items": _t(
            [
                ("I1", "A", D(2025, 1, 10), True, None, T(2025, 2, 20, 16)),
                ("I2", "B", D(2025, 1, 20), False, D(2025, 2, 20), None),
                ("I3", "A", D(2025, 2, 5), False, None, None),
            ],
            {
                "invoice_id": "string",
                "account_no": "string",
                "invoice_date": "date",
                "dispute_flag": "boolean",
                "written_off_at": "date",
                "dispute_resolved_at": "timestamp",
            },
        ),
        "invoice_settlements": _t(
            [
                ("I1", "A", D(2025, 2, 9), 100.0, 0.0, D(2025, 3, 3)),
                ("I2", "B", D(2025, 1, 25), 200.0, 150.0, None),
                ("I3", "A", D(2025, 3, 7), 300.0, 300.0, None),
            ],
            {
                "invoice_id": "string",
                "account_no": "string",
                "due_date": "date",
                "gross_amount": "float64",
                "unpaid_amount": "float64",
                "settled_date": "date",
            },
        ),
    }


def values(
    tables: dict[str, ir.Table], name: str, period: str = "month", seg: bool = False
) -> dict[Any, Any]:
    frame = compute(get_kpi(KPIS, name), tables, KPIS, period, seg).to_pyarrow().to_pylist()
    key = (lambda r: (r["period"], r["segment"])) if seg else (lambda r: r["period"])
    return {key(r): r[name] for r in frame}


JAN, FEB, MAR = D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)

# Receivables at period end (outstanding = gross − cash applied, 0 once written off):
#   Jan 31 (31 days): I1 100 (current), I2 150 (past due)   total 250, current 100, sales 300
#   Feb 28 (28 days): I1 40 (past due), I2 0, I3 300 (cur.) total 340, current 300, sales 300
#   Q1 end Mar 31 (90 days): I3 300 (past due)              total 300, current 0,   sales 600
EXPECTED = {
    ("dso", "month"): {JAN: 250 / 300 * 31, FEB: 340 / 300 * 28},  # 25.83, 31.73
    ("best_possible_dso", "month"): {JAN: 100 / 300 * 31, FEB: 28.0},
    ("average_days_delinquent", "month"): {JAN: 150 / 300 * 31, FEB: 40 / 300 * 28},  # 15.5
    # CEI Jan: (0 + 300 − 250) / (0 + 300 − 100) = 25 %; Feb: (250+300−340)/(250+300−300) = 84 %
    ("collection_effectiveness_index", "month"): {JAN: 25.0, FEB: 84.0},
    ("dso", "quarter"): {JAN: 45.0},  # 300 / 600 × 90
    ("best_possible_dso", "quarter"): {JAN: 0.0},
    ("collection_effectiveness_index", "quarter"): {JAN: 50.0},  # (600 − 300) / 600
    ("days_beyond_terms", "month"): {MAR: 22.0},  # I1 settled 03-03, due 02-09
    ("bad_debt_ratio", "month"): {JAN: 0.0, FEB: 0.5},  # 150 written off / 300 sales
    ("dispute_rate", "month"): {JAN: 0.5, FEB: 0.0},  # I1 of {I1, I2}; none of {I3}
    ("credit_hold_rate", "month"): {JAN: 0.5, FEB: 0.5},
    # Only O1 reached cash: Jan 1 → approved Jan 2 → shipped Jan 6 → invoiced Jan 10 → Mar 3.
    ("o2c_cycle_time", "month"): {MAR: 61.0},
    ("approval_time", "month"): {MAR: 1.0},
    ("fulfillment_time", "month"): {MAR: 4.0},
    ("invoice_lag", "month"): {MAR: 4.0},
    ("collection_time", "month"): {MAR: 52.0},
    # Delivered in January: O1 (Jan 8; requested Jan 8, promised Jan 9) and
    # O2 (Jan 12; requested Jan 15, promised Jan 10); O3 is in transit.
    ("otif", "month"): {JAN: 1.0},
    ("otif_promised", "month"): {JAN: 0.5},
    ("perfect_order_rate", "month"): {JAN: 0.5},  # O1 is disputed
    # O2 held 01-03 10:00, released 01-05 09:00; O4 is still on hold (not counted yet).
    ("credit_hold_hours", "month"): {JAN: 47.0},
    # January: 999 of 1,049 received matched no invoice.
    ("unapplied_cash_share", "month"): {JAN: 999 / 1049, FEB: 0.0, MAR: 0.0},
    ("dispute_resolution_days", "month"): {FEB: 41.0},  # I1: invoiced 01-10, resolved 02-20
    # POD signed: O1 01-08 (requested 01-08, on time), O2 01-16 (requested 01-15, late).
    ("on_time_delivery_rate", "month"): {JAN: 0.5},
}


@pytest.mark.parametrize(("name", "period"), list(EXPECTED))
def test_kpi_values(tables: dict[str, ir.Table], name: str, period: str) -> None:
    got = values(tables, name, period)
    want = EXPECTED[(name, period)]
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value), (name, key)


def test_kpis_per_segment(tables: dict[str, ir.Table]) -> None:
    # A: Jan 100/100 × 31; Feb 340/300 × 28. B: Jan 150/200 × 31; Feb no sales → NULL.
    dso = values(tables, "dso", seg=True)
    assert dso[(JAN, "enterprise")] == pytest.approx(31.0)
    assert dso[(FEB, "enterprise")] == pytest.approx(340 / 300 * 28)
    assert dso[(JAN, "small_business")] == pytest.approx(23.25)
    assert dso[(FEB, "small_business")] is None or math.isnan(dso[(FEB, "small_business")])
    # CEI for B in Feb: (150 + 0 − 0) / (150 + 0 − 0) = 100 %, begin AR from January.
    cei = values(tables, "collection_effectiveness_index", seg=True)
    assert cei[(FEB, "small_business")] == pytest.approx(100.0)
    hold = values(tables, "credit_hold_rate", seg=True)
    assert hold == {
        (JAN, "enterprise"): 0.0,
        (JAN, "small_business"): 1.0,
        (FEB, "enterprise"): 0.0,
        (FEB, "small_business"): 1.0,
    }
    assert values(tables, "otif_promised", seg=True) == {
        (JAN, "enterprise"): 1.0,
        (JAN, "small_business"): 0.0,
    }


def test_gap_makes_kpi_not_computable_without_computing_it(tables: dict[str, ir.Table]) -> None:
    gap = "missing on 54% of orders (standard: 99% filled)"
    # No orders, shipments or fulfillments at all: computing OTIF would fail.
    only_credit = {"credit_decisions": tables["credit_decisions"]}
    results = evaluate_kpis(
        only_credit,
        {"order_management.orders.requested_delivery_date": gap},
        ["otif", "credit_hold_rate"],
    )
    otif, hold = results
    assert otif.status == "not_computable"
    assert otif.rows == []
    assert otif.reason is not None and gap in otif.reason
    assert otif.gaps == {"order_management.orders.requested_delivery_date": gap}
    assert hold.status == "computed"
    assert hold.rows == [{"period": JAN, "credit_hold_rate": 0.5}, {"period": FEB, "credit_hold_rate": 0.5}]
    with pytest.raises(UsageError):
        compute(get_kpi(KPIS, "otif"), only_credit, KPIS)


def test_segment_gap_blocks_segment_reporting_only(tables: dict[str, ir.Table]) -> None:
    gaps = {"order_management.accounts.segment": "segment not captured to standard"}
    (per_segment,) = evaluate_kpis(tables, gaps, ["dispute_rate"], by_segment=True)
    (total,) = evaluate_kpis(tables, gaps, ["dispute_rate"])
    assert per_segment.status == "not_computable"
    assert total.status == "computed"
    assert total.model_dump(mode="json")["rows"][0] == {"period": "2025-01-01", "dispute_rate": 0.5}


def test_unknown_kpi_and_period_say_did_you_mean(tables: dict[str, ir.Table]) -> None:
    with pytest.raises(UsageError, match="unknown KPI") as err:
        get_kpi(KPIS, "dos")
    assert err.value.hint == "did you mean `dso`?"
    with pytest.raises(UsageError) as err:
        evaluate_kpis(tables, {}, ["otfi"])
    assert err.value.hint == "did you mean `otif`?"
    with pytest.raises(UsageError) as err:
        compute(get_kpi(KPIS, "dso"), tables, KPIS, period="monht")
    assert err.value.hint == "did you mean `month`?"


def test_registry_is_complete_and_requirements_name_contract_columns() -> None:
    columns: dict[str, set[str]] = {}
    for path in MESH.glob("domains/*/products/*/contract.yaml"):
        contract = yaml.safe_load(path.read_text())
        domain = path.parts[-4]
        for obj in contract["schema"]:
            columns[f"{domain}.{obj['name']}"] = {p["name"] for p in obj["properties"]}
    # An attribute no contract has yet is required of its domain by a `newAttribute` requirement.
    asked_for = {r.id for r in load_mesh(MESH).requirements.values() if r.spec.newAttribute}
    for kpi in KPIS.values():
        assert kpi.formula and kpi.title and kpi.direction in ("lower", "higher")
        assert kpi.requirements
        for req in kpi.requirements:
            port, column = req.rsplit(".", 1)
            assert column in columns[port] or req in asked_for, req
    assert len(KPIS) == 20


@pytest.mark.slow
def test_every_kpi_computes_on_the_reference_mesh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from andmesh.facade import Andmesh
    from andmesh.generate import generate_order_to_cash
    from andmesh.workspace import Workspace

    for var in ("ANDMESH_WORKSPACE", "ANDMESH_STORE_URL", "ANDMESH_CATALOG_URL", "ANDMESH_DATA"):
        monkeypatch.delenv(var, raising=False)
    data = tmp_path / "data"
    generate_order_to_cash(data, customers=1000, seed=7)
    facade = Andmesh(Workspace.resolve(tmp_path / "ws"))
    facade.run(MESH, data=data)
    con = ibis.duckdb.connect()
    needed = {port for kpi in KPIS.values() for port in kpi.inputs} | {"accounts"}
    tables: dict[str, ir.Table] = {}
    for path in MESH.glob("domains/*/products/*"):
        port = path.name
        version = facade.warehouse.current(f"{path.parts[-3]}.{port}")
        if port in needed and version is not None:
            tables[port] = con.read_parquet(version.files, table_name=port)
    assert needed <= tables.keys()
    # The attributes the mesh still asks its domains for are not published: a gap each.
    asked_for = {r.id: "not captured" for r in load_mesh(MESH).requirements.values() if r.spec.newAttribute}
    for by_segment in (False, True):
        results = evaluate_kpis(tables, asked_for, period="quarter", by_segment=by_segment)
        for result in results:
            if set(KPIS[result.name].requirements) & asked_for.keys():
                assert result.status == "not_computable", result.name
                continue
            assert result.status == "computed", result.name
            assert len(result.rows) >= 8, result.name  # two years of quarters
    dso = {r["period"]: r["dso"] for r in evaluate_kpis(tables, {}, ["dso"])[0].rows}
    assert all(v is None or 0 < v < 365 for v in dso.values())


def test_kpis_sharing_an_intermediate_table_give_the_same_values(tables: dict[str, ir.Table]) -> None:
    # One evaluation computes the receivables position and the order milestones once.
    family = ["dso", "best_possible_dso", "collection_effectiveness_index", "o2c_cycle_time", "invoice_lag"]
    for by_segment in (False, True):
        evaluated = evaluate_kpis(tables, {}, family, by_segment=by_segment)
        for result in evaluated:
            key = (lambda r: (r["period"], r["segment"])) if by_segment else (lambda r: r["period"])
            got = {key(r): r[result.name] for r in result.rows}
            want = values(tables, result.name, seg=by_segment)
            assert got.keys() == want.keys(), result.name
            for k, v in want.items():
                assert (got[k] is None and (v is None or math.isnan(v))) or got[k] == pytest.approx(v), (
                    result.name,
                    k,
                )


@pytest.mark.parametrize("by_segment", [False, True])
def test_one_shared_evaluation_equals_one_kpi_at_a_time(
    tables: dict[str, ir.Table], by_segment: bool
) -> None:
    # The CLI evaluates every KPI on one SharedTables (the position, milestones and delivered
    # orders built once); each KPI alone on a plain mapping builds them itself.
    shared_tables = SharedTables(tables)
    together = {r.name: r for r in evaluate_kpis(shared_tables, {}, period="quarter", by_segment=by_segment)}
    assert shared_tables.memo, "the evaluation shared no intermediate table"
    assert set(together) == set(KPIS)
    for name in KPIS:
        [alone] = evaluate_kpis(dict(tables), {}, [name], period="quarter", by_segment=by_segment)
        assert together[name].status == alone.status == "computed", name
        assert len(together[name].rows) == len(alone.rows) > 0, name
        for got, want in zip(together[name].rows, alone.rows, strict=True):
            assert got.keys() == want.keys(), name
            for column, value in want.items():
                if isinstance(value, float):
                    assert got[column] == pytest.approx(value, rel=1e-12), (name, column, want)
                else:
                    assert got[column] == value, (name, column, want)
