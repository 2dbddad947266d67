"""A small sales mesh as tables, KPI specs over it, and DuckDB SQL that computes the same
figures independently (the oracle the compiled KPIs must equal)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import yaml

from andmesh.spec.kpi import Kpi, KpiSpec

D = dt.date

# Orders over two years with a hole (no order in 2025-03) so offsets meet a missing period;
# A9 is in no account master row (default `unassigned`), A3 has no region (default too).
ORDERS = pa.table(
    {
        "order_id": [f"O{i}" for i in range(1, 15)],
        "account_no": ["A1", "A2", "A1", "A3", "A9", "A2", "A1", "A3", "A2", "A1", "A9", "A3", "A2", "A1"],
        "order_date": [
            D(y, m, d)
            for y, m, d in [
                (2025, 1, 5),
                (2025, 1, 20),
                (2025, 2, 3),
                (2025, 2, 28),
                (2025, 4, 2),
                (2025, 4, 9),
                (2025, 7, 1),
                (2026, 1, 15),
                (2026, 1, 16),
                (2026, 2, 1),
                (2026, 3, 3),
                (2026, 4, 30),
                (2026, 4, 1),
                (2026, 5, 5),
            ]
        ],
        "amount": [100.0, 250.0, 80.0, 40.0, 60.0, 300.0, 20.0, 500.0, 125.0, 75.0, 10.0, 90.0, 200.0, 55.0],
        "late": [True, False, False, True, None, True, False, False, True, True, False, True, False, False],
    }
)
ACCOUNTS = pa.table(
    {
        "account_no": ["A1", "A2", "A3"],
        "segment": ["enterprise", "smb", "smb"],
        "region": ["north", "south", None],
    }
)

COMMON = """
apiVersion: andmesh/v1
kind: KPI
owner: ada
unit: ratio
formula: see the test
source: {port: sales.orders}
timeDimension: order_date
"""
DIMS = """
dimensions:
  segment: {port: sales.accounts, key: account_no, column: segment, default: unassigned}
  region: {port: sales.accounts, key: account_no, column: region, default: unassigned}
"""
SPECS: dict[str, str] = {
    "late_rate": COMMON
    + DIMS
    + """
title: Late orders
direction: lower
measures: {late: {agg: mean, expr: late}}
value: late
thresholds: {warning: 0.3, critical: 0.6}
""",
    # Declares `region` only: by segment it is "not computable by segment", not an error.
    "revenue": COMMON
    + """
title: Revenue
direction: higher
dimensions:
  region: {port: sales.accounts, key: account_no, column: region, default: unassigned}
measures: {amount: {agg: sum, expr: amount}}
value: amount
target: 300
""",
    "revenue_ytd": COMMON
    + DIMS
    + """
title: Revenue, year to date
direction: higher
timeGrains: [month, quarter]
cumulative: year
measures: {amount: {agg: sum, expr: amount}, orders: {agg: count}}
value: amount
""",
    "late_rate_qtd": COMMON
    + DIMS
    + """
title: Late orders, quarter to date
direction: lower
timeGrains: [month]
cumulative: quarter
measures: {late: {agg: mean, expr: late}, biggest: {agg: max, expr: amount}}
value: late
""",
    "revenue_change": """
apiVersion: andmesh/v1
kind: KPI
owner: ada
unit: currency
formula: revenue − revenue of the period before
title: Revenue change on the period before
direction: higher
dimensions:
  region: {port: sales.accounts, key: account_no, column: region, default: unassigned}
kpis: [revenue]
offsets:
  revenue_before: {kpi: revenue, shift: previous_period}
value: revenue - revenue_before
""",
    "revenue_yoy": """
apiVersion: andmesh/v1
kind: KPI
owner: ada
unit: ratio
formula: revenue / revenue of the same period last year
title: Revenue on the same period last year
direction: higher
offsets:
  revenue_last_year: {kpi: revenue, shift: same_period_last_year}
kpis: [revenue]
value: revenue / revenue_last_year
""",
}


def kpis() -> dict[str, Kpi]:
    out = {}
    for name, text in SPECS.items():
        spec = KpiSpec.model_validate({"name": name, **yaml.safe_load(text)})
        out[name] = Kpi(name, Path(f"{name}.yaml"), spec, ("orders",))
    for kpi in out.values():
        kpi.needs = tuple(kpi.spec.requirements)
    return out


def tables() -> dict[str, ir.Table]:
    return {"orders": ibis.memtable(ORDERS), "accounts": ibis.memtable(ACCOUNTS)}


def sql(query: str) -> list[tuple[Any, ...]]:
    """``query`` over the same data in plain DuckDB: ``orders`` and ``accounts`` as tables,
    ``o`` the orders with their (defaulted) segment and region."""
    con = duckdb.connect()
    con.register("orders", ORDERS)
    con.register("accounts", ACCOUNTS)
    con.execute(
        "create view o as select orders.*, coalesce(a.segment, 'unassigned') as segment, "
        "coalesce(a.region, 'unassigned') as region from orders left join accounts a using (account_no)"
    )
    return con.execute(query).fetchall()
