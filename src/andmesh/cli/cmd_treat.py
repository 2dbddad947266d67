"""`andmesh treat`: an entity's tier and each domain's action; `--consistency` checks every domain.

The wording follows the Treatment's entity (customers in Order-to-Cash, vendors in
Procure-to-Pay); the results keep their field names (``customer_id``, ``customers``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json
from andmesh.errors import UsageError

if TYPE_CHECKING:  # the treatment service loads numpy and the score methods: only when a command runs
    from andmesh.enterprise.scores.treatments import ConsistencyReport, CustomerTreatment, TreatmentService


class TreatFacade(Protocol):
    def treatments(self, path: Path | None = None, name: str | None = None) -> TreatmentService: ...


def treat(
    ctx: typer.Context,
    customer: Annotated[
        str | None,
        typer.Argument(
            metavar="ID", help="Enterprise id of the treatment's entity (a customer EC-…, a vendor EV-…)."
        ),
    ] = None,
    consistency: Annotated[
        bool, typer.Option("--consistency", help="Check that every domain uses the same versions and tiers.")
    ] = False,
    as_of: Annotated[
        dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Served scores on this date.")
    ] = None,
    treatment: Annotated[
        str | None, typer.Option("--treatment", help="Treatment spec (default: the only one).")
    ] = None,
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """How every domain treats an entity (customer, vendor…), from the served enterprise scores."""
    from andmesh.enterprise.scores.treatments import ConsistencyReport, CustomerTreatment

    facade: TreatFacade = ctx.obj
    day = as_of.date() if as_of else None
    with handled():
        if customer is None and not consistency:
            raise UsageError(
                "give an enterprise id or --consistency",
                hint="andmesh treat EC-000123 (a customer), andmesh treat EV-000001 (a vendor), "
                "or andmesh treat --consistency",
            )
        service = facade.treatments(mesh, treatment)
        result: CustomerTreatment | ConsistencyReport = (
            service.consistency(day) if consistency else service.treat(customer or "", day)
        )
    if as_json:
        print_json(result)
    elif isinstance(result, CustomerTreatment):
        _print_customer(result)
    else:
        _print_consistency(result)
    if isinstance(result, ConsistencyReport) and not result.consistent:
        raise typer.Exit(1)


def _print_customer(t: CustomerTreatment) -> None:
    bands = ", ".join(f"{n} {t.versions.get(n, '?')}: {b or '–'}" for n, b in t.bands.items())
    who = t.entity.replace("_", " ")
    console.print(f"{who} [bold]{t.customer_id}[/bold] tier [bold]{t.tier}[/bold] ({bands})")
    table = Table(title=t.treatment)
    for column in ("domain", "tier", "action", "own scoring would say"):
        table.add_column(column, overflow="fold")
    for d in t.domains:
        tier = d.tier if d.tier == t.tier else f"[red]{d.tier}[/red]"
        table.add_row(d.domain, tier, d.action, d.local_tier or "–")
    console.print(table)


def _print_consistency(r: ConsistencyReport) -> None:
    served = ", ".join(f"{n} {v or 'none'}" for n, v in r.served.items())
    many = r.entity_plural
    console.print(f"[bold]{r.treatment}[/bold]: {r.customers:,} {many}; served {served}")
    console.print("tiers: " + ", ".join(f"{t} {n:,}" for t, n in r.tier_counts.items()))
    if r.findings:
        for f in r.findings:
            affected = (
                "" if f.customers_affected is None else f" → {f.customers_affected:,} {many} get another tier"
            )
            console.print(f"[red]✗ {f.domain} uses {f.score} {f.used}, served {f.served}{affected}[/red]")
    else:
        console.print("[green]✓ every domain uses the served version of every score[/green]")
    if r.conflicting_customers:
        console.print(
            f"[red]✗ {r.conflicting_customers:,} {many} get different tiers from different domains[/red]"
        )
        for c in r.conflicts:
            console.print("   " + c.customer_id + ": " + ", ".join(f"{d} {t}" for d, t in c.tiers.items()))
    else:
        console.print(f"[green]✓ no {r.entity.replace('_', ' ')} gets conflicting treatments[/green]")
    if r.local is not None:
        loc = r.local
        console.print(
            f"had each unit used its own scoring ({', '.join(loc.domains)}): "
            f"[yellow]{loc.conflicting_customers:,} {many} ({loc.share:.1%})[/yellow] treated differently"
        )
        table = Table(title="own scoring against the enterprise tier")
        table.add_column("domain")
        table.add_column(f"{many} with another tier", justify="right")
        for domain, share in loc.differs_from_enterprise.items():
            table.add_row(domain, f"{share:.1%}")
        console.print(table)
        for c in loc.examples[:3]:
            console.print("   " + c.customer_id + ": " + ", ".join(f"{d} {t}" for d, t in c.tiers.items()))
