"""`andmesh run`: build, check and publish a mesh's products in dependency order."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.cmd_status import check_counts
from andmesh.cli.output import console, handled, print_json, progress_bar

if TYPE_CHECKING:
    from andmesh.facade import Andmesh
    from andmesh.pipeline import ProgressEvent, RunResult

# Keyed by the status values (PortStatus is a StrEnum), so the pipeline loads only when a run does.
STYLE: dict[str, str] = {
    "published": "green",
    "up_to_date": "cyan",
    "blocked": "red",
    "failed": "red",
    "skipped": "yellow",
}


def run(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The mesh folder.")] = Path("."),
    data: Annotated[Path | None, typer.Option(help="Folder of the operational sources.")] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            "-s",
            help="Product or domain to run; `+name` adds its upstream, `name+` its downstream. Repeatable.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when inputs are unchanged.")] = False,
    engine: Annotated[str | None, typer.Option(help="Engine (default: the mesh's).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run result as JSON.")] = False,
) -> None:
    """Build, check and publish products; exit 1 if a contract held data back, 2 on a failure."""
    from andmesh.pipeline import PortStatus

    facade: Andmesh = ctx.obj
    with (
        handled(),
        progress_bar(disable=as_json, transient=True) as progress,
    ):
        task = progress.add_task("planning", total=None)

        def on_event(event: ProgressEvent) -> None:
            if event.kind == "plan":
                progress.update(task, total=event.total, description="running")
            elif event.kind == "start":
                progress.update(task, description=event.table_id)
            else:
                progress.update(task, completed=event.index)
                if not as_json:
                    colour = STYLE.get(PortStatus(event.status), "white")
                    progress.console.print(f"  [{colour}]{event.status:>10}[/{colour}]  {event.table_id}")

        result = facade.run(path, data=data, select=select, force=force, engine=engine, on_event=on_event)
    if as_json:
        print_json(result)
    else:
        print_run(result)
    raise typer.Exit(result.exit_code)


def print_run(result: RunResult) -> None:
    from andmesh.pipeline import PortStatus

    for note in result.repaired:
        console.print(f"[yellow]recovered:[/yellow] {note}")
    table = Table(title=f"run {result.run_id} · {result.mesh} on {result.engine}", title_justify="left")
    for column in ("output port", "status", "version", "rows", "checks", "seconds"):
        table.add_column(column, justify="right" if column in ("version", "rows", "seconds") else "left")
    for outcome in result.outcomes:
        colour = STYLE[outcome.status]
        checks = check_counts(outcome.checks.counts()) if outcome.checks is not None else ""
        table.add_row(
            outcome.table_id,
            f"[{colour}]{outcome.status.value}[/{colour}]",
            str(outcome.version or "–"),
            f"{outcome.rows:,}" if outcome.rows is not None else "–",
            checks,
            f"{outcome.seconds:.2f}",
        )
    console.print(table)
    for outcome in result.outcomes:
        if outcome.status in (PortStatus.blocked, PortStatus.failed, PortStatus.skipped):
            console.print(
                f"[{STYLE[outcome.status]}]{outcome.table_id}[/]: {outcome.message}", highlight=False
            )
            if outcome.checks is not None:
                for check in outcome.checks.blocking:
                    console.print(f"    {check.id}: {check.message}", highlight=False)
                    for sample in check.samples[:3]:
                        console.print(f"      e.g. {sample}", highlight=False)
    rate = result.rows / result.seconds if result.seconds else 0
    console.print(
        f"{result.count(PortStatus.published)} published, {result.count(PortStatus.up_to_date)} up to date, "
        f"{result.count(PortStatus.blocked)} blocked, {result.count(PortStatus.failed)} failed, "
        f"{result.count(PortStatus.skipped)} skipped · {result.rows:,} rows in {result.seconds:.1f}s"
        + (f" ({rate:,.0f} rows/s)" if result.rows else "")
    )
