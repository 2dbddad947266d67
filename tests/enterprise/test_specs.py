"""Enterprise specs: loaded and resolved; broken ones found with file:line and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.spec import lint_mesh, load_mesh
from tests.helpers import edit

UC = "enterprise/use_cases/grow_segments.yaml"
VC = "enterprise/value_chains/selling.yaml"

REQUIREMENT = """\
apiVersion: andmesh/v1
kind: Requirement
entity: customer
domain: sales
product: sales.customers
attribute: email
standard: {completeness: 90}
useCases: [grow_segments]
status: proposed
"""


def test_enterprise_specs_resolve(enterprise_mesh: Path) -> None:
    mesh = load_mesh(enterprise_mesh)
    assert list(mesh.use_cases) == ["grow_segments"]
    assert list(mesh.value_chains) == ["selling"]
    requirement = mesh.requirements["sales.customers.segment"]
    assert requirement.use_cases == ["grow_segments"]
    assert requirement.owner == "owner"
    assert requirement.port.table_id == "sales.customers"
    assert mesh.use_cases["grow_segments"].requirements == ["sales.customers.segment"]


def test_reference_mesh_lints_clean() -> None:
    report = lint_mesh(Path("examples/order_to_cash"))
    assert report.ok, [p.format() for p in report.problems]
    assert report.mesh is not None
    assert {"reduce_dso", "improve_otif", "treat_valuable_customers_consistently"} <= set(
        report.mesh.use_cases
    )
    assert [s.domain for s in report.mesh.value_chains["order_to_cash"].spec.stages] == [
        "order_management",
        "credit_management",
        "order_fulfillment",
        "shipping",
        "customer_invoicing",
        "accounts_receivable",
        "payments_collection",
    ]
    for planted in (
        "order_management.orders.requested_delivery_date",
        "shipping.shipments.pod_signed_at",
        "accounts_receivable.open_items.dispute_reason",
        "payments_collection.payments.remittance_invoice_id",
    ):
        assert planted in report.mesh.requirements


# (file, old, new, message fragment, hint fragment or None, line)
BROKEN = [
    (UC, "domain: sales", "domain: sale", "unknown domain `sale`", "did you mean `sales`?", 15),
    (
        UC,
        "attribute: segment",
        "attribute: segmnt",
        "has no attribute `segmnt`",
        "did you mean `segment`?",
        17,
    ),
    (UC, "status: accepted", "status: acepted", "'acepted' is not allowed", "did you mean `accepted`?", 21),
    (UC, "product: sales.customers", "product: sales.clients", "has no product `sales.clients`", None, 16),
    (UC, "hypothesis:", "hypothesys:", "unknown key `hypothesys`", "did you mean `hypothesis`?", 5),
    (VC, "domain: sales}", "domain: sels}", "unknown domain `sels`", "did you mean `sales`?", 5),
    (
        VC,
        "needs: [sales.customers.segment]",
        "needs: [sales.customers.segmen]",
        "unknown requirement",
        "segment",
        7,
    ),
    (VC, "to: sell", "to: sel", "unknown stage `sel`", "did you mean `sell`?", 7),
    (
        UC,
        "kpis: [segment_coverage]",
        "kpis: [segment_coverag]",
        "unknown KPI `segment_coverag`",
        "did you mean `segment_coverage`?",
        6,
    ),
    (
        UC,
        "attribute: segment",
        "attributes: [segment, emial]",
        "has no attribute `emial`",
        "did you mean `email`?",
        17,
    ),
    (
        UC,
        "attribute: segment",
        "attribute: segment\n    attributes: [name]",
        "either `attribute` or `attributes`, not both",
        "attributes: [<column>",
        14,
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "message", "hint", "line"), BROKEN)
def test_broken_enterprise_spec(
    enterprise_mesh: Path, file: str, old: str, new: str, message: str, hint: str | None, line: int
) -> None:
    edit(enterprise_mesh / file, old, new)
    report = lint_mesh(enterprise_mesh)
    found = [p for p in report.errors if message in p.message]
    assert found, [p.format() for p in report.problems]
    assert found[0].file == enterprise_mesh / file
    assert found[0].line == line
    if hint:
        assert hint in (found[0].hint or "")


def test_requirement_file_names_unknown_use_case(enterprise_mesh: Path) -> None:
    path = enterprise_mesh / "enterprise" / "requirements" / "email.yaml"
    path.write_text(REQUIREMENT.replace("[grow_segments]", "[grow_segment]"))
    problems = [p for p in lint_mesh(enterprise_mesh).errors if "unknown use case" in p.message]
    assert problems and problems[0].line == 8 and "did you mean `grow_segments`?" in (problems[0].hint or "")


def test_new_attribute_must_be_declared_as_new(enterprise_mesh: Path) -> None:
    path = enterprise_mesh / "enterprise" / "requirements" / "region.yaml"
    path.write_text(REQUIREMENT.replace("attribute: email", "attribute: region"))
    problem = next(p for p in lint_mesh(enterprise_mesh).errors if "region" in p.message)
    assert "newAttribute: true" in (problem.hint or "")
    path.write_text(REQUIREMENT.replace("attribute: email", "attribute: region\nnewAttribute: true"))
    assert lint_mesh(enterprise_mesh).ok


def test_history_must_match_status(enterprise_mesh: Path) -> None:
    edit(
        enterprise_mesh / UC,
        "    status: accepted\n",
        "    status: accepted\n    history:\n      - {status: proposed, by: owner, on: 2026-01-02}\n",
    )
    problems = lint_mesh(enterprise_mesh).errors
    assert any("differs from the last history entry" in p.message for p in problems)


def test_duplicate_requirement(enterprise_mesh: Path) -> None:
    path = enterprise_mesh / "enterprise" / "requirements" / "segment.yaml"
    path.write_text(REQUIREMENT.replace("attribute: email", "attribute: segment"))
    assert any("already declared" in p.message for p in lint_mesh(enterprise_mesh).errors)


def test_requirement_with_several_attributes_is_one_requirement_per_attribute(enterprise_mesh: Path) -> None:
    path = enterprise_mesh / "enterprise" / "requirements" / "contact.yaml"
    path.write_text(REQUIREMENT.replace("attribute: email", "attributes: [email, customer_name]"))
    mesh = load_mesh(enterprise_mesh)
    email, name = (
        mesh.requirements["sales.customers.email"],
        mesh.requirements["sales.customers.customer_name"],
    )
    assert (email.attribute, name.attribute) == ("email", "customer_name")
    assert email.spec.standard == name.spec.standard
    assert email.use_cases == name.use_cases == ["grow_segments"]
    assert sorted(mesh.use_cases["grow_segments"].requirements) == [
        "sales.customers.customer_name",
        "sales.customers.email",
        "sales.customers.segment",
    ]
