"""`andmesh access …`: request an output port with a purpose; owners (and the council, for PII) decide."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json
from andmesh.facade import Andmesh
from andmesh.store.governance import AccessRequest

access = typer.Typer(
    help="Access with purpose: requests, approvals, grants, revocations.", no_args_is_help=True
)

COLOURS = {
    "granted": "green",
    "pending": "yellow",
    "awaiting_council": "yellow",
    "rejected": "red",
    "revoked": "red",
}


def _show(request: AccessRequest) -> None:
    colour = COLOURS.get(request.status, "white")
    extra = f" (council proposal #{request.proposal_id})" if request.status == "awaiting_council" else ""
    expires = f", expires {request.expires_at:%Y-%m-%d}" if request.expires_at else ""
    console.print(
        f"access #{request.id}: {request.consumer} → {request.table_id} "
        f"[{colour}]{request.status}[/{colour}]{extra}{expires}"
    )


@access.command("request")
def request(
    ctx: typer.Context,
    table_id: Annotated[str, typer.Argument(help="`<domain>.<port>`")],
    consumer: Annotated[str, typer.Option("--for", help="Who will use it: a person, team or product.")],
    purpose: Annotated[str, typer.Option(help="What the data is for.")],
    kind: Annotated[str, typer.Option(help="person, team or product.")] = "team",
    requested_by: Annotated[
        str | None, typer.Option("--as", help="Who asks (default: the consumer).")
    ] = None,
) -> None:
    """Ask for an output port, for a purpose; its owner decides (and the council, if it holds PII)."""
    facade: Andmesh = ctx.obj
    with handled():
        if kind not in ("person", "team", "product"):
            from andmesh.errors import UsageError

            raise UsageError(f"unknown consumer kind `{kind}`", hint="person, team or product")
        _show(facade.access().request(table_id, consumer, purpose, requested_by=requested_by, kind=kind))  # type: ignore[arg-type]


@access.command("approve")
def approve(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="Request number.")],
    by: Annotated[str, typer.Option("--as", help="The owner deciding.")],
    days: Annotated[int | None, typer.Option(help="The grant expires after this many days.")] = None,
) -> None:
    """The owner approves; for PII the request then waits for the council's `pii_access` proposal."""
    facade: Andmesh = ctx.obj
    with handled():
        _show(facade.access().approve(request_id, by, days=days))


@access.command("reject")
def reject(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="Request number.")],
    by: Annotated[str, typer.Option("--as", help="The owner deciding.")],
) -> None:
    facade: Andmesh = ctx.obj
    with handled():
        _show(facade.access().reject(request_id, by))


@access.command("revoke")
def revoke(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="Request number.")],
    by: Annotated[str, typer.Option("--as", help="The owner (or the council's chair).")],
) -> None:
    facade: Andmesh = ctx.obj
    with handled():
        _show(facade.access().revoke(request_id, by))


@access.command("list")
def list_requests(
    ctx: typer.Context,
    table_id: Annotated[str | None, typer.Option("--port", help="Only this output port.")] = None,
    consumer: Annotated[str | None, typer.Option("--for", help="Only this consumer.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Every access request and grant: the consumers of the mesh's ports."""
    facade: Andmesh = ctx.obj
    with handled():
        found = facade.access().requests(table_id, consumer)
    if as_json:
        print_json(found)
        return
    table = Table(title="access requests and grants")
    for column in ("#", "port", "consumer", "purpose", "PII", "status", "decided by", "expires"):
        table.add_column(column, overflow="fold")
    for r in found:
        colour = COLOURS.get(r.status, "white")
        table.add_row(
            str(r.id),
            r.table_id,
            f"{r.consumer} ({r.consumer_kind})",
            r.purpose,
            "yes" if r.pii else "",
            f"[{colour}]{r.status}[/{colour}]",
            r.owner_decision_by or "–",
            f"{r.expires_at:%Y-%m-%d}" if r.expires_at else "–",
        )
    console.print(table)
