"""`andmesh scores …`: score versions and where they stand, runs, point-in-time values, shadow checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

import typer
from rich.table import Table

from andmesh.cli.output import console, handled, print_json

if TYPE_CHECKING:  # the score service loads numpy and the methods: only when a command runs
    from andmesh.enterprise.scores.service import ScoreService
    from andmesh.facade import Andmesh

scores = typer.Typer(
    help="Enterprise scores: versions, runs, approval, values on a date.", no_args_is_help=True
)

MeshOption = Annotated[Path | None, typer.Option("--mesh", help="Mesh folder (default: the last one run).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


class ScoresFacade(Protocol):
    def scores(self, path: Path | None = None) -> ScoreService: ...


def _service(ctx: typer.Context, mesh: Path | None) -> ScoreService:
    facade: ScoresFacade = ctx.obj
    return facade.scores(mesh)


@scores.command("list")
def list_versions(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this score.")] = None,
    mesh: MeshOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every score version: approval, served or shadow, its last run."""
    with handled():
        found = _service(ctx, mesh).versions(name)
    if as_json:
        print_json(found)
        return
    table = Table(title="score versions")
    for column in (
        "score",
        "version",
        "method",
        "approval",
        "role",
        "approved by",
        "last run",
        "as of",
        "scored",
    ):
        table.add_column(column, overflow="fold")
    colours = {"served": "green", "shadow": "yellow", "off": "dim"}
    for v in found:
        colour = colours.get(v.role, "white")
        table.add_row(
            v.score,
            v.version,
            v.method,
            v.approval + (f" (#{v.proposal_id})" if v.proposal_id else ""),
            f"[{colour}]{v.role}[/{colour}]",
            v.approved_by or "–",
            v.last_run or "–",
            str(v.last_as_of or "–"),
            f"{v.scored:,}" if v.scored is not None else "–",
        )
    console.print(table)


@scores.command("run")
def run(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Scores to run (default: all).")] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Business date (default: the mesh's asOf)."),
    ] = None,
    refit: Annotated[
        bool, typer.Option("--refit", help="Fit shadow versions again (served ones keep their fit).")
    ] = False,
    mesh: MeshOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the served and shadow versions of the scores; each run is recorded with what it read."""
    with handled():
        facade: Andmesh = ctx.obj
        report = facade.scores_run(
            names or None, as_of=as_of.date() if as_of else None, refit=refit, path=mesh
        )
    if as_json:
        print_json(report)
        return
    from andmesh.enterprise.scores.treatments import plural

    # A score counts the entities it scores: customers in Order-to-Cash, vendors in Procure-to-Pay.
    entity_of = {s.name: s.spec.entity for s in facade.mesh(mesh).scores.values()}
    table = Table(title=f"score runs as of {report.as_of}")
    for column in (
        "score",
        "version",
        "role",
        "population",
        "scored",
        "seconds",
        "PSI vs first run",
        "drift",
        "run",
    ):
        table.add_column(column, overflow="fold")
    for r in report.runs:
        psi = r.baseline.get("psi_vs_first_run")
        table.add_row(
            r.score,
            r.version,
            r.role,
            f"{r.customers or 0:,} {plural(entity_of.get(r.score, 'customer'))}",
            f"{r.scored or 0:,}",
            f"{r.seconds or 0:.2f}",
            "–" if psi is None else f"{psi:.3f} {r.baseline.get('psi_status', '')}",
            _drift(r.baseline),
            r.id,
        )
    console.print(table)


@scores.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Score name.")],
    customer: Annotated[str | None, typer.Option("--customer", "-c", help="Enterprise customer id.")] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="The served value on this date."),
    ] = None,
    mesh: MeshOption = None,
    as_json: JsonOption = False,
) -> None:
    """A customer's served score on a date, or the served run's summary (bands, parameters, lineage)."""
    day = as_of.date() if as_of else None
    with handled():
        service = _service(ctx, mesh)
        if customer is not None:
            view = service.show(name, customer, as_of=day)
        else:
            run_, _ = service.output(name, as_of=day)
    if customer is not None:
        if as_json:
            print_json(view)
            return
        value = "–" if view.value is None else f"{view.value:,.2f}"
        console.print(
            f"[bold]{view.customer_id}[/bold] {view.score} {view.version} as of {view.as_of}: "
            f"{value} band [bold]{view.band or '–'}[/bold]"
            + (f", probability {view.probability:.2%}" if view.probability is not None else "")
        )
        if view.reasons:
            console.print("reasons: " + ", ".join(view.reasons))
        console.print(f"[dim]run {view.run_id}[/dim]")
        return
    if as_json:
        print_json(run_)
        return
    console.print(
        f"[bold]{run_.score} {run_.version}[/bold] ({run_.method}) as of {run_.as_of}, run {run_.id}"
    )
    console.print(f"scored {run_.scored or 0:,} of {run_.customers or 0:,}; {run_.code_version}")
    console.print(
        "bands: " + ", ".join(f"{b} {s:.1%}" for b, s in sorted(run_.baseline.get("bands", {}).items()))
    )
    console.print("read: " + ", ".join(f"{t} v{i.get('version')}" for t, i in run_.inputs.items()))
    console.print(
        f"entity model: {run_.entity_model_version or '–'}; fit sha256 {(run_.fit_sha256 or '')[:12]}"
    )


@scores.command("validate")
def validate(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Score name.")],
    version: Annotated[
        str | None, typer.Option("--version", help="Candidate version (default: every shadow).")
    ] = None,
    mesh: MeshOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare a shadow version with the served one on their latest runs (PSI, rank agreement, same band)."""
    with handled():
        service = _service(ctx, mesh)
        candidates = (
            [version] if version else [v.version for v in service.versions(name) if v.role == "shadow"]
        )
        results = [service.compare(name, v) for v in candidates]
    if as_json:
        print_json(results)
        return
    if not results:
        console.print(f"[green]{name}: no shadow version[/green]")
        return
    table = Table(title=f"{name}: shadow against served")
    for column in ("served", "candidate", "customers", "PSI", "Spearman", "same band", "notes"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(
            r.served or "–",
            r.candidate,
            f"{r.customers:,}",
            "–" if r.psi is None else f"{r.psi:.3f} {r.psi_status}",
            "–" if r.spearman is None else f"{r.spearman:.3f}",
            "–" if r.same_band is None else f"{r.same_band:.1%}",
            "; ".join(r.notes),
        )
    console.print(table)


@scores.command("propose")
def propose(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Score name.")],
    version: Annotated[str, typer.Argument(help="Version to serve.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    mesh: MeshOption = None,
) -> None:
    """Ask the council to serve a version (`andmesh council vote` decides it under the score_version rule)."""
    with handled():
        facade: Andmesh = ctx.obj
        pid = facade.score_propose(name, version, note, path=mesh)
    console.print(
        f"proposal #{pid}: serve {name}@{version} — the council decides with `andmesh council vote {pid} approve`"
    )


@scores.command("backtest")
def backtest(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Score name.")],
    version: Annotated[
        str | None, typer.Option("--version", help="This version's run (default: the served run).")
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Back-test the latest run on or before this date."
        ),
    ] = None,
    window_days: Annotated[
        int | None,
        typer.Option("--window-days", help="Outcome window after the run (default: all that is observable)."),
    ] = None,
    mesh: MeshOption = None,
    as_json: JsonOption = False,
) -> None:
    """A past run against what happened after its date (later delinquency or spend); exit 1 on a drift alert."""
    with handled():
        report = _service(ctx, mesh).backtest(
            name, version=version, as_of=as_of.date() if as_of else None, window_days=window_days
        )
    if as_json:
        print_json(report)
    else:
        table = Table(
            title=f"{report.score} {report.version} run as of {report.run_as_of}, back-tested on "
            f"{report.window_start} – {report.window_end} (data as of {report.data_as_of})"
        )
        table.add_column("measure")
        table.add_column("value", overflow="fold")
        rows: list[tuple[str, str]] = [
            ("run", report.run_id),
            ("outcome", report.outcome),
            ("from", report.outcome_source),
            ("customers compared", f"{report.customers:,}"),
        ]
        if report.kind == "binary":
            rows += [
                ("events", f"{report.events or 0:,}"),
                ("AUC", _num(report.auc)),
                ("Gini", _num(report.gini)),
                ("KS", _num(report.ks)),
            ]
        else:
            rows += [
                ("Spearman", _num(report.spearman)),
                (
                    "top decile's share",
                    "–" if report.top_decile_share is None else f"{report.top_decile_share:.1%}",
                ),
            ]
        reference = (
            f"{report.reference_metric} {report.reference_value:.3f} ({report.reference_source})"
            if report.reference_value is not None
            else "none"
        )
        rows += [("reference", reference)]
        for key, value in rows:
            table.add_row(key, value)
        table.add_row("drift", _drift({"drift": report.drift.status, "drift_reasons": report.drift.reasons}))
        console.print(table)
        for note in report.notes:
            console.print(f"[dim]{note}[/dim]")
    if report.drift.status == "alert":
        raise typer.Exit(1)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _drift(baseline: dict[str, object]) -> str:
    status = str(baseline.get("drift") or "–")
    colour = {"ok": "green", "watch": "yellow", "alert": "red"}.get(status)
    text = f"[{colour}]{status}[/{colour}]" if colour else status
    reasons = baseline.get("drift_reasons")
    if isinstance(reasons, list) and reasons:
        return text + ": " + "; ".join(str(r) for r in reasons)
    return text
