"""`andmesh products list|show` and `andmesh read`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from andmesh.cli.cmd_status import ports_table
from andmesh.cli.output import console, err_console, handled, print_json

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

products = typer.Typer(help="The mesh's data products.", no_args_is_help=True)


@products.command("list")
def list_products(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False
) -> None:
    """Every product with its current version."""
    facade: Andmesh = ctx.obj
    with handled():
        ports = facade.products()
    if as_json:
        print_json([p.model_dump(mode="json") for p in ports])
        return
    console.print(ports_table(ports))


@products.command("show")
def show(
    ctx: typer.Context,
    product_id: Annotated[str, typer.Argument(help="`<domain>.<product>`")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """A product's contract, versions, where its data is and how to read it."""
    facade: Andmesh = ctx.obj
    with handled():
        detail = facade.product(product_id)
    if as_json:
        print_json(detail)
        return
    console.print(f"[bold]{detail.product_id}[/bold] · owner {detail.owner or '–'} · status {detail.status}")
    if detail.description:
        console.print(detail.description)
    console.print(f"inputs: {', '.join(detail.inputs) or '–'}")
    console.print(f"consumed by: {', '.join(detail.downstream) or '–'}")
    console.print(f"contract {detail.contract_id} v{detail.contract_version} ({detail.contract_file})")
    columns = Table(title="columns", title_justify="left")
    for name in ("name", "type", "required", "key", "classification"):
        columns.add_column(name)
    for col in detail.columns:
        columns.add_row(
            col.name,
            col.logical_type or "",
            "yes" if col.required else "",
            "yes" if col.primary_key else "",
            col.classification or "",
        )
    console.print(columns)
    versions = Table(title=f"versions of {detail.table_id}", title_justify="left")
    for name in ("version", "committed (UTC)", "rows", "bytes", "contract", "run", "snapshot"):
        versions.add_column(name)
    for v in detail.versions:
        versions.add_row(
            str(v.version),
            f"{v.committed_at:%Y-%m-%d %H:%M:%S}",
            f"{v.rows:,}",
            f"{v.bytes:,}",
            v.contract_version or "",
            v.run_id or "",
            str(v.snapshot_id),
        )
    console.print(versions if detail.versions else "not published yet")
    console.print(f"\nIceberg catalog: {detail.catalog_uri}\nwarehouse: {detail.warehouse}")
    console.print("how to read it:")
    for tool, snippet in detail.how_to_read.items():
        console.print(f"  [bold]{tool}[/bold]: {snippet}", highlight=False, soft_wrap=True)
    for incident in detail.incidents:
        console.print(f"[red]incident[/red] {incident['created_at']:%Y-%m-%d %H:%M} {incident['message']}")


def read(
    ctx: typer.Context,
    table_id: Annotated[str, typer.Argument(help="`<domain>.<port>`")],
    version: Annotated[int | None, typer.Option(help="A pinned version (default: current).")] = None,
    limit: Annotated[int, typer.Option(help="Rows to print.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print rows as JSON.")] = False,
    purpose: Annotated[str | None, typer.Option(help="Why you read it (kept in the reuse ledger).")] = None,
) -> None:
    """Print rows of a published version as you may see them (personal data masked without a grant)."""
    facade: Andmesh = ctx.obj
    with handled():
        table = facade.read(table_id, version, limit, purpose=purpose)
        if facade.store.read_only:
            err_console.print(
                "note: the workspace is read-only: this read was not recorded in its reads ledger"
            )
    rows = table.to_pylist()
    if as_json:
        print_json(rows)
        return
    out = Table()
    for name in table.column_names:
        out.add_column(name)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(out)
