"""An Entity with no hand-written products: its xref and master are generated, lint clean, run and publish."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from andmesh.facade import Andmesh
from andmesh.spec import lint_mesh
from tests.helpers import edit

DOMAIN = """\
apiVersion: andmesh/v1
kind: Domain
name: {name}
description: {name}
owner: owner
team:
  - {{username: owner, role: owner}}
"""

INVOICES_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: billing.invoices
name: invoices
domain: billing
status: active
version: 1.0.0
team:
  - {username: owner, role: owner}
outputPorts:
  - {name: invoices, version: 1.0.0, type: table, contractId: billing.invoices}
customProperties:
  - property: pipeline
    value: invoices.sql
  - property: sources
    value:
      - {name: raw_invoices, path: billing/invoices.csv, format: csv}
"""

INVOICES_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: billing.invoices
name: invoices
version: 1.0.0
status: active
domain: billing
dataProduct: billing.invoices
schema:
  - name: invoices
    physicalType: table
    properties:
      - {name: invoice_id, logicalType: string, required: true, unique: true}
      - {name: customer_id, logicalType: string, required: true}
      - {name: bill_to, logicalType: string}
"""

INVOICES_CSV = """\
invoice_id,customer_id,bill_to
I1,C001,ACME GMBH
I2,C001,Acme GmbH
I3,C002,Globex Ltd.
I4,C003,Initech Inc
"""

ENTITY = """\
apiVersion: andmesh/v1
kind: Entity
name: customer
owner: owner
idPrefix: EC-
attributes:
  - {name: name, standardise: company_name, description: Registered name}
  - {name: email, standardise: email, survivorship: most_recent}
sources:
  - product: sales.customers
    record: customer_id
    trust: 3
    updatedAt: created_on
    columns: {name: customer_name, email: email}
  - product: billing.invoices
    record: invoice_id
    trust: 1
    columns: {name: bill_to}
links:
  - product: billing.invoices
    records: {billing.invoices: invoice_id, sales.customers: customer_id}
matching:
  blocking: [[name_key]]
  comparisons:
    - {method: company_name, attribute: name}
    - {method: email, attribute: email}
  training: {uPairs: 1000}
products:
  xref: enterprise.customer_xref
  master: enterprise.customer_master
  profile: enterprise.customer_profile
"""


@pytest.fixture
def entity_mesh(mesh_dir: Path) -> Path:
    for name in ("billing", "enterprise"):
        (mesh_dir / "domains" / name).mkdir(parents=True)
        (mesh_dir / "domains" / name / "domain.yaml").write_text(DOMAIN.format(name=name))
    invoices = mesh_dir / "domains" / "billing" / "products" / "invoices"
    invoices.mkdir(parents=True)
    (invoices / "product.yaml").write_text(INVOICES_PRODUCT)
    (invoices / "contract.yaml").write_text(INVOICES_CONTRACT)
    (invoices / "invoices.sql").write_text(
        "select invoice_id, customer_id, trim(bill_to) as bill_to from raw_invoices"
    )
    (mesh_dir / "data" / "billing").mkdir(parents=True)
    (mesh_dir / "data" / "billing" / "invoices.csv").write_text(INVOICES_CSV)
    (mesh_dir / "enterprise" / "entities").mkdir(parents=True)
    (mesh_dir / "enterprise" / "entities" / "customer.yaml").write_text(ENTITY)
    return mesh_dir


def test_the_generated_products_lint_clean(entity_mesh: Path) -> None:
    report = lint_mesh(entity_mesh)
    assert report.problems == []
    assert report.mesh is not None
    xref = report.mesh.products["enterprise.customer_xref"]
    master = report.mesh.products["enterprise.customer_master"]
    assert sorted(xref.upstream) == ["billing.invoices", "sales.customers"]
    assert sorted(master.upstream) == ["billing.invoices", "enterprise.customer_xref", "sales.customers"]
    # the profile reads the sources that tell when a record changed
    assert report.mesh.products["enterprise.customer_profile"].upstream == [
        "enterprise.customer_xref",
        "sales.customers",
    ]
    columns = {p.name: (p.logicalType, p.physicalType) for p in master.outputs[0].contract.properties}
    assert columns == {
        "entity_id": ("string", "varchar"),
        "name": ("string", "varchar"),
        "name_source": ("string", "varchar"),
        "email": ("string", "varchar"),
        "email_source": ("string", "varchar"),
        "records": ("integer", "bigint"),
        "sources": ("integer", "bigint"),
    }
    assert xref.file == entity_mesh / "enterprise" / "entities" / "customer.yaml"


def test_an_entity_alone_resolves_end_to_end(entity_mesh: Path, andmesh: Andmesh) -> None:
    result = andmesh.run(entity_mesh)
    assert result.exit_code == 0, result
    warehouse = andmesh.warehouse
    xref = pq.read_table(list(warehouse.current("enterprise.customer_xref").files)).to_pylist()
    ids = {(r["source"], r["record_id"]): r["entity_id"] for r in xref}
    assert len(ids) == 3 + 4  # three customers (TEST1 filtered out), four invoices
    assert (
        ids[("billing.invoices", "I1")] == ids[("billing.invoices", "I2")] == ids[("sales.customers", "C001")]
    )
    assert ids[("sales.customers", "C001")] != ids[("sales.customers", "C002")]
    master = pq.read_table(list(warehouse.current("enterprise.customer_master").files)).to_pylist()
    assert len(master) == 3
    acme = next(r for r in master if r["entity_id"] == ids[("sales.customers", "C001")])
    assert (acme["name"], acme["name_source"], acme["records"], acme["sources"]) == (
        "Acme GmbH",
        "sales.customers",
        3,
        2,
    )
    profile = pq.read_table(list(warehouse.current("enterprise.customer_profile").files)).to_pylist()
    acme_profile = next(r for r in profile if r["entity_id"] == acme["entity_id"])
    assert (acme_profile["sales_customers_records"], acme_profile["billing_invoices_records"]) == (1, 2)
    assert str(acme_profile["first_seen"]) == str(acme_profile["last_seen"]) == "2021-03-01 00:00:00"
    # `andmesh entities show` reads the generated products like hand-written ones
    from typer.testing import CliRunner

    from andmesh.cli.cmd_entities import entities_app

    shown = CliRunner().invoke(
        entities_app, ["show", "customer", "C001", "--mesh", str(entity_mesh), "--json"], obj=andmesh
    )
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.output)
    assert view["entity_id"] == acme["entity_id"]
    assert {(r["source"], r["record_id"]) for r in view["records"]} == {
        ("sales.customers", "C001"),
        ("billing.invoices", "I1"),
        ("billing.invoices", "I2"),
    }


def test_a_hand_written_product_overrides_the_generated_one(entity_mesh: Path) -> None:
    master = entity_mesh / "domains" / "enterprise" / "products" / "customer_master"
    master.mkdir(parents=True)
    (master / "customer_master.py").write_text(
        "from andmesh.enterprise.entities.pipelines import golden\n\n\n"
        "def build(inputs, context):\n    return golden('customer', inputs, context)\n"
    )
    (master / "product.yaml").write_text(
        INVOICES_PRODUCT.replace("billing.invoices", "enterprise.customer_master")
        .replace("domain: billing", "domain: enterprise")
        .replace("name: invoices", "name: customer_master")
        .replace("invoices.sql", "customer_master.py:build")
        .replace(
            "  - property: sources\n    value:\n      - {name: raw_invoices, path: billing/invoices.csv, format: csv}\n",
            "",
        )
        .replace("{name: invoices,", "{name: customer_master,")
        + "inputPorts:\n  - {name: customer_xref, version: 1.0.0, contractId: enterprise.customer_xref}\n"
        "  - {name: customers, version: 1.0.0, contractId: sales.customers}\n"
        "  - {name: invoices, version: 1.0.0, contractId: billing.invoices}\n"
    )
    (master / "contract.yaml").write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: enterprise.customer_master\nname: customer_master\n"
        "version: 1.0.0\nstatus: active\ndomain: enterprise\ndataProduct: enterprise.customer_master\n"
        "schema:\n  - name: customer_master\n    physicalType: table\n    properties:\n"
        "      - {name: entity_id, logicalType: string, required: true, unique: true}\n"
        "      - {name: name, logicalType: string, classification: pii}\n"
    )
    report = lint_mesh(entity_mesh)
    assert report.problems == []
    assert report.mesh is not None
    product = report.mesh.products["enterprise.customer_master"]
    assert product.file == master / "product.yaml"
    assert [p.name for p in product.outputs[0].contract.properties] == ["entity_id", "name"]
    # the xref nobody wrote is still generated
    assert report.mesh.products["enterprise.customer_xref"].file.name == "customer.yaml"


def test_a_generated_product_in_a_missing_domain_is_reported_at_the_entity(entity_mesh: Path) -> None:
    edit(
        entity_mesh / "enterprise" / "entities" / "customer.yaml",
        "  xref: enterprise.",
        "  xref: entreprise.",
    )
    report = lint_mesh(entity_mesh)
    assert report.mesh is None
    problems = [p for p in report.problems if "entreprise" in p.message]
    assert problems, report.problems
    entity_file = entity_mesh / "enterprise" / "entities" / "customer.yaml"
    assert problems[0].file == entity_file
    assert problems[0].line == ENTITY.splitlines().index("  xref: enterprise.customer_xref") + 1
    assert "unknown domain `entreprise`" in problems[0].message
    assert problems[0].hint is not None and "enterprise" in problems[0].hint


def test_an_owner_from_another_domain_leaves_the_products_to_their_domain_owner(entity_mesh: Path) -> None:
    edit(
        entity_mesh / "domains" / "billing" / "domain.yaml",
        "team:\n",
        "team:\n  - {username: edo, role: steward}\n",
    )
    edit(entity_mesh / "enterprise" / "entities" / "customer.yaml", "owner: owner", "owner: edo")
    report = lint_mesh(entity_mesh)
    assert report.problems == []
    assert report.mesh is not None
    assert report.mesh.products["enterprise.customer_xref"].owner == "owner"
    assert report.mesh.entities["customer"].spec.owner == "edo"


@pytest.mark.parametrize(
    ("mesh", "hand_written"),
    [
        ("order_to_cash", ["customer_xref", "customer_master", "location_xref", "location_master"]),
        ("procure_to_pay", ["vendor_xref", "vendor_master"]),
    ],
)
def test_the_reference_meshes_lint_clean_with_their_entity_products_generated(
    tmp_path: Path, mesh: str, hand_written: list[str]
) -> None:
    """Without their hand-written xref and master, the reference meshes still lint clean:
    the generated contracts pass every policy (the golden name is as personal as the units')."""
    import shutil

    copy = tmp_path / mesh
    shutil.copytree(Path(__file__).resolve().parents[3] / "examples" / mesh, copy)
    for name in hand_written:
        shutil.rmtree(copy / "domains" / "enterprise" / "products" / name)
    report = lint_mesh(copy)
    assert report.errors == []
    assert report.mesh is not None
    from andmesh.governance.policies import evaluate_policies

    blocking = [r for r in evaluate_policies(report.mesh).results if r.status != "passed" and r.blocks]
    assert blocking == []
    for name in hand_written:
        product = report.mesh.products[f"enterprise.{name}"]
        assert product.file.parent == copy / "enterprise" / "entities"
    if mesh == "order_to_cash":
        master = report.mesh.products["enterprise.customer_master"].outputs[0].contract
        name = master.property("name")
        assert name is not None and name.classification == "pii"
        source = master.property("name_source")
        assert source is not None and source.classification == "internal"
