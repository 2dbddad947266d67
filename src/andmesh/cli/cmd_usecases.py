"""`andmesh usecases`: use cases ranked by weighted value and feasibility."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

QUADRANT_COLOURS = {"quick win": "green", "strategic bet": "yellow", "fill-in": "cyan", "deprioritize": "red"}


def usecases(
    ctx: typer.Context,
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Use cases ranked by value × feasibility (the prioritization matrix)."""
    facade: Andmesh = ctx.obj
    with handled():
        report = facade.use_cases(mesh)
    if as_json:
        print_json(report)
        return
    table = Table(title=f"use cases of {report.mesh} (scores 1–5, quadrants split at {report.midpoint:g})")
    for column in (
        "rank",
        "use case",
        "value",
        "feasibility",
        "priority",
        "quadrant",
        "KPIs",
        "requirements",
    ):
        table.add_column(
            column, justify="right" if column in ("rank", "value", "feasibility", "priority") else "left"
        )
    for row in report.use_cases:
        colour = QUADRANT_COLOURS.get(row.quadrant, "white")
        table.add_row(
            str(row.rank),
            row.name,
            f"{row.value:.2f}",
            f"{row.feasibility:.2f}",
            f"{row.priority:.1f}",
            f"[{colour}]{row.quadrant}[/{colour}]",
            ", ".join(row.kpis),
            str(len(row.requirements)),
        )
    console.print(table)
