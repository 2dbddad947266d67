"""Order-to-Cash KPIs as an enterprise data product: formulas, registry, evaluation.

>>> from andmesh.enterprise.kpis import KPIS
>>> KPIS["dso"].direction
'lower'
"""

from __future__ import annotations

from andmesh.enterprise.kpis._common import SharedTables
from andmesh.enterprise.kpis.evaluate import KpiResult, evaluate_kpis
from andmesh.enterprise.kpis.registry import KPI, KPIS, get_kpi

__all__ = ["KPI", "KPIS", "KpiResult", "SharedTables", "evaluate_kpis", "get_kpi"]
