"""`andmesh value`: cost, attributed value, reuse and ROI of every data product and score.

Formulas in :mod:`andmesh.governance.economics`; see docs/economics.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh
    from andmesh.governance.value_service import AssetValue, ValueReport


def value(
    ctx: typer.Context,
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """What each data asset costs a year, the value its use cases attribute to it, its reuse and ROI."""
    facade: Andmesh = ctx.obj
    with handled():
        report = facade.value(mesh)
    if as_json:
        print_json(report)
        return
    _print(report)


def _money(amount: float, currency: str) -> str:
    """Money for people: 1,234,567 EUR; 0.42 EUR; small amounts keep their cents."""
    return f"{amount:,.0f} {currency}" if abs(amount) >= 100 else f"{amount:,.2f} {currency}"


def _compact(number: float) -> str:
    """A big ratio kept short: 12.6 M, 3.1 k, 2.50.

    >>> _compact(12_633_918.7), _compact(3_125.0), _compact(-1.0)
    ('12.6 M', '3.1 k', '-1.00')
    """
    for limit, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}{suffix}"
    return f"{number:.2f}"


def _roi(roi: float | None) -> str:
    """ROI as a multiple of the cost: (value − cost) / cost."""
    return "–" if roi is None else _compact(roi) + "×"


def _flag(row: AssetValue) -> str:
    if row.orphan:
        return "[red]orphan[/red]"
    if not row.published:
        return "[yellow]not published[/yellow]"
    if not row.use_cases:
        return "[yellow]no use case[/yellow]"
    return ""


def _print(report: ValueReport) -> None:
    cur = report.currency
    table = Table(title=f"value of the data assets of {report.mesh} (per year, {cur}; sorted by ROI)")
    table.add_column("asset", overflow="fold", min_width=38)
    for column in ("cost", "value", "ROI", "consumers", "use cases", "reuse ×"):
        table.add_column(column, justify="right")
    table.add_column("")
    for row in report.assets:
        table.add_row(
            row.asset + (f" [dim]({row.kind})[/dim]" if row.kind != "product" else ""),
            _money(row.cost.total, cur),
            _money(row.value, cur),
            _roi(row.roi),
            str(row.consumers),
            str(len(row.use_cases)),
            f"{row.reuse_factor:.2f}",
            _flag(row),
        )
    console.print(table)
    domains = Table(title="by domain")
    domains.add_column("domain")
    for column in ("assets", "cost", "value", "ROI", "orphans"):
        domains.add_column(column, justify="right" if column != "orphans" else "left")
    for domain in report.domains:
        domains.add_row(
            domain.domain,
            str(domain.assets),
            _money(domain.cost, cur),
            _money(domain.value, cur),
            _roi(domain.roi),
            ", ".join(domain.orphans),
        )
    console.print(domains)
    reuse = report.reuse
    console.print(
        f"total: cost {_money(report.total_cost, cur)}, value {_money(report.total_value, cur)}, "
        f"ROI {_roi(report.roi)} · reuse multiplies value {reuse.multiplier:.2f}× for "
        f"{_money(reuse.marginal_cost, cur)} of extra reads; sharing avoids {_money(reuse.cost_avoided, cur)} "
        f"of duplicate builds · lineage passes {report.upstream_share:.0%} upstream",
        highlight=False,
    )
    if report.orphans:
        console.print(
            f"[red]{len(report.orphans)} orphan(s)[/red], built and never reused: "
            + ", ".join(report.orphans)
        )
    for problem in report.problems:
        console.print(f"[yellow]note:[/yellow] {problem}", highlight=False)
