"""One mistake, one error: a broken spec is reported once, never as a cascade or a crash.

And lint catches what used to surface only at run time: a relationship whose target
does not resolve, a freshness SLA that names no column.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from andmesh.spec import lint_mesh
from tests.helpers import edit

O2C = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"
INVOICES = "domains/customer_invoicing/products/invoices/contract.yaml"


@pytest.fixture
def o2c(tmp_path: Path) -> Path:
    target = tmp_path / "o2c"
    shutil.copytree(O2C, target)
    return target


# (file, old, new, the one error: file suffix and line, message fragment, hint fragment)
ONE_MISTAKE = [
    pytest.param(
        INVOICES,
        "        logicalType: string\n        physicalType: varchar\n        primaryKey: true",
        "        logicalTyp: string\n        physicalType: varchar\n        primaryKey: true",
        f"{INVOICES}:41",
        "unknown key `logicalTyp`",
        "did you mean `logicalType`?",
        id="the-finding-misspelt-contract-key",  # was: IndexError in spec/entity.py (25 errors once fixed)
    ),
    pytest.param(
        "domains/customer_invoicing/products/invoices/product.yaml",
        "domain: customer_invoicing",
        "domain: customer_invoicin",
        "domains/customer_invoicing/products/invoices/product.yaml:7",
        "unknown domain `customer_invoicin`",
        "did you mean `customer_invoicing`?",
        id="product-in-unknown-domain",
    ),
    pytest.param(
        "domains/customer_invoicing/domain.yaml",
        "owner:",
        "ownr:",
        "domains/customer_invoicing/domain.yaml:8",
        "unknown key `ownr`",
        "did you mean `owner`?",
        id="misspelt-domain-key",
    ),
    pytest.param(
        "enterprise/scores/lifetime_value.yaml",
        "entity:",
        "entty:",
        "enterprise/scores/lifetime_value.yaml:5",
        "unknown key `entty`",
        "did you mean `entity`?",
        id="misspelt-score-key",  # treatments use the score: no echo there
    ),
    pytest.param(
        "enterprise/entities/customer.yaml",
        "attributes:",
        "atributes:",
        "enterprise/entities/customer.yaml:14",
        "unknown key `atributes`",
        "did you mean `attributes`?",
        id="misspelt-entity-key",  # scores and treatments of customers: no echo there
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "where", "message", "hint"), ONE_MISTAKE)
def test_one_mistake_gives_one_error(
    o2c: Path, file: str, old: str, new: str, where: str, message: str, hint: str
) -> None:
    edit(o2c / file, old, new)
    report = lint_mesh(o2c)
    assert len(report.errors) == 1, "\n".join(p.format() for p in report.errors)
    (error,) = report.errors
    assert error.location().startswith(str(o2c / where) + ":"), error.location()
    assert message in error.message and hint in (error.hint or "")
    assert not [p for p in report.problems if p.code == "orphan-contract"]


def test_relationship_target_that_does_not_resolve(mesh_dir: Path) -> None:
    contract = mesh_dir / "domains/sales/products/customers/contract.yaml"
    edit(
        contract,
        "        unique: true\n",
        "        unique: true\n        relationships:\n          - type: foreignKey\n            to: acounts.account_id\n",
    )
    report = lint_mesh(mesh_dir)
    (error,) = report.errors
    assert (error.file, error.line) == (contract, 28)
    assert "unknown relationship target `acounts`" in error.message


def test_relationship_target_column_that_does_not_exist(mesh_dir: Path) -> None:
    contract = mesh_dir / "domains/sales/products/customers/contract.yaml"
    edit(
        contract,
        "        unique: true\n",
        "        unique: true\n        relationships:\n          - type: foreignKey\n            to: customers.custmer_id\n",
    )
    (error,) = lint_mesh(mesh_dir).errors
    assert "`customers` has no column `custmer_id`" in error.message
    assert error.hint == "did you mean `customer_id`?"


@pytest.mark.parametrize(
    ("sla", "message"),
    [
        ("  - property: freshness\n    value: 1\n    unit: d\n", "names no `element`"),
        (
            "  - property: latency\n    value: 1\n    unit: d\n    element: customers.created_o\n",
            "no column `created_o`",
        ),
        (
            "  - property: freshness\n    value: 1\n    element: customers.segment\n",
            "needs a date or timestamp",
        ),
        ("  - property: freshness\n    value: 1\n    element: custmers.created_on\n", "no table `custmers`"),
    ],
    ids=["no-element", "unknown-column", "not-a-time", "unknown-table"],
)
def test_freshness_sla_must_name_a_time_column(mesh_dir: Path, sla: str, message: str) -> None:
    contract = mesh_dir / "domains/sales/products/customers/contract.yaml"
    contract.write_text(contract.read_text() + "slaProperties:\n" + sla)
    (error,) = lint_mesh(mesh_dir).errors
    assert error.file == contract and error.line is not None and error.line >= 50
    assert message in error.message and error.hint


def test_freshness_sla_on_a_date_column_lints_clean(mesh_dir: Path) -> None:
    contract = mesh_dir / "domains/sales/products/customers/contract.yaml"
    contract.write_text(
        contract.read_text()
        + "slaProperties:\n  - property: freshness\n    value: 1\n    element: customers.created_on\n"
    )
    assert lint_mesh(mesh_dir).ok
