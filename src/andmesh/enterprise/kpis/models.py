"""Python tables a KPI spec may name as its ``source: {model: …}``: only what truly needs code.

The receivables position at each period end is rebuilt from ledger movements (a running
sum of events per invoice, clipped at 0; see :mod:`andmesh.enterprise.kpis.receivables`):
no declarative step expresses it. DSO, best possible DSO and CEI are specs over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from andmesh.spec.kpi import register_model_columns

if TYPE_CHECKING:
    # Types only: loading KPI specs registers the models' columns without Ibis (issue 12).
    import ibis.expr.types as ir

    from andmesh.enterprise.kpis._common import Dimensions, Tables
    from andmesh.enterprise.kpis.compile import ModelFn


def _receivables_position(tables: Tables, period: str, dims: Dimensions) -> ir.Table:
    from andmesh.enterprise.kpis.receivables import receivables_position

    return receivables_position(tables, period, dims)


#: Model name → function(tables, time grain, dimensions by name) → one row per period (and dimension).
MODELS: dict[str, ModelFn] = {"receivables_position": _receivables_position}

register_model_columns(
    "receivables_position",
    ("period", "days", "credit_sales", "ar_total", "ar_current", "ar_begin"),
    ("invoices", "payments", "open_items"),
    # Every ledger event carries its invoice's account: any dimension looked up by it cuts the position.
    keys=("account_no",),
)
