"""`andmesh tokens …` and `andmesh whoami`: API tokens and the principal a command acts as."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json
from andmesh.cli.remote import remote_of

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

tokens = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)


@tokens.command("create")
def create(
    ctx: typer.Context,
    username: Annotated[
        str | None,
        typer.Option("--for", help="A service account (platform admins only); default: yourself."),
    ] = None,
    days: Annotated[int, typer.Option(help="Days until it expires (1–365).")] = 90,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="read, request, decide, publish, admin (repeat; default: all)."),
    ] = None,
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the token.")] = False,
) -> None:
    """Create a token; it is printed once and only its hash is kept. Use it as $ANDMESH_TOKEN."""
    facade: Andmesh = ctx.obj
    with handled():
        issued = facade.tokens_create(username, days=days, scopes=scope or [], label=label)
    if quiet:
        typer.echo(issued.token)
        return
    record = issued.record
    console.print(
        f"token {record.prefix} for {record.username} (scopes {', '.join(record.scopes)}; "
        f"expires {record.expires_at:%Y-%m-%d}). Shown once — keep it secret:",
        highlight=False,
    )
    typer.echo(issued.token)


@tokens.command("list")
def list_tokens(
    ctx: typer.Context,
    everyone: Annotated[bool, typer.Option("--all", help="Every member's tokens (platform admins).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Your tokens (never their secrets)."""
    facade: Andmesh = ctx.obj
    with handled():
        found = facade.tokens(everyone)
    if as_json:
        print_json(found)
        return
    table = Table(title="API tokens")
    for column in ("#", "prefix", "member", "scopes", "label", "created", "expires", "state"):
        table.add_column(column, overflow="fold")
    for t in found:
        state = "revoked" if t.revoked_at else "active"
        table.add_row(
            str(t.id),
            t.prefix,
            t.username,
            ",".join(t.scopes),
            t.label or "",
            f"{t.created_at:%Y-%m-%d} by {t.created_by}",
            f"{t.expires_at:%Y-%m-%d}",
            state,
        )
    console.print(table if found else "no token")


@tokens.command("revoke")
def revoke(
    ctx: typer.Context,
    token: Annotated[str, typer.Argument(help="The token's number or prefix (`andm_…`).")],
) -> None:
    """Revoke a token at once (yours; any, for a platform admin)."""
    facade: Andmesh = ctx.obj
    with handled():
        revoked = facade.tokens_revoke(token)
    console.print(f"token {revoked.prefix} of {revoked.username} revoked")


def whoami(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Who your commands act as (from $ANDMESH_TOKEN, else your OS login), with teams and roles."""
    facade: Andmesh = ctx.obj
    with handled():
        remote = remote_of(ctx)
        who = remote.whoami() if remote else facade.principal()
    if as_json:
        print_json(who.model_dump(mode="json"))
        return
    console.print(who.describe(), highlight=False)
    if who.groups:
        console.print("teams: " + ", ".join(sorted(who.groups)), highlight=False)
    if who.scopes is not None:
        console.print("token scopes: " + ", ".join(sorted(who.scopes)), highlight=False)
