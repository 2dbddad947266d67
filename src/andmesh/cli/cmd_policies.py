"""`andmesh policies …`: policies as code, checked on every product, compliance by domain."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

policies = typer.Typer(
    help="Global policies: check them, list them, follow compliance.", no_args_is_help=True
)

STATUS_COLOURS = {"passed": "green", "failed": "red", "error": "magenta"}


@policies.command("check")
def check(
    ctx: typer.Context,
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
    all_results: Annotated[bool, typer.Option("--all", help="Show passed results too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Every policy on every product: pass/fail by domain. Exit 1 when a blocking policy fails."""
    facade: Andmesh = ctx.obj
    with handled():
        report = facade.policies(mesh)
    if as_json:
        print_json(report)
        raise typer.Exit(report.exit_code)
    table = Table(
        title=f"policies of {report.mesh}: {len(report.policies)} on {len({r.product_id for r in report.results})} products"
    )
    for column in ("policy", "severity", "product", "status", "why"):
        table.add_column(column, overflow="fold")
    shown = [r for r in report.results if all_results or r.status != "passed"]
    for r in shown:
        colour = STATUS_COLOURS[r.status]
        table.add_row(
            r.policy, r.severity, r.product_id, f"[{colour}]{r.status}[/{colour}]", "; ".join(r.messages)
        )
    if shown:
        console.print(table)
    by_domain = Table(title="compliance by domain")
    for column in ("domain", "checks", "passed", "failed", "errors", "blocking", "compliance"):
        by_domain.add_column(column, justify="left" if column == "domain" else "right")
    for d in report.by_domain:
        colour = "red" if d.blocking else ("yellow" if d.failed or d.errors else "green")
        by_domain.add_row(
            d.domain,
            str(d.checks),
            str(d.passed),
            str(d.failed),
            str(d.errors),
            str(d.blocking),
            f"[{colour}]{d.compliance:.1f}%[/{colour}]",
        )
    console.print(by_domain)
    raise typer.Exit(report.exit_code)


@policies.command("list")
def list_policies(
    ctx: typer.Context,
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
) -> None:
    """The policies in force: built-in rules (as tuned by the mesh) and the mesh's own."""
    from andmesh.governance.policies import effective_policies

    facade: Andmesh = ctx.obj
    with handled():
        found = effective_policies(facade.mesh(mesh))
    table = Table(title="policies in force")
    for column in ("policy", "severity", "rule", "description"):
        table.add_column(column, overflow="fold")
    for p in found:
        spec = p.spec
        rule = "built-in" if spec is None or spec.builtin else ("python" if spec.python else "sql")
        table.add_row(p.name, p.severity, rule, p.description)
    console.print(table)


@policies.command("history")
def history(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Evaluations to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Compliance by domain over the last evaluations (every run and every `policies check`)."""
    facade: Andmesh = ctx.obj
    with handled():
        rows = facade.compliance_history(limit)
    if as_json:
        print_json(rows)
        return
    table = Table(title="compliance over time")
    for column in ("evaluated at", "run", "domain", "checks", "passed", "compliance"):
        table.add_column(column)
    for row in rows:
        pct = 100.0 * row["passed"] / row["checks"] if row["checks"] else 100.0
        table.add_row(
            row["evaluated_at"].strftime("%Y-%m-%d %H:%M:%S"),
            row["run_id"] or "check",
            row["domain"],
            str(row["checks"]),
            str(row["passed"]),
            f"{pct:.1f}%",
        )
    console.print(table)
