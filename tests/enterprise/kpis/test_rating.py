"""Red, amber, green on the KPI results: direction-aware, per row and for the latest period."""

from __future__ import annotations

from andmesh.enterprise.kpis import evaluate_kpis
from tests.enterprise.kpis import fixture


def test_each_row_and_the_latest_period_are_rated_against_the_thresholds() -> None:
    # late_rate: lower is better, amber above 0.3, red above 0.6.
    (result,) = evaluate_kpis(fixture.tables(), {}, ["late_rate"], kpis=fixture.kpis(), period="quarter")
    values = [r["late_rate"] for r in result.rows]
    assert values == [0.5, 0.5, 0.0, 0.5, 1 / 3]
    assert result.row_rag_status == ["amber", "amber", "green", "amber", "amber"]
    assert result.rag_status == "amber"
    assert result.thresholds is not None and result.thresholds.critical == 0.6


def test_the_latest_status_is_the_worst_of_the_latest_periods_rows() -> None:
    (result,) = evaluate_kpis(fixture.tables(), {}, ["late_rate"], kpis=fixture.kpis(), by=["region"])
    latest = [
        (r["region"], s)
        for r, s in zip(result.rows, result.row_rag_status, strict=True)
        if str(r["period"]) == "2026-05-01"
    ]
    assert latest == [("north", "green")]
    assert result.rag_status == "green"
    april = {
        r["region"]: s
        for r, s in zip(result.rows, result.row_rag_status, strict=True)
        if str(r["period"]) == "2026-04-01"
    }
    assert april == {"south": "green", "unassigned": "red"}


def test_a_target_alone_rates_green_or_amber_the_higher_way() -> None:
    # revenue: higher is better, target 300, no thresholds.
    (result,) = evaluate_kpis(fixture.tables(), {}, ["revenue"], kpis=fixture.kpis(), period="quarter")
    pairs = [(r["revenue"], s) for r, s in zip(result.rows, result.row_rag_status, strict=True)]
    assert pairs == [(470.0, "green"), (360.0, "green"), (20.0, "amber"), (710.0, "green"), (345.0, "green")]


def test_a_kpi_with_neither_has_no_status() -> None:
    (result,) = evaluate_kpis(fixture.tables(), {}, ["revenue_ytd"], kpis=fixture.kpis())
    assert result.rag_status is None and set(result.row_rag_status) == {None}
