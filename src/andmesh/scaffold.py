"""``andmesh init``: a new mesh with one domain, one product, its contract and sample data."""

from __future__ import annotations

from pathlib import Path

from andmesh.errors import UsageError

_FILES: dict[str, str] = {
    "mesh.yaml": """\
apiVersion: andmesh/v1
kind: Mesh
name: {name}
description: A new data mesh.
owner: owner
engine: duckdb
dataRoot: data
team:
  - username: owner
    role: enterprise data office
""",
    "domains/sales/domain.yaml": """\
apiVersion: andmesh/v1
kind: Domain
name: sales
title: Sales
description: Sells to customers and owns the customer accounts.
owner: owner
team:
  - username: owner
    role: owner
""",
    "domains/sales/products/customers/product.yaml": """\
apiVersion: v1.0.0
kind: DataProduct
id: sales.customers
name: customers
domain: sales
status: active
version: 1.0.0
description:
  purpose: Every active customer account, cleaned of test accounts.
team:
  - username: owner
    role: owner
outputPorts:
  - name: customers
    version: 1.0.0
    type: table
    contractId: sales.customers
customProperties:
  - property: pipeline
    value: customers.sql
  - property: sources
    value:
      - name: raw_customers
        path: sales/customers.csv
        format: csv
""",
    "domains/sales/products/customers/customers.sql": """\
select
    customer_id,
    trim(customer_name) as customer_name,
    lower(email) as email,
    segment,
    cast(credit_limit as double) as credit_limit,
    cast(created_on as date) as created_on
from raw_customers
where customer_id not like 'TEST%'
""",
    "domains/sales/products/customers/contract.yaml": """\
apiVersion: v3.1.0
kind: DataContract
id: sales.customers
name: customers
version: 1.0.0
status: active
domain: sales
dataProduct: sales.customers
team:
  name: sales
  members:
    - username: owner
      role: owner
description:
  purpose: The customer accounts sales serves.
schema:
  - name: customers
    physicalType: table
    properties:
      - name: customer_id
        logicalType: string
        primaryKey: true
        primaryKeyPosition: 1
        required: true
        unique: true
      - name: customer_name
        logicalType: string
        required: true
        classification: pii
      - name: email
        logicalType: string
        classification: pii
      - name: segment
        logicalType: string
        required: true
        quality:
          - metric: invalidValues
            arguments:
              validValues: [enterprise, mid_market, small_business]
            mustBe: 0
      - name: credit_limit
        logicalType: number
        logicalTypeOptions:
          minimum: 0
      - name: created_on
        logicalType: date
        logicalTypeOptions:
          minimum: '2000-01-01'
""",
    "data/sales/customers.csv": """\
customer_id,customer_name,email,segment,credit_limit,created_on
C001,Acme GmbH,buyer@acme.example,enterprise,50000,2021-03-01
C002, Globex Ltd ,AP@GLOBEX.EXAMPLE,mid_market,20000,2022-07-15
C003,Initech Inc.,,small_business,5000,2023-01-09
TEST1,Test account,test@example.com,small_business,0,2024-01-01
""",
}


def scaffold_mesh(target: Path, name: str | None = None) -> list[Path]:
    """Write a new mesh into ``target`` (which must not exist or be empty)."""
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target} already exists and is not empty", hint="choose a new folder name")
    mesh_name = name or target.name
    written = []
    for relative, text in _FILES.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{name}", mesh_name), encoding="utf-8")
        written.append(path)
    return written
