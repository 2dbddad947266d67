"""`andmesh lineage` through Typer, on a real mesh.

The command is registered on a small app of the test's own; its facade has the one-line
``lineage`` method the facade gains (see docs/lineage.md), delegating to the service.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from typer.testing import CliRunner, Result

from andmesh.cli.cmd_lineage import lineage
from andmesh.facade import Andmesh
from andmesh.governance.lineage import LineageReport, lineage_report
from andmesh.workspace import Workspace


class Facade(Andmesh):
    def lineage(
        self,
        target: str | None = None,
        *,
        downstream: bool = False,
        upstream: bool = False,
        depth: int | None = None,
        domains: bool = False,
        out: Path | None = None,
        path: Path | None = None,
    ) -> LineageReport:
        return lineage_report(
            self.mesh(path), self.workspace, target, downstream=downstream, upstream=upstream,
            depth=depth, domains=domains, out=out,
        )  # fmt: skip


app = typer.Typer()


@app.callback()
def main(ctx: typer.Context, workspace: Annotated[Path, typer.Option("--workspace")]) -> None:
    ctx.obj = Facade(Workspace.resolve(workspace))


app.command("lineage")(lineage)
runner = CliRunner()


def cli(workspace: Workspace, *args: str) -> Result:
    return runner.invoke(app, ["--workspace", str(workspace.root), "lineage", *args], catch_exceptions=False)


def test_downstream_as_text(workspace: Workspace, lineage_mesh: Path) -> None:
    result = cli(workspace, "sales.orders", "--downstream", "--mesh", str(lineage_mesh))
    assert result.exit_code == 0, result.output
    assert "sales.orders (downstream)" in result.stdout
    assert "└── finance.invoices  [owner fay]" in result.stdout
    assert "upstream" not in result.stdout
    assert "1 product(s) affected if it changes" not in result.stdout  # two are
    assert "2 product(s) affected if it changes" in result.stdout


def test_both_directions_by_default_and_json(workspace: Workspace, lineage_mesh: Path) -> None:
    result = cli(workspace, "finance.invoices", "--mesh", str(lineage_mesh), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["focus"] == "finance.invoices" and report["level"] == "product"
    down, up = report["impacts"]
    assert (down["direction"], [n["id"] for n in down["nodes"]]) == ("downstream", ["finance.exposure"])
    assert (up["direction"], [n["id"] for n in up["nodes"]]) == (
        "upstream",
        ["sales.orders", "sales.customers"],
    )
    assert up["nodes"][1]["distance"] == 2 and up["nodes"][1]["owner"] == "sam"
    assert report["events_file"] == str(workspace.root / "lineage" / "events.jsonl")


def test_domains_upstream_with_a_picture(workspace: Workspace, lineage_mesh: Path, tmp_path: Path) -> None:
    out = tmp_path / "pictures" / "lineage.svg"
    result = cli(
        workspace, "finance", "--domains", "-u", "--out", str(out), "--mesh", str(lineage_mesh), "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["level"] == "domain"
    assert [n["id"] for n in report["impacts"][0]["nodes"]] == ["sales"]
    assert report["picture"] == str(out) and "<svg" in out.read_text()


def test_depth_and_the_whole_graph(workspace: Workspace, lineage_mesh: Path) -> None:
    limited = json.loads(
        cli(workspace, "sales.customers", "-d", "--depth", "1", "--mesh", str(lineage_mesh), "--json").stdout
    )
    assert [n["distance"] for n in limited["impacts"][0]["nodes"]] == [1, 1, 1]
    whole = cli(workspace, "--mesh", str(lineage_mesh))
    assert whole.exit_code == 0
    assert "lineage-test: 5 products, 5 links" in whole.stdout
    assert "finance.exposure  ← finance.invoices, sales.customers" in whole.stdout


def test_unknown_product_exits_2_with_a_suggestion(workspace: Workspace, lineage_mesh: Path) -> None:
    result = cli(workspace, "sales.order", "--mesh", str(lineage_mesh))
    assert result.exit_code == 2
    assert "did you mean `sales.orders`?" in result.stderr


def test_without_a_mesh_the_last_one_run_is_used(workspace: Workspace, lineage_mesh: Path) -> None:
    assert cli(workspace, "sales.orders").exit_code == 2  # nothing run yet: says how to fix it
    Facade(workspace).run(lineage_mesh)
    result = cli(workspace, "sales.orders", "--upstream", "--json")
    assert [n["id"] for n in json.loads(result.stdout)["impacts"][0]["nodes"]] == ["sales.customers"]


def test_the_command_module_does_not_load_the_openlineage_client() -> None:
    """`andmesh --help` and every other command should not pay ~0.6 s for lineage's imports."""
    import subprocess
    import sys

    code = "import sys, andmesh.cli.cmd_lineage; print(sorted(m for m in ('openlineage', 'matplotlib') if m in sys.modules))"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "[]"
    )
