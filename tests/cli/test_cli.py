"""The `andmesh` command end to end: exit codes, JSON output, messages."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.workspace import Workspace
from tests.helpers import edit

runner = CliRunner()


def cli(workspace: Workspace, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(workspace.root), *args], catch_exceptions=False)


def test_init_lint_run_status_show(workspace: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "my-mesh"
    assert cli(workspace, "init", str(target)).exit_code == 0
    lint = cli(workspace, "lint", str(target))
    assert lint.exit_code == 0 and "ok" in lint.stdout
    run = cli(workspace, "run", str(target), "--json")
    assert run.exit_code == 0
    assert json.loads(run.stdout)["outcomes"][0]["status"] == "published"
    status = json.loads(cli(workspace, "status", "--json").stdout)
    assert status["ports"][0]["current_version"] == 1
    assert status["ports"][0]["checks"]["failed"] == 0
    assert status["ports"][0]["checks"]["passed"] > 10
    listed = json.loads(cli(workspace, "products", "list", "--json").stdout)
    assert [p["product_id"] for p in listed] == ["sales.customers"]
    shown = json.loads(cli(workspace, "products", "show", "sales.customers", "--json").stdout)
    assert shown["versions"][0]["rows"] == 3
    assert Path(shown["versions"][0]["files"][0]).exists()
    human = cli(workspace, "products", "show", "sales.customers")
    assert "how to read it" in human.stdout


def test_init_refuses_a_non_empty_folder(workspace: Workspace, mesh_dir: Path) -> None:
    result = cli(workspace, "init", str(mesh_dir))
    assert result.exit_code == 2
    assert "not empty" in result.stderr


def test_lint_exit_code_and_json(workspace: Workspace, mesh_dir: Path) -> None:
    edit(mesh_dir / "domains/sales/domain.yaml", "owner: owner", "owner: nobody")
    result = cli(workspace, "lint", str(mesh_dir), "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert problems[0]["file"].endswith("domain.yaml") and problems[0]["line"] == 6


def test_run_on_invalid_specs_exits_2_with_locations(workspace: Workspace, mesh_dir: Path) -> None:
    edit(mesh_dir / "domains/sales/domain.yaml", "owner: owner", "owner: nobody")
    result = cli(workspace, "run", str(mesh_dir))
    assert result.exit_code == 2
    assert "domain.yaml:6" in result.stderr


def test_run_exits_1_when_the_gate_blocks(workspace: Workspace, mesh_dir: Path) -> None:
    csv = mesh_dir / "data/sales/customers.csv"
    csv.write_text(csv.read_text() + "C001,Dup,,enterprise,1,2021-01-01\n")
    result = cli(workspace, "run", str(mesh_dir))
    assert result.exit_code == 1
    assert "blocked" in result.stdout and "customers.customer_id.unique" in result.stdout


def test_unknown_product_suggests(workspace: Workspace, mesh_dir: Path) -> None:
    cli(workspace, "run", str(mesh_dir))
    result = cli(workspace, "products", "show", "sales.customer")
    assert result.exit_code == 2
    assert "did you mean `sales.customers`" in result.stderr


def test_read_a_pinned_version_that_does_not_exist(workspace: Workspace, mesh_dir: Path) -> None:
    cli(workspace, "run", str(mesh_dir))
    result = cli(workspace, "read", "sales.customers", "--version", "7")
    assert result.exit_code == 2
    assert "published versions: [1]" in result.stderr


def test_generate_then_refuse_to_overwrite(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "data"
    first = cli(
        workspace,
        "generate",
        "order-to-cash",
        "--customers",
        "200",
        "--seed",
        "3",
        "--out",
        str(out),
        "--json",
    )
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["customers"] == 200 and report["rows"]["order_management/sales_orders"] > 200
    assert (out / "truth" / "manifest.yaml").exists()
    again = cli(workspace, "generate", "order-to-cash", "--customers", "200", "--out", str(out))
    assert again.exit_code == 2
    assert "refusing to overwrite" in again.stderr and "--overwrite" in again.stderr
    bad = cli(workspace, "generate", "order-to-cash", "--customers", "0", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2
    assert "customers must be" in bad.stderr
