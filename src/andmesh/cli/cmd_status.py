"""`andmesh status`: products, current versions, last run, checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh, PortSummary


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """What is published, from which run, and how its checks went."""
    facade: Andmesh = ctx.obj
    with handled():
        report = facade.status()
    if as_json:
        print_json(report)
        return
    run = report.last_run
    console.print(f"workspace [bold]{report.workspace}[/bold] · mesh [bold]{report.mesh or '–'}[/bold]")
    if run:
        console.print(
            f"last run {run['id']}: [bold]{run['status']}[/bold] "
            f"(started {run['started_at']:%Y-%m-%d %H:%M:%S} UTC) · incidents in it: {report.open_incidents}"
        )
    else:
        console.print("no run yet: `andmesh run <mesh>`")
    console.print(ports_table(report.ports))


def check_counts(counts: dict[str, int]) -> str:
    """``41 ok, 2 failed, 1 skipped`` with colours; statuses with no checks left out."""
    text = f"{counts.get('passed', 0)} ok"
    for status, colour in (("failed", "red"), ("error", "red"), ("warning", "yellow"), ("skipped", "white")):
        if counts.get(status):
            text += f", [{colour}]{counts[status]} {status}[/{colour}]"
    return text


def ports_table(ports: list[PortSummary]) -> Table:
    table = Table()
    for column in ("product", "owner", "version", "rows", "published (UTC)", "last run", "checks"):
        table.add_column(column, justify="right" if column in ("version", "rows") else "left")
    for port in ports:
        last = port.last_status or "–"
        colour = {"published": "green", "up_to_date": "cyan"}.get(last, "red" if last != "–" else "white")
        checks = check_counts(port.checks)
        table.add_row(
            port.product_id,
            port.owner or "–",
            str(port.current_version or "–"),
            f"{port.rows:,}" if port.rows is not None else "–",
            f"{port.published_at:%Y-%m-%d %H:%M}" if port.published_at else "–",
            f"[{colour}]{last}[/{colour}]",
            checks,
        )
    return table
