"""Year/quarter-to-date KPIs and offsets (previous period, same period last year), compiled with
Ibis window functions, against DuckDB SQL windows and self-joins on the same data."""

from __future__ import annotations

import datetime as dt

import pytest

from andmesh.enterprise.kpis import compute
from tests.enterprise.kpis import fixture


def _rows(name: str, period: str = "month", by: list[str] | None = None) -> dict[tuple, float | None]:
    kpis = fixture.kpis()
    frame = compute(kpis[name], fixture.tables(), kpis, period, by or [])
    return {(r["period"], *(r[d] for d in by or [])): r[name] for r in frame.to_pyarrow().to_pylist()}


def test_year_to_date_by_month_equals_a_sql_window() -> None:
    want = fixture.sql(
        "select p, sum(s) over (partition by year(p) order by p) from "
        "(select date_trunc('month', order_date)::date p, sum(amount) s from orders group by 1)"
    )
    assert _rows("revenue_ytd") == pytest.approx({(p,): v for p, v in want})
    assert _rows("revenue_ytd")[(dt.date(2025, 7, 1),)] == 850.0
    assert _rows("revenue_ytd")[(dt.date(2026, 1, 1),)] == 625.0


def test_year_to_date_by_quarter_and_region() -> None:
    want = fixture.sql(
        "select p, region, sum(s) over (partition by region, year(p) order by p) from "
        "(select date_trunc('quarter', order_date)::date p, region, sum(amount) s from o group by 1, 2)"
    )
    assert _rows("revenue_ytd", "quarter", ["region"]) == pytest.approx({(p, r): v for p, r, v in want})


def test_a_cumulated_mean_is_the_ratio_of_the_cumulated_parts() -> None:
    # Quarter to date: late orders so far / orders so far, not the mean of the monthly rates.
    want = fixture.sql(
        "select p, sum(l) over w / sum(n) over w from (select date_trunc('month', order_date)::date p, "
        "sum(coalesce(late, false)::int) l, count(*) n from orders group by 1) "
        "window w as (partition by date_trunc('quarter', p) order by p)"
    )
    got = _rows("late_rate_qtd")
    assert got == pytest.approx({(p,): v for p, v in want})
    # 2025-01: 1 of 2 late; 2025-02: 1 of 2 more → 2 of 4, where the mean of the rates is also 0.5;
    # 2026-01: 1 of 2; 2026-02: 1 of 1 → 2 of 3 (the mean of the rates would be 0.75).
    assert got[(dt.date(2026, 2, 1),)] == pytest.approx(2 / 3)


def test_previous_period_is_null_where_that_period_has_no_row() -> None:
    want = fixture.sql(
        "with m as (select date_trunc('month', order_date)::date p, sum(amount) s from orders group by 1) "
        "select m.p, m.s - b.s from m left join m b on b.p = m.p - interval 1 month"
    )
    got = _rows("revenue_change")
    assert got == pytest.approx({(p,): v for p, v in want}, nan_ok=True)
    assert got[(dt.date(2025, 2, 1),)] == -230.0  # 120 − 350
    assert got[(dt.date(2025, 4, 1),)] is None  # no order in March 2025: no previous value, not February's


def test_previous_period_by_quarter_and_region() -> None:
    want = fixture.sql(
        "with m as (select date_trunc('quarter', order_date)::date p, region, sum(amount) s from o group by 1, 2) "
        "select m.p, m.region, m.s - b.s from m left join m b "
        "on b.p = m.p - interval 3 month and b.region = m.region"
    )
    got = _rows("revenue_change", "quarter", ["region"])
    assert got.keys() == {(p, r) for p, r, _ in want}
    for p, r, v in want:
        assert got[(p, r)] == (None if v is None else pytest.approx(v))


def test_same_period_last_year() -> None:
    want = fixture.sql(
        "with m as (select date_trunc('month', order_date)::date p, sum(amount) s from orders group by 1) "
        "select m.p, m.s / b.s from m left join m b on b.p = m.p - interval 1 year"
    )
    got = _rows("revenue_yoy")
    assert got.keys() == {(p,) for p, _ in want}
    for p, v in want:
        assert got[(p,)] == (None if v is None else pytest.approx(v))
    assert got[(dt.date(2026, 1, 1),)] == pytest.approx(625.0 / 350.0)
    assert got[(dt.date(2026, 4, 1),)] == pytest.approx(290.0 / 360.0)


def test_a_kpi_not_defined_by_the_period_asked_says_so_and_the_others_compute() -> None:
    from andmesh.enterprise.kpis import evaluate_kpis

    results = {
        r.name: r
        for r in evaluate_kpis(
            fixture.tables(), {}, ["revenue", "revenue_ytd"], kpis=fixture.kpis(), period="year"
        )
    }
    assert results["revenue"].status == "computed"
    assert results["revenue_ytd"].reason == "not defined by year: its time grains are month, quarter"
