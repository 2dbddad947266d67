"""A mesh runs alike on every engine: SQL and Python pipelines over sources of every format and
upstream ports, relationships across products, the gate holding bad data back, versions
published to Iceberg and read back by their snapshot's files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.engine.base import Engine
from andmesh.facade import Andmesh
from andmesh.pipeline.results import PortStatus
from tests.pipeline.conftest import (
    RATES_CONTRACT,
    RATES_DOMAIN,
    RATES_PRODUCT,
    SEGMENTS_CONTRACT,
    SEGMENTS_PIPELINE,
    SEGMENTS_PRODUCT,
)

ORDERS_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: sales.orders
name: orders
domain: sales
status: active
version: 1.0.0
team:
  - username: owner
    role: owner
inputPorts:
  - name: customers
    version: 1.0.0
    contractId: sales.customers
outputPorts:
  - name: orders
    version: 1.0.0
    contractId: sales.orders
customProperties:
  - property: pipeline
    value: orders.sql
  - property: sources
    value:
      - name: raw_orders
        path: sales/orders/*.parquet
        format: parquet
"""

# DuckDB's dialect, as every spec is written: `::` casts, a join to an upstream port, a window.
ORDERS_SQL = """\
select
    o.order_id,
    o.customer_id,
    o.amount::double as amount,
    cast(o.ordered_at as date) as ordered_on,
    c.segment,
    row_number() over (partition by o.customer_id order by o.ordered_at) as nth_order
from raw_orders o
left join customers c on c.customer_id = o.customer_id
"""

ORDERS_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: sales.orders
name: orders
version: 1.0.0
status: active
schema:
  - name: orders
    properties:
      - {name: order_id, logicalType: string, primaryKey: true, required: true}
      - name: customer_id
        logicalType: string
        required: true
        relationships: [{type: foreignKey, to: customers.customer_id}]
      - {name: amount, logicalType: number, logicalTypeOptions: {minimum: 0}}
      - {name: ordered_on, logicalType: date}
      - {name: segment, logicalType: string}
      - {name: nth_order, logicalType: integer, logicalTypeOptions: {minimum: 1}}
    quality:
      - {metric: rowCount, mustBeGreaterThan: 0}
      - {type: sql, query: "select count(*) from orders where amount > 1000", mustBeLessOrEqualTo: 1}
"""


def write_orders(mesh: Path, rows: list[tuple[str, str, float, dt.datetime]]) -> None:
    folder = mesh / "data/sales/orders"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    half = len(rows) // 2
    for index, part in enumerate((rows[:half], rows[half:])):
        ids, customers, amounts, times = zip(*part, strict=True)
        table = pa.table(
            {
                "order_id": list(ids),
                "customer_id": list(customers),
                "amount": pa.array(amounts, pa.float32()),
                "ordered_at": pa.array(times, pa.timestamp("us")),
            }
        )
        pq.write_table(table, folder / f"part-{index}.parquet")


T0 = dt.datetime(2026, 3, 1, 9, 30)
GOOD = [
    ("O1", "C001", 120.0, T0),
    ("O2", "C001", 1500.0, T0 + dt.timedelta(days=1, hours=3)),
    ("O3", "C002", 80.5, T0 + dt.timedelta(days=2)),
    ("O4", "C003", 10.0, T0 + dt.timedelta(days=3)),
]


@pytest.fixture
def mesh(mesh_dir: Path) -> Path:
    """customers (CSV, SQL) → segments (Python) and orders (Parquet, SQL, relationship); rates (CSV)."""
    sales = mesh_dir / "domains/sales/products"
    for name, files in {
        "segments": {"product.yaml": SEGMENTS_PRODUCT, "segments.py": SEGMENTS_PIPELINE},
        "orders": {"product.yaml": ORDERS_PRODUCT, "orders.sql": ORDERS_SQL},
    }.items():
        (sales / name).mkdir()
        for file, text in files.items():
            (sales / name / file).write_text(text)
    (sales / "segments/contract.yaml").write_text(SEGMENTS_CONTRACT)
    (sales / "orders/contract.yaml").write_text(ORDERS_CONTRACT)
    finance = mesh_dir / "domains/finance"
    (finance / "products/rates").mkdir(parents=True)
    (finance / "domain.yaml").write_text(RATES_DOMAIN)
    (finance / "products/rates/product.yaml").write_text(RATES_PRODUCT)
    (finance / "products/rates/rates.sql").write_text(
        "select currency, cast(rate as double) as rate from raw_rates\n"
    )
    (finance / "products/rates/contract.yaml").write_text(RATES_CONTRACT)
    (mesh_dir / "data/finance").mkdir(parents=True)
    (mesh_dir / "data/finance/rates.csv").write_text("currency,rate\nEUR,1.0\nUSD,0.92\n")
    write_orders(mesh_dir, GOOD)
    return mesh_dir


def test_mesh_publishes_gates_and_reads_back_alike(
    engine: Engine, engine_name: str, andmesh: Andmesh, mesh: Path
) -> None:
    first = andmesh.run(mesh, engine=engine_name)
    outcomes = {o.table_id: o for o in first.outcomes}
    assert {t: (o.status, o.rows) for t, o in outcomes.items()} == {
        "sales.customers": (PortStatus.published, 3),
        "sales.segments": (PortStatus.published, 3),
        "sales.orders": (PortStatus.published, 4),
        "finance.rates": (PortStatus.published, 2),
    }, {t: o.message for t, o in outcomes.items()}
    orders = outcomes["sales.orders"].checks
    assert orders is not None
    measured = {c.id: c.measured for c in orders.checks}
    assert measured["orders.customer_id.relationship[0]"] == 0
    assert measured["orders.quality[1]"] == 1
    assert measured["orders.nth_order.type"] == "int64"
    assert measured["orders.ordered_on.type"] == "date"

    # Read back by the snapshot's files: the same rows, whichever engine wrote them.
    version = andmesh.warehouse.current("sales.orders")
    assert version is not None and version.version == 1
    published = pq.read_table(version.files).sort_by("order_id").to_pylist()
    assert [(r["order_id"], r["segment"], r["nth_order"], r["ordered_on"]) for r in published] == [
        ("O1", "enterprise", 1, dt.date(2026, 3, 1)),
        ("O2", "enterprise", 2, dt.date(2026, 3, 2)),
        ("O3", "mid_market", 1, dt.date(2026, 3, 3)),
        ("O4", "small_business", 1, dt.date(2026, 3, 4)),
    ]
    session = engine.session()
    try:
        session.bind("v1", version.files, "parquet")
        total = session.fetch('SELECT SUM("amount") AS "total", COUNT(*) AS "n" FROM v1')[0]
    finally:
        session.close()
    assert total == {"total": 1710.5, "n": 4}
    segments = andmesh.warehouse.current("sales.segments")
    assert segments is not None
    by_segment = {r["segment"]: r["credit_limit"] for r in pq.read_table(segments.files).to_pylist()}
    assert by_segment == {"enterprise": 50000.0, "mid_market": 20000.0, "small_business": 5000.0}

    # Bad data: an order of an unknown customer and a negative amount. The gate holds it back.
    write_orders(mesh, [*GOOD[:3], ("O5", "C999", -5.0, T0)])
    second = andmesh.run(mesh, engine=engine_name)
    held = next(o for o in second.outcomes if o.table_id == "sales.orders")
    assert held.status == PortStatus.blocked
    assert held.checks is not None
    failed = {c.id: c.measured for c in held.checks.blocking}
    assert failed == {"orders.customer_id.relationship[0]": 1, "orders.amount.minimum": 1}
    current = andmesh.warehouse.current("sales.orders")
    assert current is not None and current.version == 1  # consumers keep the last good version
