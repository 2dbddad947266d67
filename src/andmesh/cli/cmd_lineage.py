"""`andmesh lineage`: the mesh's lineage graph, and who is affected by a change, either way."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh
    from andmesh.governance.lineage import Impact, LineageReport


def lineage(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Argument(help="A product (`domain.product`), an output table, or with --domains a domain."),
    ] = None,
    downstream: Annotated[
        bool, typer.Option("--downstream", "-d", help="Who is affected if TARGET changes.")
    ] = False,
    upstream: Annotated[bool, typer.Option("--upstream", "-u", help="What TARGET depends on.")] = False,
    domains: Annotated[
        bool, typer.Option("--domains", help="Domain-level graph instead of products.")
    ] = False,
    depth: Annotated[
        int | None, typer.Option("--depth", min=1, help="Stop this many steps away (default: all the way).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the picture here (.svg, .png or .pdf by the suffix)."),
    ] = None,
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Product or domain lineage; with TARGET, impact analysis downstream and/or upstream.

    Without --downstream or --upstream, both are shown.
    """
    facade: Andmesh = ctx.obj
    with handled():
        report = facade.lineage(
            target,
            downstream=downstream,
            upstream=upstream,
            depth=depth,
            domains=domains,
            out=out,
            path=mesh,
        )
    if as_json:
        print_json(report)
        return
    _print(report)


def _print(report: LineageReport) -> None:
    from andmesh.governance.lineage.graph import impact_tree

    if report.focus is None:
        console.print(
            f"[bold]{report.mesh}[/bold]: {len(report.graph.nodes)} {report.level}s, "
            f"{len(report.graph.edges)} links"
        )
        for line in report.text:
            console.print(line, markup=False, highlight=False)
    for found in report.impacts:
        for line in impact_tree(report.graph, found):
            console.print(line, markup=False, highlight=False)
        if found.nodes:
            console.print(_impact_table(report, found))
    if report.picture:
        console.print(f"picture: {report.picture}")


def _impact_table(report: LineageReport, found: Impact) -> Table:
    affected = "affected if it changes" if found.direction == "downstream" else "it depends on"
    table = Table(
        title=f"{found.direction} of {found.focus}: {len(found.nodes)} {report.level}(s) {affected}"
    )
    for column in ("distance", report.level, "domain", "owner", "path"):
        table.add_column(column, justify="right" if column == "distance" else "left")
    for node in found.nodes:
        arrow = " → " if found.direction == "downstream" else " ← "
        table.add_row(str(node.distance), node.id, node.domain, node.owner or "–", arrow.join(node.path))
    return table
