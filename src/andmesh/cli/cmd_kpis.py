"""`andmesh kpis`: the mesh's KPI specs, each computed or "not computable: <gap>"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh


def kpis(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="KPIs to compute (default: all).")] = None,
    period: Annotated[str, typer.Option(help="month, quarter or year.")] = "month",
    by_segment: Annotated[bool, typer.Option("--by-segment", help="One value per customer segment.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print every value as JSON.")] = False,
) -> None:
    """KPIs on the published products; a KPI whose requirements have a gap is not computed."""
    facade: Andmesh = ctx.obj
    with handled():
        results = facade.kpis(names, period=period, by_segment=by_segment)
    if as_json:
        print_json(results)
        return
    if not results:
        console.print("This mesh declares no KPIs: add specs in enterprise/kpis/<name>.yaml (docs/kpis.md).")
        return
    table = Table(title=f"KPIs by {period} (latest periods)", title_justify="left")
    for column in ("KPI", "unit", "target", "status", "latest values", "why not"):
        table.add_column(column, overflow="fold")
    for result in results:
        latest = ""
        if result.rows:
            last = result.rows[-3:] if not by_segment else result.rows[-6:]
            latest = "; ".join(
                f"{str(r.get('period'))[:10]}{' ' + str(r['segment']) if 'segment' in r else ''}: "
                f"{'–' if r.get(result.name) is None else round(float(r[result.name]), 2)}"
                for r in last
            )
        colour = "green" if result.status == "computed" else "yellow"
        table.add_row(
            f"{result.title}\n[dim]{result.formula}[/dim]",
            f"{result.unit}, {result.direction} is better",
            "" if result.target is None else f"{result.target:g}",
            f"[{colour}]{result.status.replace('_', ' ')}[/{colour}]",
            latest,
            result.reason or "",
        )
    console.print(table)
