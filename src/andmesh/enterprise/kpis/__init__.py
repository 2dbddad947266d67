"""KPIs as specs: compiled to Ibis, evaluated on the published products of any mesh.

Each mesh declares its KPIs in ``enterprise/kpis/<name>.yaml`` (kind ``KPI``, see
docs/kpis.md); ``mesh.kpis`` holds them once linted against the contracts.
"""

from __future__ import annotations

from andmesh.enterprise.kpis._common import SharedTables
from andmesh.enterprise.kpis.evaluate import KpiResult, evaluate_kpis
from andmesh.enterprise.kpis.registry import compute, get_kpi

__all__ = ["KpiResult", "SharedTables", "compute", "evaluate_kpis", "get_kpi"]
