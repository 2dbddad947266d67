"""`andmesh test`: a contract on any files, or a product's published version; json and junit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.workspace import Workspace

runner = CliRunner()
CONTRACT = "domains/sales/products/customers/contract.yaml"


def cli(workspace: Workspace, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(workspace.root), *args], catch_exceptions=False)


def test_contract_file_on_files_passes_and_fails(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path
) -> None:
    contract = str(mesh_dir / CONTRACT)
    good = tmp_path / "good.csv"
    good.write_text(
        "customer_id,customer_name,email,segment,credit_limit,created_on\nC1,A,,enterprise,1,2021-01-01\n"
    )
    ok = cli(workspace, "test", contract, "--data", str(good), "--output", "json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["rows"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text() + "C1,B,,retail,-5,1999-01-01\n")
    failed = cli(workspace, "test", contract, "--data", str(bad), "--output", "json")
    assert failed.exit_code == 1
    checks = {c["id"]: c for c in json.loads(failed.stdout)["checks"]}
    assert checks["customers.customer_id.unique"]["measured"] == 2
    assert checks["customers.credit_limit.minimum"]["measured"] == 1
    assert checks["customers.created_on.minimum"]["measured"] == 1
    assert checks["customers.segment.quality[0].invalidValues"]["measured"] == 1


def test_junit_output_file(workspace: Workspace, mesh_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,customer_name,segment\nC1,A,enterprise\nC1,B,enterprise\n")
    report = tmp_path / "results.xml"
    result = cli(
        workspace,
        "test",
        str(mesh_dir / CONTRACT),
        "--data",
        str(bad),
        "--output",
        "junit",
        "--output-file",
        str(report),
    )
    assert result.exit_code == 1
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("failures", "0")) >= 2  # duplicate key twice (unique and primary key)
    assert int(suite.get("errors", "0")) >= 4  # checks on the missing email, credit_limit, created_on
    failures = {case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None}
    assert "customers.customer_id.unique" in failures
    assert "customers.email.present" in failures


def test_unusable_input_exits_2(workspace: Workspace, mesh_dir: Path, tmp_path: Path) -> None:
    no_data = cli(workspace, "test", str(mesh_dir / CONTRACT), "--data", str(tmp_path / "none-*.parquet"))
    assert no_data.exit_code == 2
    assert "no data file matches" in no_data.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\nschema:\n  - name: t\n    propertys: []\n"
    )
    result = cli(workspace, "test", str(broken), "--data", str(tmp_path))
    assert result.exit_code == 2
    assert "broken.yaml:8" in result.stderr and "did you mean `properties`" in result.stderr


def test_a_published_product_and_a_pinned_version(workspace: Workspace, mesh_dir: Path) -> None:
    assert cli(workspace, "run", str(mesh_dir)).exit_code == 0
    result = cli(workspace, "test", "sales.customers", "--output", "json")
    assert result.exit_code == 0
    run = json.loads(result.stdout)
    assert run["table"] == "sales.customers@1" and run["rows"] == 3
    missing = cli(workspace, "test", "sales.customers", "--version", "9")
    assert missing.exit_code == 2
