"""`andmesh generate order-to-cash`: the reference mesh's operational data."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from andmesh.cli.output import console, handled, print_json, progress_bar

if TYPE_CHECKING:
    from andmesh.generate import GenerationReport, ProcureToPayReport


class Dataset(StrEnum):
    order_to_cash = "order-to-cash"
    procure_to_pay = "procure-to-pay"


def generate(
    dataset: Annotated[Dataset, typer.Argument(help="Which dataset to generate.")],
    customers: Annotated[
        int, typer.Option(help="Number of customers (1,000 for tests … 1,000,000).")
    ] = 20_000,
    vendors: Annotated[
        int, typer.Option(help="Number of vendors for procure-to-pay (300 for tests … 1,000,000).")
    ] = 5_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same data.")] = 7,
    out: Annotated[Path, typer.Option(help="Folder to write to (truth goes to <out>/truth/).")] = Path(
        "data"
    ),
    noise: Annotated[float, typer.Option(help="Scale of record-level variations across domains.")] = 1.0,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing dataset in --out.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Generate a dataset's operational data, deterministic for a seed."""
    from andmesh.generate import generate_order_to_cash, generate_procure_to_pay

    with (
        handled(),
        progress_bar(disable=as_json) as progress,
    ):
        task = progress.add_task("generating", total=None)

        def on_progress(stage: str, done: int, total: int) -> None:
            progress.update(task, description=stage, completed=done, total=total)

        if dataset is Dataset.procure_to_pay:
            report: GenerationReport | ProcureToPayReport = generate_procure_to_pay(
                out, vendors=vendors, seed=seed, noise=noise, on_progress=on_progress, overwrite=overwrite
            )
            who = f"{vendors:,} vendors"
        else:
            report = generate_order_to_cash(
                out, customers=customers, seed=seed, noise=noise, on_progress=on_progress, overwrite=overwrite
            )
            who = f"{customers:,} customers"
    if as_json:
        print_json(report)
        return
    total = sum(report.rows.values())
    console.print(
        f"[green]generated[/green] {who}, {total:,} rows in {len(report.rows)} tables "
        f"in {report.seconds:.1f}s → {out} (truth: {report.truth})"
    )
