"""`andmesh report …`: reports people read, as Markdown with charts, and a summary on the console."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

report = typer.Typer(help="Write reports (Markdown with SVG charts).", no_args_is_help=True)


@report.command("enterprise")
def enterprise(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder to write enterprise.md and charts/ to.")] = Path(
        "report"
    ),
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
    period: Annotated[str, typer.Option(help="KPI period: month, quarter or year.")] = "month",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report's data as JSON.")] = False,
) -> None:
    """The enterprise view: use cases ranked, gaps between the units, KPIs — with charts."""
    facade: Andmesh = ctx.obj
    with handled(), console.status("measuring requirements and computing KPIs…"):
        result = facade.report_enterprise(out, path=mesh, period=period)
    if as_json:
        print_json(result)
        return
    console.rule(f"[bold]enterprise summary — {result.mesh}")
    top = Table(title="top use cases", title_justify="left")
    for column in ("rank", "use case", "quadrant", "value", "feasibility", "open gaps"):
        top.add_column(column)
    open_gaps = result.open_gaps_by_use_case
    for row in result.priority.use_cases[:5]:
        top.add_row(
            str(row.rank),
            row.name,
            row.quadrant,
            f"{row.value:.2f}",
            f"{row.feasibility:.2f}",
            str(open_gaps.get(row.name, 0)),
        )
    console.print(top)
    by_domain = Table(title="open gaps by domain", title_justify="left")
    for column in ("domain", "requirements", "gaps", "gap ids"):
        by_domain.add_column(column, overflow="fold")
    for rollup in result.gaps.by_domain:
        colour = "red" if rollup.gaps else "green"
        by_domain.add_row(
            rollup.key,
            str(rollup.requirements),
            f"[{colour}]{rollup.gaps}[/{colour}]",
            ", ".join(rollup.gap_ids),
        )
    console.print(by_domain)
    kpis = Table(title=f"KPIs (latest {period})", title_justify="left")
    for column in ("KPI", "unit", "period", "value", "before", "not computable: gap in"):
        kpis.add_column(column, overflow="fold")
    for k in result.kpis:
        kpis.add_row(
            k.name,
            k.unit,
            k.period or "–",
            "–" if k.value is None else f"{k.value:,.2f}",
            "–" if k.previous is None else f"{k.previous:,.2f}",
            "" if k.status == "computed" else f"[yellow]{', '.join(k.blocked_by) or k.reason}[/yellow]",
        )
    console.print(kpis)
    console.print(
        f"report: [bold]{Path(result.out) / result.files[0]}[/bold] (+ {len(result.files) - 1} charts)"
    )


@report.command("council")
def council(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder to write council.md and charts/ to.")] = Path(
        "report"
    ),
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report's data as JSON.")] = False,
) -> None:
    """The council's one page: decisions waiting, collaboration, transparency, reuse, economics."""
    facade: Andmesh = ctx.obj
    with handled(), console.status("gathering gaps, policies, reuse and economics…"):
        result = facade.report_council(out, path=mesh)
    if as_json:
        print_json(result)
        return
    console.rule(f"[bold]council summary — {result.mesh}")
    t = result.transparency
    console.print(
        f"decisions waiting: [bold]{len(result.open_proposals)}[/bold] proposals, "
        f"[bold]{len(result.pending_access)}[/bold] access requests"
    )
    console.print(
        "requirements: "
        + ", ".join(f"{n} {s}" for s, n in result.requirements_by_status.items())
        + f" ({result.cross_domain_requirements} handed over between stages)"
    )
    console.print(
        f"transparency: {t.described}/{t.products} products described, {t.with_contract}/{t.ports} ports "
        f"under contract, {t.with_sla}/{t.ports} with SLAs, {t.lineage_sql}/{t.ports} with column lineage"
    )
    worst = sorted(result.compliance.items(), key=lambda kv: kv[1])[:3]
    console.print(
        "policy compliance (lowest): "
        + ", ".join(f"{d} {c:.1f}%" for d, c in worst)
        + f"; {result.blocking_policies} blocking violations"
    )
    console.print(
        f"reuse: value multiplied {result.reuse_multiplier:.2f}× by reuse; orphans: "
        + (", ".join(result.orphans) or "none")
    )
    console.print(
        f"economics: {result.total_value:,.0f} {result.currency} of value a year for "
        f"{result.total_cost:,.2f} {result.currency} of cost"
    )
    console.print(
        f"report: [bold]{Path(result.out) / result.files[0]}[/bold] (+ {len(result.files) - 1} charts)"
    )
