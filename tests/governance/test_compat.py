"""A published contract changed in a breaking way under the same version: `andmesh lint` (with the
workspace that published it) and `andmesh run` both refuse it, saying what changed and what to set.

The case that slipped through in session 5: money columns published as DOUBLE, then declared
`decimal(15,2)` without a version bump — a consumer of the published version would meet another type.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.facade import Andmesh
from andmesh.governance.compat import unannounced_changes
from andmesh.pipeline import PortStatus
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
