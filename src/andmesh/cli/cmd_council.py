"""`andmesh council …`: proposals waiting for the council, votes, and the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json
from andmesh.cli.remote import remote_of

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

council = typer.Typer(help="The governance council: proposals, votes, the audit log.", no_args_is_help=True)


@council.command("proposals")
def proposals(
    ctx: typer.Context,
    all_proposals: Annotated[bool, typer.Option("--all", help="Decided proposals too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Open proposals (breaking changes, requirements, score versions, access to PII) and their votes."""
    facade: Andmesh = ctx.obj
    with handled():
        found = facade.proposals(None if all_proposals else "open")
    if as_json:
        print_json(found)
        return
    table = Table(title="proposals" if all_proposals else "open proposals")
    for column in ("#", "kind", "subject", "title", "status", "votes", "opened"):
        table.add_column(column, overflow="fold")
    for p in found:
        votes = ", ".join(f"{v.voter}: {v.decision}" for v in p.votes) or "–"
        table.add_row(
            str(p.id),
            p.kind,
            p.subject,
            p.title,
            p.status,
            votes,
            f"{p.created_at:%Y-%m-%d} by {p.created_by}",
        )
    console.print(table if found else "[green]no open proposal[/green]")


@council.command("vote")
def vote(
    ctx: typer.Context,
    proposal: Annotated[int, typer.Argument(help="Proposal number.")],
    decision: Annotated[str, typer.Argument(help="approve or reject.")],
    comment: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Vote on a proposal as yourself (your login or $ANDMESH_TOKEN); decided as soon as its rule is met."""
    facade: Andmesh = ctx.obj
    with handled():
        remote = remote_of(ctx)
        updated, tally = (
            remote.vote(proposal, decision, comment) if remote else facade.vote(proposal, decision, comment)
        )
    colour = {"approved": "green", "rejected": "red"}.get(updated.status, "yellow")
    console.print(
        f"proposal #{updated.id} [{colour}]{updated.status}[/{colour}]: {tally.approvals}/{tally.quorum} approvals"
        + (
            f", still needs {', '.join(tally.missing_roles)}"
            if updated.status == "open" and tally.missing_roles
            else ""
        )
    )


@council.command("audit")
def audit(
    ctx: typer.Context,
    subject: Annotated[
        str | None, typer.Option(help="Only entries about this subject, e.g. proposal:17.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The append-only audit log (who, when, what, why), its keyed chain and anchored head checked.

    Exit 1 when the check finds the log tampered with (an entry altered or missing, the tail
    deleted, the head anchors disagreeing), as for any other failed check; 2 when it cannot run.
    """
    facade: Andmesh = ctx.obj
    with handled():
        check = facade.governance.verify_audit(seal=True)
        entries = facade.audit_log(subject)
    if as_json:
        print_json(
            {
                "entries": [e.model_dump(mode="json") for e in entries],
                "verification": check.model_dump(mode="json"),
            }
        )
    else:
        table = Table(title="audit log")
        for column in ("#", "at", "actor", "action", "subject", "details"):
            table.add_column(column, overflow="fold")
        for e in entries:
            table.add_row(
                str(e.seq if e.seq is not None else f"id {e.id}"),
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                e.actor,
                e.action,
                e.subject,
                str(e.details or ""),
            )
        console.print(table)
        colour = "green" if check.intact else "red"
        console.print(f"[{colour}]{check.message}[/{colour}]")
    if not check.intact:
        raise typer.Exit(1)


@council.command("propose-requirement")
def propose_requirement(
    ctx: typer.Context,
    requirement: Annotated[str, typer.Argument(help="`<domain>.<port>.<attribute>`")],
) -> None:
    """Ask the producing domain to accept an enterprise requirement; binding once its owner approves."""
    facade: Andmesh = ctx.obj
    with handled():
        proposal = facade.propose_requirement(requirement)
    console.print(f"proposal #{proposal.id} opened: {proposal.title}")
