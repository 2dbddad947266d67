"""The whole Order-to-Cash mesh at 1,000 customers: generated, linted, run, published."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from andmesh.facade import Andmesh
from andmesh.generate import generate_order_to_cash
from andmesh.pipeline import PortStatus
from andmesh.spec import lint_mesh
from andmesh.workspace import Workspace

MESH = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"


@pytest.fixture(scope="module")
def o2c_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("o2c") / "data"
    generate_order_to_cash(out, customers=1_000, seed=7)
    return out


@pytest.mark.slow
def test_full_mesh_runs_and_publishes_every_product(o2c_data: Path, tmp_path: Path) -> None:
    report = lint_mesh(MESH)
    assert report.ok, [p.format() for p in report.errors]
    assert report.mesh is not None
    assert len(report.mesh.domains) == 7
    facade = Andmesh(Workspace.resolve(tmp_path / "ws"))
    result = facade.run(MESH, data=o2c_data)
    problems = {o.table_id: o.message for o in result.outcomes if o.status != PortStatus.published}
    assert not problems, problems
    assert result.exit_code == 0
    assert len(result.outcomes) == len(report.mesh.ports())
    by_table = {o.table_id: o for o in result.outcomes}
    assert by_table["order_management.orders"].rows > 1_000
    # Every product's checks ran and none failed; the gate evaluated real rules.
    for outcome in result.outcomes:
        assert outcome.checks is not None
        counts = outcome.checks.counts()
        assert counts["failed"] == 0 and counts["error"] == 0, (outcome.table_id, outcome.checks.blocking)
        assert counts["passed"] >= 5
    again = facade.run(MESH, data=o2c_data)
    assert {o.status for o in again.outcomes} == {PortStatus.up_to_date}


@pytest.mark.slow
def test_gate_catches_a_planted_defect_when_a_pipeline_stops_repairing_it(
    o2c_data: Path, tmp_path: Path
) -> None:
    mesh = tmp_path / "mesh"
    shutil.copytree(MESH, mesh)
    sql = mesh / "domains/order_management/products/accounts/accounts.sql"
    text = sql.read_text()
    start = text.index("    case\n        when regexp_full_match(email")
    end = text.index("end as email,", start) + len("end as email,")
    sql.write_text(text[:start] + "    email," + text[end:])
    truth = yaml.safe_load((o2c_data / "truth/defects.yaml").read_text())
    planted = next(d for d in truth["defects"] if d["table"] == "customers" and d["column"] == "email")

    facade = Andmesh(Workspace.resolve(tmp_path / "ws"))
    result = facade.run(mesh, data=o2c_data, select=["order_management"])
    by_table = {o.table_id: o for o in result.outcomes}
    accounts = by_table["order_management.accounts"]
    assert accounts.status == PortStatus.blocked
    assert accounts.checks is not None
    failing = {c.id: c for c in accounts.checks.blocking}
    assert failing["accounts.email.pattern"].measured == planted["count"]
    assert all(s["email"] == "***" for s in failing["accounts.email.pattern"].samples)  # PII masked
    # Downstream of the blocked product is skipped, not built from bad data.
    assert by_table["order_management.orders"].status == PortStatus.skipped
    assert result.exit_code == 1
