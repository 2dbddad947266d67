"""`andmesh doctor`: check the workspace, and with `--repair` fix it without losing anything."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

COLOUR = {"ok": "green", "warning": "yellow", "error": "red", "repaired": "cyan"}


def doctor(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Rebuild the catalog from the warehouse's metadata files, remove journaled leftovers of "
            "crashed runs, make files owner-only.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Check the workspace: store, catalog against the warehouse, leftovers, permissions; exit 2 on a problem."""
    facade: Andmesh = ctx.obj
    with handled():
        report = facade.doctor(repair=repair)
    if as_json:
        print_json(report)
        raise typer.Exit(report.exit_code)
    console.print(f"workspace [bold]{report.workspace}[/bold]" + ("" if report.writable else " (read-only)"))
    for finding in report.findings:
        colour = COLOUR.get(finding.status, "white")
        console.print(
            f"  [{colour}]{finding.status:>8}[/{colour}]  {finding.area}: {finding.message}",
            highlight=False,
            soft_wrap=True,
        )
        if finding.fix:
            console.print(f"            [yellow]fix:[/yellow] {finding.fix}", highlight=False, soft_wrap=True)
    raise typer.Exit(report.exit_code)
