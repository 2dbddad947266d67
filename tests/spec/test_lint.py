"""Lint on a table of broken specs: each with its exact message, location and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.errors import SpecError
from andmesh.spec import lint_mesh, load_mesh
from tests.helpers import edit

PRODUCT = "domains/sales/products/customers/product.yaml"
CONTRACT = "domains/sales/products/customers/contract.yaml"
SQL = "domains/sales/products/customers/customers.sql"
DOMAIN = "domains/sales/domain.yaml"

# (file, old text, new text, expected message fragment, expected hint fragment or None)
BROKEN = [
    (
        CONTRACT,
        "        logicalType: string\n        primaryKey",
        "        logicalTyp: string\n        primaryKey",
        "unknown key `logicalTyp`",
        "did you mean `logicalType`?",
    ),
    (CONTRACT, "logicalType: date", "logicalType: dat", "'dat' is not allowed here", "did you mean `date`?"),
    (
        CONTRACT,
        "metric: invalidValues",
        "metric: invalidValue",
        "'invalidValue' is not allowed here",
        "did you mean `invalidValues`?",
    ),
    (
        CONTRACT,
        "    physicalType: table",
        "    physicalTyp: table",
        "unknown key `physicalTyp`",
        "`physicalType`",
    ),
    (
        CONTRACT,
        "apiVersion: v3.1.0",
        "apiVersion: v3.9.0",
        "unsupported ODCS apiVersion 'v3.9.0'",
        "did you mean `v3.",
    ),
    (
        CONTRACT,
        "        logicalType: number",
        "        primaryKey: true\n        logicalType: number",
        "composite primary key of 2 properties needs primaryKeyPosition 1..2",
        "primaryKeyPosition",
    ),
    (
        PRODUCT,
        "    contractId: sales.customers",
        "    contractId: sales.customer",
        "no contract with id `sales.customer`",
        "did you mean `sales.customers`?",
    ),
    (PRODUCT, "domain: sales", "domain: sale", "unknown domain `sale`", "did you mean `sales`?"),
    (PRODUCT, "outputPorts:", "outputPort:", "unknown key `outputPort`", "did you mean `outputPorts`?"),
    (PRODUCT, "status: active\n", "", "missing required key `status`", "add `status:`"),
    (
        PRODUCT,
        "    value: customers.sql",
        "    value: customer.sql",
        "pipeline file `customer.sql` does not exist",
        "did you mean `customers.sql`?",
    ),
    (PRODUCT, "        format: csv", "        format: xls", "'xls' is not allowed for `format`", "`csv`"),
    (
        PRODUCT,
        "  - username: owner\n    role: owner",
        "  - username: ownr\n    role: owner",
        "owner `ownr` is not a member of domain `sales`",
        "did you mean `owner`?",
    ),
    (DOMAIN, "kind: Domain", "kind: Domian", "unknown kind 'Domian'", "did you mean `Domain`?"),
    (DOMAIN, "owner: owner", "owner: nobody", "owner `nobody` is not a member of the domain's team", None),
    (DOMAIN, "name: sales", "name: Sales", "`name` is 'Sales', which is not a valid name", "snake_case"),
    (DOMAIN, "title: Sales", "title: Sales: the unit", "malformed YAML", None),
    (
        SQL,
        "from raw_customers",
        "from raw_customer",
        "`raw_customer` is neither a source nor an input port",
        "did you mean `raw_customers`?",
    ),
    (
        SQL,
        "from raw_customers",
        "from read_csv('elsewhere.csv')",
        "reads data the product does not declare",
        "declare the file as a source",
    ),
    (
        SQL,
        "where customer_id not like 'TEST%'",
        "where (customer_id not like 'TEST%'",
        "SQL does not parse",
        None,
    ),
]


def _line_of(path: Path, needle: str) -> int | None:
    """Line where ``needle`` (possibly several lines) starts in the file."""
    text = path.read_text()
    if not needle.strip() or needle not in text:
        return None
    start = text.index(needle) + (len(needle) - len(needle.lstrip("\n")))
    return text.count("\n", 0, start) + 1


@pytest.mark.parametrize(("file", "old", "new", "message", "hint"), BROKEN, ids=[b[3][:40] for b in BROKEN])
def test_each_broken_spec_is_reported_with_location_and_fix(
    mesh_dir: Path, file: str, old: str, new: str, message: str, hint: str | None
) -> None:
    target = mesh_dir / file
    edit(target, old, new)
    report = lint_mesh(mesh_dir)
    assert not report.ok
    matches = [p for p in report.errors if message in p.message]
    assert matches, [p.format() for p in report.problems]
    problem = matches[0]
    assert problem.file == target
    expected_line = _line_of(target, new)
    if expected_line is not None and problem.code not in ("sql",):
        assert problem.line == expected_line, problem.format()
    assert problem.line is not None or problem.code == "mesh"
    if hint is not None:
        assert problem.hint is not None and hint in problem.hint, problem.format()


def test_every_error_is_reported_at_once(mesh_dir: Path) -> None:
    edit(mesh_dir / CONTRACT, "logicalType: date", "logicalType: dat")
    edit(mesh_dir / PRODUCT, "domain: sales", "domain: sale")
    edit(mesh_dir / DOMAIN, "owner: owner", "owner: nobody")
    report = lint_mesh(mesh_dir)
    files = {p.file.name for p in report.errors}
    assert files == {"contract.yaml", "product.yaml", "domain.yaml"}
    with pytest.raises(SpecError) as raised:
        load_mesh(mesh_dir)
    assert len(raised.value.problems) == len(report.errors) >= 3
    assert raised.value.exit_code == 2


def test_a_clean_mesh_lints_clean(mesh_dir: Path) -> None:
    report = lint_mesh(mesh_dir)
    assert report.ok, [p.format() for p in report.problems]
    assert report.mesh is not None and list(report.mesh.products) == ["sales.customers"]


def test_a_dependency_cycle_is_named(mesh_dir: Path) -> None:
    product = mesh_dir / PRODUCT
    edit(
        product,
        "outputPorts:",
        "inputPorts:\n  - name: itself\n    version: 1.0.0\n    contractId: sales.customers\noutputPorts:",
    )
    report = lint_mesh(mesh_dir)
    assert any("cannot read its own output port" in p.message for p in report.errors)


def test_input_port_must_name_an_existing_contract(mesh_dir: Path) -> None:
    edit(
        mesh_dir / PRODUCT,
        "outputPorts:",
        "inputPorts:\n  - name: orders\n    version: 1.0.0\n    contractId: sales.orderz\noutputPorts:",
    )
    report = lint_mesh(mesh_dir)
    problem = next(p for p in report.errors if "no output port promises contract `sales.orderz`" in p.message)
    assert problem.line == _line_of(mesh_dir / PRODUCT, "contractId: sales.orderz")


def test_no_mesh_yaml_is_a_clear_error(tmp_path: Path) -> None:
    report = lint_mesh(tmp_path)
    assert not report.ok
    assert "no mesh.yaml found" in report.errors[0].message
    assert "andmesh init" in (report.errors[0].hint or "")
