"""A small three-domain mesh with SQL and Python pipelines, written by the tests themselves.

sales.customers ─┬─► sales.orders ──► finance.invoices ──► finance.exposure (Python)
                 ├─────────────────────────────────────────► finance.exposure
                 └─► support.tickets
"""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.facade import Andmesh
from andmesh.workspace import Workspace

DOMAINS = {"sales": "sam", "finance": "fay", "support": "sue"}

# product id → (sources {name: csv file}, inputs {port name: product id}, pipeline file, pipeline text, columns)
PRODUCTS: dict[str, tuple[dict[str, str], dict[str, str], str, str, list[tuple[str, str]]]] = {
    "sales.customers": (
        {"raw_customers": "sales/customers.csv"},
        {},
        "customers.sql",
        "select customer_id, upper(name) as name, segment\nfrom raw_customers\nwhere customer_id <> 'TEST'\n",
        [("customer_id", "string"), ("name", "string"), ("segment", "string")],
    ),
    "sales.orders": (
        {"raw_orders": "sales/orders.csv"},
        {"customers": "sales.customers"},
        "orders.sql",
        "select o.order_id, o.customer_id, c.segment, o.amount\n"
        "from raw_orders as o\njoin customers as c on c.customer_id = o.customer_id\n",
        [("order_id", "string"), ("customer_id", "string"), ("segment", "string"), ("amount", "number")],
    ),
    "finance.invoices": (
        {},
        {"orders": "sales.orders"},
        "invoices.sql",
        "select 'I' || order_id as invoice_id, customer_id, sum(amount) as amount\n"
        "from orders\ngroup by order_id, customer_id\n",
        [("invoice_id", "string"), ("customer_id", "string"), ("amount", "number")],
    ),
    "finance.exposure": (
        {},
        {"invoices": "finance.invoices", "customers": "sales.customers"},
        "exposure.py:build",
        "def build(inputs):\n"
        "    invoices = inputs['invoices']\n"
        "    return invoices.group_by('customer_id').aggregate(open_amount=invoices.amount.sum())\n",
        [("customer_id", "string"), ("open_amount", "number")],
    ),
    "support.tickets": (
        {},
        {"customers": "sales.customers"},
        "tickets.sql",
        "select customer_id, segment from customers\n",
        [("customer_id", "string"), ("segment", "string")],
    ),
}

DATA = {
    "sales/customers.csv": "customer_id,name,segment\nC1,acme,enterprise\nC2,globex,smb\nTEST,test,smb\n",
    "sales/orders.csv": "order_id,customer_id,amount\nO1,C1,100.0\nO2,C1,50.5\nO3,C2,20.0\n",
}


def write_mesh(root: Path, lineage_block: str = "") -> Path:
    """Write the mesh above into ``root`` (specs, pipelines and source data)."""
    (root / "mesh.yaml").parent.mkdir(parents=True, exist_ok=True)
    team = "".join(f"  - username: {owner}\n    role: owner\n" for owner in DOMAINS.values())
    (root / "mesh.yaml").write_text(
        "apiVersion: andmesh/v1\nkind: Mesh\nname: lineage-test\ndescription: Three domains.\n"
        f"owner: sam\nengine: duckdb\ndataRoot: data\nteam:\n{team}{lineage_block}"
    )
    for domain, owner in DOMAINS.items():
        folder = root / "domains" / domain
        folder.mkdir(parents=True)
        (folder / "domain.yaml").write_text(
            f"apiVersion: andmesh/v1\nkind: Domain\nname: {domain}\nowner: {owner}\n"
            f"team:\n  - username: {owner}\n    role: owner\n"
        )
    for product_id, (sources, inputs, pipeline, code, columns) in PRODUCTS.items():
        domain, name = product_id.split(".")
        owner = DOMAINS[domain]
        folder = root / "domains" / domain / "products" / name
        folder.mkdir(parents=True)
        (folder / pipeline.split(":")[0]).write_text(code)
        ports = "".join(
            f"  - name: {port}\n    version: 1.0.0\n    contractId: {upstream}\n"
            for port, upstream in inputs.items()
        )
        source_list = "".join(
            f"      - name: {source}\n        path: {path}\n        format: csv\n"
            for source, path in sources.items()
        )
        (folder / "product.yaml").write_text(
            f"apiVersion: v1.0.0\nkind: DataProduct\nid: {product_id}\nname: {name}\ndomain: {domain}\n"
            f"status: active\nversion: 1.0.0\ndescription:\n  purpose: The {name} of {domain}.\n"
            f"team:\n  - username: {owner}\n    role: owner\n"
            + (f"inputPorts:\n{ports}" if ports else "")
            + f"outputPorts:\n  - name: {name}\n    version: 1.0.0\n    type: table\n    contractId: {product_id}\n"
            f"customProperties:\n  - property: pipeline\n    value: {pipeline}\n"
            + (f"  - property: sources\n    value:\n{source_list}" if source_list else "")
        )
        properties = "".join(
            f"      - name: {column}\n        logicalType: {kind}\n"
            + ("        required: true\n" if column.endswith("_id") else "")
            for column, kind in columns
        )
        (folder / "contract.yaml").write_text(
            f"apiVersion: v3.1.0\nkind: DataContract\nid: {product_id}\nname: {name}\nversion: 1.0.0\n"
            f"status: active\ndomain: {domain}\ndataProduct: {product_id}\n"
            f"team:\n  name: {domain}\n  members:\n    - username: {owner}\n      role: owner\n"
            f"description:\n  purpose: The {name} {domain} publishes.\n"
            f"schema:\n  - name: {name}\n    physicalType: table\n    properties:\n{properties}"
        )
    for relative, text in DATA.items():
        (root / "data" / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / "data" / relative).write_text(text)
    return root


@pytest.fixture
def lineage_mesh(tmp_path: Path) -> Path:
    return write_mesh(tmp_path / "mesh")


@pytest.fixture
def facade(workspace: Workspace) -> Andmesh:
    return Andmesh(workspace)
