"""`andmesh test`: run a contract's checks on any data, or on a product's published version."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.cmd_status import check_counts
from andmesh.cli.output import console, handled, model_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh
    from andmesh.quality.results import CheckRun

COLOURS = {"passed": "green", "warning": "yellow", "failed": "red", "error": "red", "skipped": "white"}


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    junit = "junit"


def contract_test(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(help="A contract file (with --data), or a product id `<domain>.<product>`.")
    ],
    data: Annotated[
        list[str] | None,
        typer.Option(
            help="Files to test, a quoted glob ('data/orders/*.parquet'); for a contract with several "
            "tables, repeat as --data <table>=<glob>."
        ),
    ] = None,
    object_name: Annotated[
        str | None, typer.Option("--object", help="The table, when a contract has several.")
    ] = None,
    version: Annotated[
        int | None, typer.Option(help="A product's pinned version (default: current).")
    ] = None,
    output: Annotated[OutputFormat, typer.Option(help="table, json or junit.")] = OutputFormat.table,
    output_file: Annotated[
        Path | None, typer.Option(help="Write the json or junit output to this file.")
    ] = None,
) -> None:
    """Check data against a contract; exit 0 all passed, 1 a blocking check failed, 2 unusable input."""
    facade: Andmesh = ctx.obj
    with handled():
        run = facade.test(target, data=data, object_name=object_name, version=version)
    rendered = None
    if output == OutputFormat.json:
        rendered = model_json(run) + "\n"
    elif output == OutputFormat.junit:
        from andmesh.quality.junit import to_junit  # xml.etree, for this output only

        rendered = to_junit(run)
    if rendered is not None and output_file is None:
        typer.echo(rendered, nl=False)
    else:
        if rendered is not None and output_file is not None:
            output_file.write_text(rendered)
        for check_run in run.runs:
            print_check_run(check_run)
        if output_file is not None:
            console.print(f"{output.value} written to {output_file}")
    raise typer.Exit(0 if run.passed else 1)


def print_check_run(run: CheckRun) -> None:
    table = Table(
        title=f"{run.contract_id} on {run.table} · {run.rows:,} rows · {run.seconds:.2f}s",
        title_justify="left",
    )
    for column in ("check", "status", "measured", "threshold", "message"):
        table.add_column(column, overflow="fold")
    for check in run.checks:
        colour = COLOURS[check.status.value]
        table.add_row(
            check.id,
            f"[{colour}]{check.status.value}[/{colour}]",
            "" if check.measured is None else str(check.measured),
            "" if check.threshold is None else str(check.threshold),
            check.message,
        )
    console.print(table)
    for check in run.blocking:
        for sample in check.samples[:3]:
            console.print(f"  {check.id} e.g. {sample}", highlight=False)
    verdict = "[green]passed[/green]" if run.passed else f"[red]{len(run.blocking)} blocking[/red]"
    console.print(f"{verdict} · {check_counts(run.counts())}")
