"""`andmesh kpis`: the mesh's KPI specs, each computed or "not computable: <why>"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.enterprise.kpis import KpiResult
    from andmesh.facade import Andmesh

#: Rich colours of the red/amber/green statuses (andmesh.enterprise.kpis.rating).
RAG_COLOURS = {"green": "green", "amber": "dark_orange", "red": "red"}


def kpis(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="KPIs to compute (default: all).")] = None,
    period: Annotated[str, typer.Option(help="month, quarter or year.")] = "month",
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by", help="Cut by a dimension the KPIs declare (segment, region, supplier…); repeatable."
        ),
    ] = None,
    by_segment: Annotated[bool, typer.Option("--by-segment", help="The same as `--by segment`.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print every value as JSON.")] = False,
) -> None:
    """KPIs on the published products; a KPI whose requirements have a gap is not computed."""
    facade: Andmesh = ctx.obj
    dims = list(dict.fromkeys([*(by or []), *(["segment"] if by_segment else [])]))
    with handled():
        results = facade.kpis(names, period=period, by=dims)
    if as_json:
        print_json(results)
        return
    if not results:
        console.print("This mesh declares no KPIs: add specs in enterprise/kpis/<name>.yaml (docs/kpis.md).")
        return
    cut = f" and {', '.join(dims)}" if dims else ""
    table = Table(title=f"KPIs by {period}{cut} (latest periods)", title_justify="left")
    for column in ("KPI", "unit", "target", "status", "latest values", "why not"):
        table.add_column(column, overflow="fold")
    for result in results:
        table.add_row(
            f"{result.title}\n[dim]{result.formula}[/dim]",
            f"{result.unit}, {result.direction} is better",
            _limits(result),
            _status(result),
            _latest(result, dims),
            result.reason or "",
        )
    console.print(table)


def _limits(result: KpiResult) -> str:
    parts = [] if result.target is None else [f"{result.target:g}"]
    if result.thresholds is not None:
        for level, colour in (("warning", "amber"), ("critical", "red")):
            limit = getattr(result.thresholds, level)
            if limit is not None:
                parts.append(
                    f"[{RAG_COLOURS[colour]}]{colour} {'>' if result.direction == 'lower' else '<'} {limit:g}[/]"
                )
    return "\n".join(parts)


def _status(result: KpiResult) -> str:
    if result.status != "computed":
        return "[yellow]not computable[/yellow]"
    if result.rag_status is None:
        return "computed"
    return f"[bold {RAG_COLOURS[result.rag_status]}]{result.rag_status}[/]"


def _latest(result: KpiResult, dims: list[str]) -> str:
    if not result.rows:
        return ""
    count = 3 if not dims else 6
    statuses: list[str | None] = list(result.row_rag_status or [None] * len(result.rows))
    pairs = list(zip(result.rows, statuses, strict=True))[-count:]
    out = []
    for row, rag in pairs:
        where = "".join(f" {row[d]}" for d in dims if d in row)
        value = "–" if row.get(result.name) is None else f"{round(float(row[result.name]), 2):g}"
        if rag is not None:
            value = f"[{RAG_COLOURS[rag]}]{value}[/]"
        out.append(f"{str(row.get('period'))[:10]}{where}: {value}")
    return "; ".join(out)
