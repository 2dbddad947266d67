"""The 20 Order-to-Cash KPI specs give the values of the Python code they replace.

``tests/enterprise/kpi_reference`` is that code (the registry and functions the KPIs were
before issue 14), kept as the definition the specs must agree with: every KPI, by month,
quarter and year, in total and per segment, on the hand-built fixture of test_kpis.py.
"""

from __future__ import annotations

import math
from typing import Any

import ibis.expr.types as ir
import pytest

from andmesh.enterprise.kpis import compute
from tests.enterprise.kpi_reference.registry import KPIS as REFERENCE
from tests.enterprise.test_kpis import KPIS, tables  # noqa: F401  (fixture)


def _rows(frame: ir.Table, name: str, seg: bool) -> dict[Any, Any]:
    key = (lambda r: (r["period"], r["segment"])) if seg else (lambda r: r["period"])
    return {key(r): r[name] for r in frame.to_pyarrow().to_pylist()}


def test_the_mesh_declares_the_twenty_kpis_of_the_reference() -> None:
    assert set(KPIS) == set(REFERENCE)
    for name, kpi in KPIS.items():
        ref = REFERENCE[name]
        assert (kpi.unit, kpi.direction) == (ref.unit, ref.direction), name
        assert set(kpi.requirements) == set(ref.requirements), name
        assert set(kpi.inputs) == set(ref.inputs), name


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
@pytest.mark.parametrize("seg", [False, True])
def test_every_spec_gives_the_reference_values(tables: dict[str, ir.Table], period: str, seg: bool) -> None:  # noqa: F811
    for name, kpi in KPIS.items():
        got = _rows(compute(kpi, tables, KPIS, period, seg), name, seg)
        want = _rows(REFERENCE[name].compute(tables, period, seg), name, seg)
        assert got.keys() == want.keys(), (name, period, seg)
        for key, value in want.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert got[key] is None or math.isnan(got[key]), (name, key)
            else:
                assert got[key] == pytest.approx(value, rel=1e-12), (name, key)
