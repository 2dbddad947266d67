"""Dimensions, cumulative KPIs and offsets give the same rows on Spark as on DuckDB."""

from __future__ import annotations

import math
from typing import Any

import pytest

from andmesh.enterprise.kpis import SharedTables, evaluate_kpis
from tests.enterprise.kpis import fixture
from tests.enterprise.test_kpi_engines import spark_session  # noqa: F401  (fixture)


def _rows(results: list[Any], by: list[str]) -> dict[tuple[Any, ...], Any]:
    out = {}
    for result in results:
        assert result.status == "computed", (result.name, result.reason)
        for row in result.rows:
            out[(result.name, row["period"], *(row[d] for d in by))] = row[result.name]
    return out


@pytest.mark.spark
@pytest.mark.parametrize(
    ("period", "by"), [("month", []), ("quarter", ["region"]), ("month", ["segment", "region"])]
)
def test_the_fixture_kpis_on_spark(spark_session: Any, period: str, by: list[str]) -> None:  # noqa: F811
    kpis = fixture.kpis()
    names = [
        n for n, k in kpis.items() if period in k.spec.timeGrains and all(d in k.spec.dimensions for d in by)
    ]
    on_spark = {n: spark_session.register_arrow(n, t.to_pyarrow()) for n, t in fixture.tables().items()}
    want = _rows(
        evaluate_kpis(SharedTables(fixture.tables()), {}, names, kpis=kpis, period=period, by=by), by
    )
    got = _rows(evaluate_kpis(SharedTables(on_spark), {}, names, kpis=kpis, period=period, by=by), by)
    assert got.keys() == want.keys()
    for key, value in want.items():
        if value is None or math.isnan(value):
            assert got[key] is None or math.isnan(got[key]), key
        else:
            assert got[key] == pytest.approx(value, rel=1e-9), key
