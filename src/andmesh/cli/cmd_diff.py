"""`andmesh diff`: what changed between two contract versions, and is the bump right."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:
    from andmesh.quality.diff import ContractDiff

COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}  # by Severity value
_WIDE = 40  # old and new values longer than this are cut in the table (never in --json)


def diff(
    old: Annotated[Path, typer.Argument(help="The contract as it was (e.g. the published version).")],
    new: Annotated[Path, typer.Argument(help="The contract as it is now.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the diff as JSON.")] = False,
) -> None:
    """Compare two versions of a contract: exit 0 fine, 1 a breaking change without a major bump, 2 unusable file."""
    from andmesh.facade import Andmesh

    with handled():
        result = Andmesh.diff(old, new)
    if as_json:
        print_json(result)
    else:
        print_diff(result)
    raise typer.Exit(1 if result.blocking else 0)


def print_diff(result: ContractDiff) -> None:
    """The changes as a table (errors first), then a one-line verdict."""
    if result.changes:
        table = Table(title=f"{result.contract_id}: {len(result.changes)} change(s)", title_justify="left")
        for column in ("severity", "path", "old → new", "message"):
            table.add_column(column, overflow="fold")
        for change in result.changes:
            table.add_row(
                Text(change.severity.value.upper(), style=COLOURS[change.severity]),
                Text(change.path),
                Text(f"{_show(change.old)} → {_show(change.new)}"),
                Text(change.message),
            )
        console.print(table)
    colour = "red" if result.blocking else "green" if result.bump_ok else "yellow"
    console.print(Text(result.verdict, style=colour))


def _show(value: Any) -> str:
    from andmesh.quality.diff_rules import show

    text = "—" if value is None else show(value)
    return text if len(text) <= _WIDE else text[: _WIDE - 1] + "…"
