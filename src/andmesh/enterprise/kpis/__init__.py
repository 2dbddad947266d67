"""KPIs as specs: compiled to Ibis, evaluated on the published products of any mesh.

Each mesh declares its KPIs in ``enterprise/kpis/<name>.yaml`` (kind ``KPI``, see
docs/kpis.md); ``mesh.kpis`` holds them once linted against the contracts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from andmesh.lazy import lazy_getattr

if TYPE_CHECKING:
    from andmesh.enterprise.kpis._common import SharedTables
    from andmesh.enterprise.kpis.evaluate import KpiResult, evaluate_kpis
    from andmesh.enterprise.kpis.registry import compute, get_kpi

# Loaded on first use: loading KPI specs imports ``kpis.models`` (the models' columns), which
# must not pull Ibis into a no-op `andmesh run` through this package (issue 12).
_LAZY = {
    "SharedTables": "andmesh.enterprise.kpis._common",
    "KpiResult": "andmesh.enterprise.kpis.evaluate",
    "evaluate_kpis": "andmesh.enterprise.kpis.evaluate",
    "compute": "andmesh.enterprise.kpis.registry",
    "get_kpi": "andmesh.enterprise.kpis.registry",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = ["KpiResult", "SharedTables", "compute", "evaluate_kpis", "get_kpi"]
