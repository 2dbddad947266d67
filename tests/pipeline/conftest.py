"""A three-product mesh: customers → segments (downstream), and an independent product."""

from __future__ import annotations

from pathlib import Path

import pytest

SEGMENTS_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: sales.segments
name: segments
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
  - name: segments
    version: 1.0.0
    contractId: sales.segments
customProperties:
  - property: pipeline
    value: segments.py:build
"""

SEGMENTS_PIPELINE = """\
def build(inputs):
    customers = inputs["customers"]
    return customers.group_by("segment").aggregate(
        customers=customers.count(), credit_limit=customers.credit_limit.sum()
    )
"""

SEGMENTS_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: sales.segments
name: segments
version: 1.0.0
status: active
schema:
  - name: segments
    properties:
      - name: segment
        logicalType: string
        primaryKey: true
        required: true
      - name: customers
        logicalType: integer
        logicalTypeOptions:
          minimum: 1
      - name: credit_limit
        logicalType: number
"""

RATES_DOMAIN = """\
apiVersion: andmesh/v1
kind: Domain
name: finance
owner: fin
team:
  - username: fin
    role: owner
"""

RATES_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: finance.rates
name: rates
domain: finance
status: active
team:
  - username: fin
    role: owner
outputPorts:
  - name: rates
    version: 1.0.0
    contractId: finance.rates
customProperties:
  - property: pipeline
    value: rates.sql
  - property: sources
    value:
      - name: raw_rates
        path: finance/rates.csv
        format: csv
"""

RATES_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: finance.rates
name: rates
version: 1.0.0
status: active
schema:
  - name: rates
    properties:
      - name: currency
        logicalType: string
        required: true
        unique: true
      - name: rate
        logicalType: number
        logicalTypeOptions:
          exclusiveMinimum: 0
"""


@pytest.fixture
def three_products(mesh_dir: Path) -> Path:
    segments = mesh_dir / "domains/sales/products/segments"
    segments.mkdir(parents=True)
    (segments / "product.yaml").write_text(SEGMENTS_PRODUCT)
    (segments / "segments.py").write_text(SEGMENTS_PIPELINE)
    (segments / "contract.yaml").write_text(SEGMENTS_CONTRACT)
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
    return mesh_dir
