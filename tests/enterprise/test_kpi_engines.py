"""The KPI specs compile to Ibis: every one gives the same rows on Spark as on DuckDB."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import ibis.expr.types as ir
import pytest

from andmesh.enterprise.kpis import SharedTables, evaluate_kpis
from tests.engine.conformance.conftest import spark_missing
from tests.enterprise.test_kpis import KPIS, tables  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def spark_session() -> Iterator[Any]:
    missing = spark_missing()
    if missing:
        pytest.skip(missing)
    from andmesh.engine import spark_conf
    from andmesh.engine.spark import SparkEngine

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(spark_conf.MASTER, "local[2]")
        patch.setenv(spark_conf.CONF, "spark.sql.shuffle.partitions=2,spark.default.parallelism=2")
        session = SparkEngine().session()
        yield session
        session.close()
        spark_conf.stop()


def _rows(results: list[Any]) -> dict[str, dict[Any, Any]]:
    out = {}
    for result in results:
        assert result.status == "computed", result.name
        out[result.name] = {(r["period"], r["segment"]): r[result.name] for r in result.rows}
    return out


@pytest.mark.spark
def test_every_kpi_gives_the_same_rows_on_spark(spark_session: Any, tables: dict[str, ir.Table]) -> None:  # noqa: F811
    on_spark = {name: spark_session.register_arrow(name, t.to_pyarrow()) for name, t in tables.items()}
    want = _rows(evaluate_kpis(SharedTables(tables), {}, kpis=KPIS, period="quarter", by_segment=True))
    got = _rows(evaluate_kpis(SharedTables(on_spark), {}, kpis=KPIS, period="quarter", by_segment=True))
    assert got.keys() == want.keys()
    for name, rows in want.items():
        assert got[name].keys() == rows.keys(), name
        for key, value in rows.items():
            if value is None or math.isnan(value):
                assert got[name][key] is None or math.isnan(got[name][key]), (name, key)
            else:
                assert got[name][key] == pytest.approx(value, rel=1e-9), (name, key)
