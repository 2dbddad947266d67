"""`andmesh init`: scaffold a new mesh."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from andmesh.cli.output import call, console

if TYPE_CHECKING:
    pass


def init(
    target: Annotated[Path, typer.Argument(help="Folder to create the mesh in.")],
    name: Annotated[str | None, typer.Option(help="Mesh name (default: the folder name).")] = None,
) -> None:
    """Scaffold a new mesh with one domain, one product, its contract and sample data."""
    from andmesh.facade import Andmesh

    written = call(lambda: Andmesh.init(target, name))
    for path in written:
        console.print(f"  created {path}")
    console.print(f"\nNext: [bold]andmesh lint {target}[/bold] then [bold]andmesh run {target}[/bold]")
