"""`andmesh gaps`: every enterprise requirement — promised? captured? fit? — and who owns each gap.

Exit code 1 when a requirement the domain has accepted (or implemented, or verified)
has a gap: a broken commitment. Gaps of `proposed` requirements are shown, exit 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.enterprise.gaps import GapReport, Level, Rollup
    from andmesh.facade import Andmesh


def gaps(
    ctx: typer.Context,
    use_case: Annotated[
        str | None, typer.Option("--use-case", help="Only the requirements of this use case.")
    ] = None,
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Measure every enterprise requirement on the published data; list the gaps and their owners."""
    facade: Andmesh = ctx.obj
    with handled():
        report = facade.gaps(use_case, path=mesh)
    if as_json:
        print_json(report)
    else:
        _print(report)
    if report.committed_gaps:
        raise typer.Exit(1)


def _mark(level: Level) -> str:
    return "[green]✓[/green]" if level.met else "[red]✗[/red]"


def _print(report: GapReport) -> None:
    scope = f" · use case {report.use_case}" if report.use_case else ""
    table = Table(title=f"enterprise requirements of {report.mesh}{scope}")
    table.add_column("requirement", overflow="fold", min_width=24)
    for column in ("status", "owner", "promised", "captured", "fit", "measured", "standard"):
        table.add_column(column)
    for status in report.requirements:
        table.add_row(
            status.id,
            status.lifecycle,
            status.owner or "–",
            _mark(status.promised),
            _mark(status.captured) + (f" {status.coverage:g}%" if status.coverage is not None else ""),
            _mark(status.fit),
            status.fit.measured or status.captured.measured or "–",
            status.fit.standard,
        )
    console.print(table)
    if report.gaps:
        gap_table = Table(title="gaps")
        gap_table.add_column("requirement", overflow="fold", min_width=24)
        for column in ("level", "owner", "status", "what is missing", "blocks"):
            gap_table.add_column(column)
        for gap in report.gaps:
            gap_table.add_row(
                gap.requirement,
                gap.level,
                gap.owner or "–",
                gap.lifecycle,
                gap.what,
                _blocks(gap.blocks_use_cases, gap.blocks_kpis),
            )
        console.print(gap_table)
    for title, rollups in (
        ("by domain", report.by_domain),
        ("by value-chain stage", report.by_stage),
        ("by hand-off", report.by_handoff),
        ("by use case", report.by_use_case),
    ):
        console.print(_rollup_table(title, rollups))
    committed = len(report.committed_gaps)
    console.print(
        f"{len(report.requirements)} requirements, {len(report.gaps)} with a gap"
        + (f", [red]{committed} accepted by their domain and not met[/red]" if committed else "")
    )


def _blocks(use_cases: list[str], kpis: list[str]) -> str:
    """What a gap blocks: its use cases, then its KPIs; only the parts that are there.

    >>> _blocks(["grow"], [])
    'grow'
    >>> _blocks([], ["dso", "otif"])
    'KPIs dso, otif'
    >>> _blocks([], [])
    '–'
    """
    parts = [", ".join(use_cases)] if use_cases else []
    if kpis:
        parts.append("KPIs " + ", ".join(kpis))
    return " · ".join(parts) or "–"


def _rollup_table(title: str, rollups: list[Rollup]) -> Table:
    table = Table(title=title)
    for column in ("", "requirements", "met", "gaps", "promised", "captured", "fit"):
        table.add_column(column, justify="left" if not column else "right")
    for row in rollups:
        table.add_row(
            row.key,
            str(row.requirements),
            str(row.met),
            f"[red]{row.gaps}[/red]" if row.gaps else "0",
            *(str(row.by_level.get(level, 0)) for level in ("promised", "captured", "fit")),
        )
    return table
