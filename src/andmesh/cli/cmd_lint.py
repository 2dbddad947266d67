"""`andmesh lint`: check every spec, report every problem with file:line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from andmesh.cli.output import console, err_console, print_json

if TYPE_CHECKING:
    pass


def lint(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The mesh folder (or any file inside it).")] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check every spec of a mesh, then its policies; exit 2 if a spec is invalid, 1 if a blocking policy fails."""
    from andmesh.facade import Andmesh
    from andmesh.governance.policies import evaluate_policies

    report = Andmesh.lint(path)
    facade = ctx.obj if isinstance(ctx.obj, Andmesh) else None
    if report.ok and report.mesh is not None and facade is not None and facade.workspace.exists:
        # Against what consumers already read: a published contract changed in a breaking way
        # without a major version is an error here, before a run holds the product back.
        from andmesh.errors import AndmeshError, SpecProblem
        from andmesh.governance.compat import unannounced_changes

        try:
            report.problems.extend(unannounced_changes(report.mesh, facade.store))
        except AndmeshError as exc:  # a store this user cannot open: lint the specs all the same
            report.problems.append(
                SpecProblem(
                    report.root,
                    None,
                    None,
                    "",
                    f"not compared with the published contracts: {exc.message}",
                    exc.hint,
                    severity="warning",
                    code="compatibility",
                )
            )
    # Policies are checked on every lint, as on every run (nothing is recorded: lint changes no state).
    policies = evaluate_policies(report.mesh) if report.mesh is not None else None
    failed = [r for r in policies.results if r.status != "passed"] if policies else []
    blocking = [r for r in failed if r.blocks]
    if as_json:
        print_json(
            {
                "root": str(report.root),
                "files": report.files,
                "ok": report.ok and not blocking,
                "problems": [p.as_dict() for p in report.problems],
                "policies": [r.model_dump(mode="json") for r in failed],
            }
        )
    else:
        for problem in report.problems:
            target = err_console if problem.severity == "error" else console
            target.print(problem.format(), markup=False, highlight=False, soft_wrap=True)
        errors, warnings = len(report.errors), len(report.problems) - len(report.errors)
        for r in failed:
            target = err_console if r.blocks else console
            label = "[red]policy (blocks)[/red]" if r.blocks else "[yellow]policy[/yellow]"
            for message in r.messages:
                target.print(
                    f"{label} {r.policy} · {r.product_id}: {message}", highlight=False, soft_wrap=True
                )
        if report.ok:
            products = len(report.mesh.products) if report.mesh else 0
            console.print(
                ("[red]policies block[/red]" if blocking else "[green]ok[/green]")
                + f": {report.files} spec files, {products} products"
                + (f", {warnings} warning(s)" if warnings else "")
                + (f", {len(failed)} policy finding(s)" if failed else "")
            )
        else:
            err_console.print(
                f"[red]{errors} error(s)[/red], {warnings} warning(s) in {report.files} spec files"
            )
    raise typer.Exit(2 if not report.ok else (1 if blocking else 0))
