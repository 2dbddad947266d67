"""The Entity kind in lint: every wrong reference found at once, at its file and line, with a fix."""

from __future__ import annotations

from pathlib import Path

from andmesh.spec import lint_mesh

ENTITY = """\
apiVersion: andmesh/v1
kind: Entity
name: customer
owner: nobody
idPrefix: EC-
attributes:
  - {name: name, standardise: compnay_name}
  - {name: email, standardise: email}
sources:
  - product: sales.customers
    record: customer_id
    columns: {name: customer_nam, email: email, phone: phone}
links:
  - product: sales.customers
    records: {sales.customers: customer_id, billing.invoices: account_no}
matching:
  blocking: [[name_kee]]
  comparisons:
    - {method: jaro, attribute: name}
    - {method: address, attribute: email}
products:
  xref: sales.customers
"""


def test_entity_problems_are_located_with_a_fix(mesh_dir: Path) -> None:
    folder = mesh_dir / "enterprise" / "entities"
    folder.mkdir(parents=True)
    (folder / "customer.yaml").write_text(ENTITY)
    report = lint_mesh(mesh_dir)
    found = {(p.line, p.message): p.hint for p in report.errors if p.file.name == "customer.yaml"}
    messages = "\n".join(
        f"{line}: {message} | {hint}" for (line, message), hint in sorted(found.items(), key=str)
    )
    expected = [
        (4, "`nobody` is not a member of the mesh's or a domain's team"),
        (7, "unknown standardiser `compnay_name`"),
        (12, "contract `sales.customers` has no column `customer_nam`"),
        (12, "`phone` is not an attribute of entity `customer`"),
        (15, "`billing.invoices` is not a source of entity `customer`"),
        (17, "`name_kee` is not a standardised attribute or derived column"),
        (19, "unknown comparison method `jaro`"),
        (20, "method `address` compares 3 attribute(s); 1 given"),
        (22, "`sales.customers` must read `sales.customers` (a source or link of entity `customer`)"),
    ]
    for line, message in expected:
        assert (line, message) in found, f"missing {line}: {message}\n{messages}"
    assert found[(7, "unknown standardiser `compnay_name`")] == "did you mean `company_name`?"
    assert (
        found[(12, "contract `sales.customers` has no column `customer_nam`")]
        == "did you mean `customer_name`?"
    )
    assert "customer" not in (report.mesh.entities if report.mesh else {})


def test_the_review_band_must_sit_below_the_threshold(mesh_dir: Path) -> None:
    folder = mesh_dir / "enterprise" / "entities"
    folder.mkdir(parents=True)
    (folder / "customer.yaml").write_text(
        ENTITY.replace("matching:\n", "matching:\n  threshold: 0.6\n  reviewFrom: 0.8\n")
    )
    report = lint_mesh(mesh_dir)
    assert any("`reviewFrom` must be below `threshold`" in p.message for p in report.errors)
