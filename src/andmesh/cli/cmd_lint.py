"""`andmesh lint`: check every spec, report every problem with file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from andmesh.cli.output import console, err_console, print_json
from andmesh.facade import Andmesh


def lint(
    path: Annotated[Path, typer.Argument(help="The mesh folder (or any file inside it).")] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check every spec of a mesh; exit 2 if any is invalid."""
    report = Andmesh.lint(path)
    if as_json:
        print_json(
            {
                "root": str(report.root),
                "files": report.files,
                "ok": report.ok,
                "problems": [p.as_dict() for p in report.problems],
            }
        )
    else:
        for problem in report.problems:
            target = err_console if problem.severity == "error" else console
            target.print(problem.format(), markup=False, highlight=False, soft_wrap=True)
        errors, warnings = len(report.errors), len(report.problems) - len(report.errors)
        if report.ok:
            products = len(report.mesh.products) if report.mesh else 0
            console.print(
                f"[green]ok[/green]: {report.files} spec files, {products} products"
                + (f", {warnings} warning(s)" if warnings else "")
            )
        else:
            err_console.print(
                f"[red]{errors} error(s)[/red], {warnings} warning(s) in {report.files} spec files"
            )
    raise typer.Exit(0 if report.ok else 2)
