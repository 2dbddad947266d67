"""`andmesh access …`: request an output port with a purpose; owners (and the council, for PII) decide."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json
from andmesh.cli.remote import remote_of

if TYPE_CHECKING:
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
    purpose: Annotated[str, typer.Option(help="What the data is for.")],
    consumer: Annotated[
        str | None,
        typer.Option("--for", help="Who will use it: yourself (default), a team you are on, or its product."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="person, team or product (default: told by the name).")
    ] = None,
) -> None:
    """Ask for an output port, for a purpose; its owner decides (and the council, if it holds PII)."""
    facade: Andmesh = ctx.obj
    with handled():
        remote = remote_of(ctx)
        if remote is not None:
            _show(remote.access_request(table_id, consumer, purpose, kind))
            return
        _show(facade.access_request(table_id, consumer, purpose, kind=kind))


@access.command("approve")
def approve(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="Request number.")],
    days: Annotated[
        int | None, typer.Option(help="The grant lasts this many days (1–365, default 90).")
    ] = None,
) -> None:
    """The owner approves; for PII the request then waits for the council's `pii_access` proposal."""
    facade: Andmesh = ctx.obj
    with handled():
        remote = remote_of(ctx)
        _show(
            remote.access_decide(request_id, "approve", days)
            if remote
            else facade.access_decide(request_id, "approve", days=days)
        )


@access.command("reject")
def reject(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="Request number.")],
) -> None:
    """The owner rejects a pending request."""
    facade: Andmesh = ctx.obj
    with handled():
        remote = remote_of(ctx)
        _show(
            remote.access_decide(request_id, "reject")
            if remote
            else facade.access_decide(request_id, "reject")
        )


@access.command("revoke")
def revoke(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="Request number.")],
) -> None:
    """An owner (or the council's chair) ends a grant."""
    facade: Andmesh = ctx.obj
    with handled():
        remote = remote_of(ctx)
        _show(
            remote.access_decide(request_id, "revoke")
            if remote
            else facade.access_decide(request_id, "revoke")
        )


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
