"""A published contract changed in a breaking way under the same version: `andmesh lint` (with the
workspace that published it) and `andmesh run` both refuse it, saying what changed and what to set.

The case that slipped through in session 5: money columns published as DOUBLE, then declared
`decimal(15,2)` without a version bump — a consumer of the published version would meet another type.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.facade import Andmesh
from andmesh.governance.compat import unannounced_changes
from andmesh.pipeline import PortStatus
from andmesh.spec import lint_mesh
from andmesh.spec.mesh import Mesh
from tests.helpers import edit

PRODUCT = "domains/sales/products/customers"
DOUBLE = "      - name: credit_limit\n        logicalType: number\n"


def lint(andmesh: Andmesh, mesh: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--workspace", str(andmesh.workspace.root), "lint", str(mesh)])
    return result.exit_code, result.output


def test_double_to_decimal_without_a_major_version_is_caught_by_lint_and_the_run(
    andmesh: Andmesh, mesh_dir: Path
) -> None:
    contract = mesh_dir / PRODUCT / "contract.yaml"
    edit(contract, DOUBLE, DOUBLE + "        physicalType: double\n")
    first = andmesh.run(mesh_dir)
    assert first.outcomes[0].status == PortStatus.published
    assert andmesh.read("sales.customers").schema.field("credit_limit").type == pa.float64()
    assert lint(andmesh, mesh_dir)[0] == 0  # the published contract itself is fine

    # money becomes exact: the pipeline and the contract say decimal(15,2), the version stays 1.0.0
    edit(contract, "physicalType: double", "physicalType: decimal(15,2)")
    edit(mesh_dir / PRODUCT / "customers.sql", "as double)", "as decimal(15,2))")
    version_line = next(
        n for n, line in enumerate(contract.read_text().splitlines(), 1) if line.startswith("version:")
    )
    code, out = lint(andmesh, mesh_dir)
    assert code == 2, out
    assert f"contract.yaml:{version_line}:" in out
    assert "sales.customers: a breaking change to the published contract 1.0.0" in out
    assert "customers.credit_limit.physicalType: double → decimal(15,2)" in out
    assert "set `version: 2.0.0`" in out and "Traceback" not in out
    mesh = andmesh.mesh(mesh_dir)
    [problem] = unannounced_changes(mesh, andmesh.store)
    assert (problem.code, problem.path, problem.line) == ("compatibility", "version", version_line)

    held = andmesh.run(mesh_dir)
    outcome = held.outcomes[0]
    assert outcome.status == PortStatus.blocked and held.exit_code == 1
    assert "needs a major version bump" in outcome.message and "physicalType" in outcome.message
    incident = andmesh.store.incidents(product_id="sales.customers")[-1]
    assert incident["kind"] == "breaking_change"
    assert [c["kind"] for c in incident["details"]["changes"] if c["severity"] == "error"] == [
        "physical_type_changed"
    ]
    assert andmesh.read("sales.customers").schema.field("credit_limit").type == pa.float64()

    # announced: lint is clean, the run publishes the decimal as a new version
    edit(contract, "version: 1.0.0", "version: 2.0.0")
    assert lint(andmesh, mesh_dir)[0] == 0
    assert unannounced_changes(andmesh.mesh(mesh_dir), andmesh.store) == []
    announced = andmesh.run(mesh_dir)
    assert announced.outcomes[0].status == PortStatus.published and announced.outcomes[0].version == 2
    assert andmesh.read("sales.customers").schema.field("credit_limit").type == pa.decimal128(15, 2)


def test_lint_without_a_workspace_compares_nothing(mesh_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path / "none"), "lint", str(mesh_dir)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "none").exists()  # lint made no workspace


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# The reference meshes' contracts whose money became decimal in session 5 (published as double before).
DECIMAL_IN_SESSION_5 = {
    "order_to_cash": {
        "accounts_receivable.account_exposure",
        "accounts_receivable.open_items",
        "credit_management.credit_decisions",
        "credit_management.credit_files",
        "customer_invoicing.invoices",
        "customer_invoicing.order_billing",
        "order_management.order_lines",
        "order_management.orders",
        "payments_collection.invoice_settlements",
        "payments_collection.payments",
    },
    "procure_to_pay": {
        "accounts_payable.invoice_lines",
        "accounts_payable.invoice_matches",
        "accounts_payable.vendor_invoices",
        "procurement.po_lines",
        "procurement.purchase_orders",
        "treasury.payments",
    },
}


class Published:
    """The store of a workspace that published every port before money became decimal."""

    def __init__(self, mesh: Mesh, version: str) -> None:
        self.texts: dict[str, str] = {}
        for port in mesh.ports():
            text = re.sub(
                r"physicalType: decimal\(\d+, ?\d+\)", "physicalType: double", port.contract.file.read_text()
            )
            self.texts[port.table_id] = re.sub(r"(?m)^version: .*$", f"version: {version}", text)

    def last_published_contract(self, table_id: str) -> dict[str, object] | None:
        text = self.texts.get(table_id)
        return {"text": text} if text is not None else None


@pytest.mark.parametrize("name", sorted(DECIMAL_IN_SESSION_5))
def test_the_reference_mesh_announces_its_decimals_with_a_major_version(name: str) -> None:
    report = lint_mesh(EXAMPLES / name)
    assert report.ok and report.mesh is not None
    decimal = {p.table_id for p in report.mesh.ports() if "decimal(" in p.contract.file.read_text()}
    assert decimal == DECIMAL_IN_SESSION_5[name]
    # a workspace that published them as double at 1.0.0: the 2.0.0 contracts announce the change
    assert unannounced_changes(report.mesh, Published(report.mesh, "1.0.0")) == []
    assert {
        p.table_id: p.contract.model.version for p in report.mesh.ports() if p.table_id in decimal
    } == dict.fromkeys(decimal, "2.0.0")
    # had they kept the published version, lint would name exactly these
    caught = unannounced_changes(report.mesh, Published(report.mesh, "2.0.0"))
    assert {p.message.split(":")[0] for p in caught} == DECIMAL_IN_SESSION_5[name]
    assert all(p.code == "compatibility" and p.path == "version" for p in caught)
