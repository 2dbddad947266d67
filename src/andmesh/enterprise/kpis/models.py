"""Python tables a KPI spec may name as its ``source: {model: …}``: only what truly needs code.

The receivables position at each period end is rebuilt from ledger movements (a running
sum of events per invoice, clipped at 0; see :mod:`andmesh.enterprise.kpis.receivables`):
no declarative step expresses it. DSO, best possible DSO and CEI are specs over it.
"""

from __future__ import annotations

import ibis.expr.types as ir

from andmesh.enterprise.kpis._common import Tables
from andmesh.enterprise.kpis.compile import ModelFn
from andmesh.errors import UsageError
from andmesh.spec.kpi import register_model_columns


def _receivables_position(tables: Tables, period: str, dims: list[str]) -> ir.Table:
    from andmesh.enterprise.kpis.receivables import receivables_position

    if set(dims) - {"segment"}:
        raise UsageError(
            f"the receivables position is cut by `segment` only, not {sorted(set(dims) - {'segment'})}"
        )
    return receivables_position(tables, period, "segment" in dims)


#: Model name → function(tables, time grain, dimensions) → one row per period (and dimension).
MODELS: dict[str, ModelFn] = {"receivables_position": _receivables_position}

register_model_columns(
    "receivables_position",
    ("period", "segment", "days", "credit_sales", "ar_total", "ar_current", "ar_begin"),
    ("invoices", "payments", "open_items"),
)
