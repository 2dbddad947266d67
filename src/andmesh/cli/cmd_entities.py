"""`andmesh entities resolve|show|review|accuracy`: customer 360 and the stewardship loop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from andmesh.cli.cmd_run import STYLE, print_run
from andmesh.cli.output import console, handled, print_json, progress_bar

if TYPE_CHECKING:
    from andmesh.enterprise.entities.results import (
        AccuracyReport,
        EntityView,
        Evidence,
        RecordView,
        ResolutionSummary,
        ReviewQueue,
    )
    from andmesh.enterprise.entities.service import EntityService
    from andmesh.facade import Andmesh
    from andmesh.pipeline import ProgressEvent

entities_app = typer.Typer(
    help="Key business entities across domains: resolve, show, review, measure.", no_args_is_help=True
)

MeshOption = Annotated[Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


def _service(ctx: typer.Context) -> EntityService:
    from andmesh.enterprise.entities.service import EntityService

    facade: Andmesh = ctx.obj
    return EntityService(facade)


@entities_app.command("resolve")
def resolve(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="Entity name (customer, location…).")],
    mesh: MeshOption = None,
    data: Annotated[Path | None, typer.Option(help="Folder of the operational sources.")] = None,
    force: Annotated[bool, typer.Option(help="Resolve again even when nothing changed.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Link every domain's records of the entity into enterprise ids (runs its products)."""
    from andmesh.pipeline import PortStatus

    service = _service(ctx)
    with handled(), progress_bar(disable=as_json, transient=True) as progress:
        task = progress.add_task("planning", total=None)

        def on_event(event: ProgressEvent) -> None:
            if event.kind == "plan":
                progress.update(task, total=event.total, description="resolving")
            elif event.kind == "start":
                progress.update(task, description=event.table_id)
            else:
                progress.update(task, completed=event.index)
                if not as_json:
                    colour = STYLE.get(PortStatus(event.status), "white")
                    progress.console.print(f"  [{colour}]{event.status:>10}[/{colour}]  {event.table_id}")

        report = service.resolve(entity, path=mesh, data=data, force=force, on_event=on_event)
    if as_json:
        print_json(report)
    else:
        print_run(report.run)
        if report.summary is not None:
            console.print(summary_table(report.summary))
    raise typer.Exit(report.run.exit_code)


def summary_table(summary: ResolutionSummary) -> Table:
    table = Table(
        title=f"{summary.entity} · model {summary.model_version}", title_justify="left", show_header=False
    )
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("records", f"{summary.records:,} in {len(summary.records_by_source)} sources")
    for source, count in summary.records_by_source.items():
        table.add_row("", f"{source}: {count:,}")
    table.add_row("nodes", f"{summary.nodes:,} (identical records of a source collapsed)")
    table.add_row("enterprise ids", f"{summary.entities:,} ({summary.singletons:,} with one node)")
    table.add_row("links", ", ".join(f"{k} {v:,}" for k, v in summary.links.items()))
    table.add_row(
        "pairs compared",
        f"{summary.pairs_compared:,} (after blocking); {summary.candidate_pairs:,} scored ≥ review band",
    )
    table.add_row(
        "review queue", f"{summary.review_pairs:,} pairs in [{summary.review_from}, {summary.threshold})"
    )
    table.add_row(
        "kept apart", f"{summary.conflicts:,} by an exclusive attribute, {summary.rejected:,} by a steward"
    )
    table.add_row(
        "model",
        f"m from {summary.training} ({summary.label_pairs:,} labelled pairs); prior {summary.prior:.3g}",
    )
    table.add_row("seconds", ", ".join(f"{k} {v:.1f}" for k, v in summary.seconds.items()))
    return table


def _attrs(record: RecordView | Any, keys: int = 4) -> str:
    items = [str(v) for v in record.attributes.values() if v not in (None, "")]
    return " · ".join(items[:keys])


def _evidence(evidence: list[Evidence]) -> str:
    return "; ".join(
        f"{e.level} ({e.weight:+.1f})" if e.weight is not None else e.level for e in evidence if e.level
    )


@entities_app.command("show")
def show(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="Entity name.")],
    key: Annotated[str, typer.Argument(help="Enterprise id, a record id, or <source product>:<record id>.")],
    mesh: MeshOption = None,
    as_json: JsonOption = False,
) -> None:
    """The golden record, every domain record linked to it, and the match evidence."""
    with handled():
        view = ctx.obj.entity_view(entity, key, path=mesh)
    if as_json:
        print_json(view)
        return
    print_view(view)


def print_view(view: EntityView) -> None:
    golden = Table(title=f"{view.entity} {view.entity_id} · golden record", title_justify="left")
    for column in ("attribute", "value", "from", "rule"):
        golden.add_column(column)
    for value in view.golden:
        golden.add_row(
            value.attribute,
            "–" if value.value is None else str(value.value),
            value.source or "–",
            value.rule or "",
        )
    console.print(golden)
    records = Table(title=f"{len(view.records)} linked records", title_justify="left")
    for column in ("source", "record", "linked by", "probability", "attributes"):
        records.add_column(column, overflow="fold")
    for record in view.records:
        records.add_row(
            record.source,
            record.record_id,
            record.match_method,
            "–" if record.match_probability is None else f"{record.match_probability:.3f}",
            _attrs(record),
        )
    console.print(records)
    links = Table(title="evidence (links among its records and to its neighbours)", title_justify="left")
    for column in ("left", "right", "method", "p", "outcome", "why"):
        links.add_column(column, overflow="fold")
    for link in view.links:
        colour = "green" if link.accepted else "yellow"
        links.add_row(
            f"{link.left.source}:{link.left.record_id}\n[dim]{_attrs(link.left, 2)}[/dim]",
            f"{link.right.source}:{link.right.record_id}\n[dim]{_attrs(link.right, 2)}[/dim]",
            link.method + (f" ({link.detail})" if link.detail else ""),
            "–" if link.probability is None else f"{link.probability:.3f}",
            f"[{colour}]{link.reason}[/{colour}]",
            _evidence(link.evidence),
        )
    console.print(links)
    for decision in view.decisions:
        console.print(
            f"steward: {decision.decision} {decision.left_source}:{decision.left_record} ↔ "
            f"{decision.right_source}:{decision.right_record} by {decision.decided_by} at {decision.decided_at}"
            + (f" — {decision.note}" if decision.note else ""),
            highlight=False,
        )


@entities_app.command("review")
def review(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="Entity name.")],
    confirm: Annotated[str | None, typer.Option("--confirm", help="Pair id: the same entity.")] = None,
    reject: Annotated[str | None, typer.Option("--reject", help="Pair id: different entities.")] = None,
    left: Annotated[
        str | None, typer.Option(help="Instead of a pair id: one record (<source>:<record>).")
    ] = None,
    right: Annotated[str | None, typer.Option(help="…and the other.")] = None,
    decision: Annotated[str | None, typer.Option(help="With --left/--right: confirm or reject.")] = None,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    limit: Annotated[int, typer.Option(help="Pairs to list.")] = 20,
    mesh: MeshOption = None,
    as_json: JsonOption = False,
) -> None:
    """Uncertain matches for a data steward; --confirm/--reject records a decision."""
    chosen = [(kind, pair) for kind, pair in (("confirm", confirm), ("reject", reject)) if pair]
    with handled():
        if chosen or left or right:
            if len(chosen) > 1:
                raise typer.BadParameter("one decision at a time: --confirm or --reject")
            kind, pair = chosen[0] if chosen else (decision or "", None)
            made = ctx.obj.entity_decide(
                entity, kind, pair=pair, left=left, right=right, note=note, path=mesh
            )
            if as_json:
                print_json(made)
            else:
                console.print(
                    f"recorded: {made.decision} {made.left_source}:{made.left_record} ↔ "
                    f"{made.right_source}:{made.right_record} by {made.decided_by}; "
                    f"the next `andmesh entities resolve {entity}` applies it",
                    highlight=False,
                )
            return
        queue = ctx.obj.entity_review(entity, limit=limit, path=mesh)
    if as_json:
        print_json(queue)
        return
    print_queue(queue)


def print_queue(queue: ReviewQueue) -> None:
    low, high = queue.band
    table = Table(
        title=f"{queue.entity}: {queue.total} uncertain pair(s), match probability in [{low}, {high}) · model {queue.model_version}",
        title_justify="left",
    )
    for column in ("pair", "p", "left", "right", "evidence"):
        table.add_column(column, overflow="fold")
    for pair in queue.pairs:
        table.add_row(
            pair.pair_id,
            f"{pair.probability:.3f}",
            f"{pair.left.source}:{pair.left.record_id} ({pair.left_entity})\n{_attrs(pair.left)}",
            f"{pair.right.source}:{pair.right.record_id} ({pair.right_entity})\n{_attrs(pair.right)}",
            _evidence(pair.evidence),
        )
    console.print(table)
    if queue.pairs:
        console.print(
            f"decide: andmesh entities review {queue.entity} --confirm <pair> | --reject <pair> [--note …]"
        )


@entities_app.command("accuracy")
def accuracy(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="Entity name.")],
    truth: Annotated[Path, typer.Option(help="Truth folder (record_map/, customers/), e.g. data/truth/.")],
    mesh: MeshOption = None,
    as_json: JsonOption = False,
) -> None:
    """Precision, recall and F1 of the current resolution against a labelled truth."""
    with handled():
        report = _service(ctx).accuracy(entity, truth, path=mesh)
    if as_json:
        print_json(report)
        return
    print_accuracy(report)


def print_accuracy(report: AccuracyReport) -> None:
    p, c = report.pairwise, report.clusters
    table = Table(
        title=f"{report.entity} vs {report.truth} · model {report.model_version}", title_justify="left"
    )
    for column in ("measure", "precision", "recall", "F1", "detail"):
        table.add_column(column, justify="left" if column in ("measure", "detail") else "right")
    table.add_row(
        "pairwise", f"{p.precision:.4f}", f"{p.recall:.4f}", f"{p.f1:.4f}",
        f"TP {p.true_positives:,} · FP {p.false_positives:,} · FN {p.false_negatives:,}",
    )  # fmt: skip
    table.add_row(
        "B-cubed", f"{c.bcubed_precision:.4f}", f"{c.bcubed_recall:.4f}", f"{c.bcubed_f1:.4f}", "per record"
    )
    table.add_row(
        "exact clusters", f"{c.cluster_precision:.4f}", f"{c.cluster_recall:.4f}", "",
        f"{c.exact_clusters:,} exact of {c.predicted_entities:,} predicted / {c.true_entities:,} true; "
        f"{c.split_entities:,} split, {c.merged_clusters:,} merged",
    )  # fmt: skip
    console.print(table)
    console.print(
        f"{report.records:,} records scored ({report.missing_from_truth:,} not in the truth, "
        f"{report.missing_from_xref:,} truth records not resolved)"
    )
    if report.by_source:
        console.print(
            "placed with their entity: " + ", ".join(f"{s} {v:.2%}" for s, v in report.by_source.items()),
            highlight=False,
        )
    for related in report.related:
        colour = "green" if related.merged == 0 else "red"
        console.print(
            f"{related.kind}: [{colour}]{related.merged} of {related.pairs} merged[/{colour}] ({related.rate:.2%})"
        )
