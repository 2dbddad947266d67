"""KPIs cut by any dimension they declare, checked against plain DuckDB SQL on the same data."""

from __future__ import annotations

import datetime as dt

import pytest

from andmesh.enterprise.kpis import compute, evaluate_kpis
from andmesh.errors import UsageError
from tests.enterprise.kpis import fixture


def _by(rows: list[dict], name: str, *dims: str) -> dict[tuple, float | None]:
    return {(r["period"], *(r[d] for d in dims)): r[name] for r in rows}


def test_a_kpi_by_region_equals_sql() -> None:
    (result,) = evaluate_kpis(fixture.tables(), {}, ["late_rate"], kpis=fixture.kpis(), by=["region"])
    assert result.status == "computed" and result.by == ["region"]
    want = fixture.sql(
        "select date_trunc('month', order_date)::date, region, avg(coalesce(late, false)::int) "
        "from o group by 1, 2"
    )
    assert _by(result.rows, "late_rate", "region") == pytest.approx({(p, r): v for p, r, v in want})
    assert {r["region"] for r in result.rows} == {"north", "south", "unassigned"}


def test_two_dimensions_at_once_by_quarter() -> None:
    (result,) = evaluate_kpis(
        fixture.tables(), {}, ["late_rate"], kpis=fixture.kpis(), period="quarter", by=["segment", "region"]
    )
    want = fixture.sql(
        "select date_trunc('quarter', order_date)::date, segment, region, "
        "avg(coalesce(late, false)::int) from o group by 1, 2, 3"
    )
    assert _by(result.rows, "late_rate", "segment", "region") == pytest.approx(
        {(p, s, r): v for p, s, r, v in want}
    )
    assert list(result.rows[0]) == ["period", "segment", "region", "late_rate"]


def test_the_cuts_add_up_to_the_total() -> None:
    kpis, tables = fixture.kpis(), fixture.tables()
    total = compute(kpis["revenue"], tables, kpis, "year").to_pyarrow().to_pylist()
    cut = compute(kpis["revenue"], tables, kpis, "year", ["region"]).to_pyarrow().to_pylist()
    for row in total:
        assert sum(r["revenue"] for r in cut if r["period"] == row["period"]) == pytest.approx(row["revenue"])
    assert [r["revenue"] for r in total] == [850.0, 1055.0]


def test_a_kpi_without_the_dimension_says_so_and_the_others_compute() -> None:
    results = {
        r.name: r
        for r in evaluate_kpis(
            fixture.tables(), {}, ["late_rate", "revenue"], kpis=fixture.kpis(), by=["segment"]
        )
    }
    assert results["late_rate"].status == "computed"
    revenue = results["revenue"]
    assert revenue.status == "not_computable" and not revenue.rows
    assert revenue.reason == (
        "not computable by segment: the KPI declares no dimension `segment` (it declares: region)"
    )


def test_a_derived_kpi_needs_the_dimension_in_every_kpi_it_combines() -> None:
    results = {
        r.name: r
        for r in evaluate_kpis(
            fixture.tables(), {}, ["revenue_change", "revenue_yoy"], kpis=fixture.kpis(), by=["region"]
        )
    }
    assert results["revenue_change"].status == "computed"
    assert results["revenue_yoy"].reason == (
        "not computable by region: the KPI declares no dimension `region` (it declares: none)"
    )


def test_a_dimension_no_kpi_declares_is_a_usage_error_with_did_you_mean() -> None:
    with pytest.raises(UsageError) as caught:
        evaluate_kpis(fixture.tables(), {}, kpis=fixture.kpis(), by=["regoin"])
    assert "no KPI of this mesh declares the dimension `regoin`" in str(caught.value)
    assert "region" in (caught.value.hint or "")


def test_a_gap_in_the_dimension_column_blocks_only_that_cut() -> None:
    gaps = {"sales.accounts.region": "fit gap: 30% empty"}
    kpis, tables = fixture.kpis(), fixture.tables()
    (whole,) = evaluate_kpis(tables, gaps, ["late_rate"], kpis=kpis)
    (cut,) = evaluate_kpis(tables, gaps, ["late_rate"], kpis=kpis, by=["region"])
    assert whole.status == "computed"
    assert cut.status == "not_computable" and cut.gaps == gaps


def test_an_unpublished_dimension_port_makes_the_cut_not_computable() -> None:
    tables = fixture.tables()
    del tables["accounts"]
    (result,) = evaluate_kpis(tables, {}, ["late_rate"], kpis=fixture.kpis(), by=["segment"])
    assert result.reason == "not computable by segment: its product `accounts` is not published"


def test_by_segment_is_by_segment() -> None:
    kpis, tables = fixture.kpis(), fixture.tables()
    (old,) = evaluate_kpis(tables, {}, ["late_rate"], kpis=kpis, by_segment=True)
    (new,) = evaluate_kpis(tables, {}, ["late_rate"], kpis=kpis, by=["segment"])
    assert old.rows == new.rows and old.by == ["segment"]
    assert new.rows[0]["period"] == dt.date(2025, 1, 1)
