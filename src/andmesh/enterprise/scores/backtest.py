"""Back-test a past score run against what happened after its as-of date.

The run is the latest served run (or the given version's) on or before a date; its
per-customer output is compared, as recorded, with the outcome the data published now
shows for the window after the run's as-of date:

* **Binary** (every method but the lifetime value: ``credit_risk_scorecard``,
  ``financial_health``, …) — later delinquency from :func:`delinquency_labels` over the
  invoice items a spec declares: the score's own ``labels`` role when it is built with
  ``delinquency_labels``, else the same role of another version of the score (highest
  first), else of any score of the mesh (the report names which). Cut-off = the run's
  as-of date, as-of = the data's as-of date (the mesh's ``asOf``); the builder's other
  arguments (``min_share``, ``days_past_due``…) are kept. Compared: the customers the run
  scored that had an item due in the window. The probability is the output's
  ``probability`` (the PD) when it has one, else the score mapped onto [0, 1] through the
  spec's ``range`` so that 1 is the worst (``financial_health``: ``1 − score / 100``;
  without a range, the share of customers scoring better). AUC, Gini, KS (and the Brier
  score and calibration, only meaningful for a PD) through :func:`backtest_binary`.
* **Rank** (``lifetime_value_bgnbd``) — each scored customer's later spend: the sum of the
  ``amount`` of the score's own ``transactions`` after the run's date (0 without a
  purchase), against the score through :func:`backtest_rank` (Spearman, top decile's
  share of the spend).

The drift alert compares the back-tested AUC with the AUC the run recorded when it was
fitted (``validation_auc``, else ``training_auc``); without one the report says there is
no reference and the alert is ``ok`` on the metric alone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from andmesh.enterprise.scores.monitoring import backtest_binary, backtest_rank, drift_alert
from andmesh.enterprise.scores.results import DriftAlert, RankReport, ValidationReport
from andmesh.errors import UsageError
from andmesh.spec.score import Score, version_tuple

if TYPE_CHECKING:
    from andmesh.enterprise.scores.service import ScoreService

#: Parameters of a run that can serve as the reference AUC, first found wins.
REFERENCE_AUC = ("validation_auc", "training_auc")


class BacktestReport(BaseModel):
    """A past run of a score against what happened after its as-of date."""

    score: str
    version: str
    method: str
    run_id: str
    run_as_of: dt.date = Field(description="The run's business date: the start of the window (excluded).")
    data_as_of: dt.date = Field(description="The as-of date of the data the outcome is read from.")
    window_start: dt.date = Field(description="First day of the outcome window.")
    window_end: dt.date = Field(description="Last day of the outcome window (due dates / purchase dates).")
    kind: Literal["binary", "rank"]
    outcome: str = Field(description="What the score is compared with.")
    outcome_source: str = Field(description="Where the outcome was built from.")
    customers: int = Field(description="Customers compared.")
    events: int | None = Field(default=None, description="Customers with the event (binary).")
    auc: float | None = None
    gini: float | None = None
    ks: float | None = None
    spearman: float | None = None
    top_decile_share: float | None = None
    binary: ValidationReport | None = None
    rank: RankReport | None = None
    reference_metric: str | None = None
    reference_value: float | None = None
    reference_source: str | None = Field(default=None, description="Where the reference value comes from.")
    drift: DriftAlert
    notes: list[str] = Field(default_factory=list)


def data_as_of(service: ScoreService) -> dt.date:
    """The as-of date of the data the mesh publishes (its ``asOf``; today without one)."""
    when = service.mesh.spec.asOf
    return when.date() if when is not None else dt.date.today()


def backtest(
    service: ScoreService,
    name: str,
    *,
    version: str | None = None,
    as_of: dt.date | None = None,
    window_days: int | None = None,
) -> BacktestReport:
    """Back-test the latest served (or ``version``'s) run of ``name`` on or before ``as_of``."""
    if window_days is not None and window_days <= 0:
        raise UsageError("window_days must be positive")
    run, table = service.output(name, as_of=as_of, version=version)
    score = service.score(name, run.version)
    now = data_as_of(service)
    if run.as_of >= now:
        raise UsageError(
            f"{score.key} run {run.id} is as of {run.as_of}: nothing is observable after it yet "
            f"(the data is as of {now})",
            hint=f"back-test an earlier run: `andmesh scores backtest {name} --as-of <date before {now}>`",
        )
    base: dict[str, Any] = {
        "score": name,
        "version": run.version,
        "method": run.method,
        "run_id": run.id,
        "run_as_of": run.as_of,
        "data_as_of": now,
        "window_start": run.as_of + dt.timedelta(days=1),
    }
    if score.spec.method == "lifetime_value_bgnbd":
        return _rank(service, score, table, base, window_days)
    return _binary(service, score, run.parameters, table, base, window_days)


# --- binary: later delinquency ---------------------------------------------------------------


def _labels_source(service: ScoreService, score: Score) -> tuple[Score, str]:
    """The score (this one first, then its other versions, then any) whose role builds delinquency_labels."""
    same = sorted(
        (s for s in service.mesh.scores.values() if s.name == score.name and s.key != score.key),
        key=lambda s: version_tuple(s.version),
        reverse=True,
    )
    others = sorted((s for s in service.mesh.scores.values() if s.name != score.name), key=lambda s: s.key)
    for candidate in [score, *same, *others]:
        for role, src in candidate.spec.inputs.items():
            if src.build is not None and src.build.function == "delinquency_labels":
                return candidate, role
    raise UsageError(
        f"no delinquency outcome to back-test {score.key} against",
        hint="declare a `labels` role built with `delinquency_labels` over invoice items in a score spec "
        "(see credit_risk 2.0.0)",
    )


def _binary(
    service: ScoreService,
    score: Score,
    parameters: dict[str, Any],
    table: pa.Table,
    base: dict[str, Any],
    window_days: int | None,
) -> BacktestReport:
    from andmesh.enterprise.scores.features import delinquency_labels
    from andmesh.enterprise.scores.inputs import ScoreInputError

    source, role = _labels_source(service, score)
    spec = source.spec.inputs[role]
    assert spec.build is not None
    args = {k: v for k, v in spec.build.args.items() if k not in ("cutoff", "as_of", "window_days")}
    cutoff, now = base["run_as_of"], base["data_as_of"]
    items = service._table(source, role, {}, {})
    try:
        labels = delinquency_labels(items, cutoff, now, window_days=window_days, **args)
    except ScoreInputError as exc:
        raise UsageError(
            f"{score.key} run as of {cutoff}: the outcome window is not observable yet — {exc}",
            hint=exc.hint,
        ) from exc
    days_past_due = int(args.get("days_past_due", 90))
    end = cutoff + dt.timedelta(days=window_days) if window_days else now - dt.timedelta(days=days_past_due)
    labels = labels.filter(pc.greater(labels.column("items_due"), 0))

    probability, how = _probability(score, table)
    scored = pa.table({"customer_id": table.column("customer_id").cast(pa.string()), "p": probability})
    scored = scored.filter(pc.invert(pc.is_null(scored.column("p"), nan_is_null=True)))
    joined = scored.join(
        labels.select(["customer_id", "label"]).cast(
            pa.schema([("customer_id", pa.string()), ("label", pa.int64())])
        ),
        "customer_id",
        join_type="inner",
    )
    p = np.asarray(joined.column("p").to_numpy(zero_copy_only=False), np.float64)
    y = np.asarray(joined.column("label").to_numpy(zero_copy_only=False), np.float64)
    notes = [f"probability: {how}"]
    min_share = args.get("min_share", 0.0)
    outcome = (
        f"{days_past_due}+ days past due or written off on more than {float(min_share):.0%} of the amount "
        f"due from {base['window_start']} to {end}"
    )
    origin = (
        f"{source.key} `{role}` (delinquency_labels" + "".join(f", {k}={v}" for k, v in args.items()) + ")"
    )
    if y.size == 0 or y.min() == y.max():
        raise UsageError(
            f"{score.key} run as of {cutoff}: {int(y.size)} customers with an item due in the window, "
            f"{int(y.sum())} delinquent — the back-test needs both outcomes",
            hint="back-test an earlier run (a longer window)",
        )
    report = backtest_binary(score.key, p, y, sample=f"back-test {base['window_start']}–{end}")
    ref_key = next((k for k in REFERENCE_AUC if isinstance(parameters.get(k), int | float)), None)
    reference = float(parameters[ref_key]) if ref_key else None
    if reference is None:
        notes.append(
            "no reference: the run records no training or validation AUC; the metric alone is reported"
        )
    alert = drift_alert(score.key, metric="auc", reference_value=reference, current_value=report.auc)
    return BacktestReport(
        **base,
        window_end=end,
        kind="binary",
        outcome=outcome,
        outcome_source=origin,
        customers=report.count,
        events=report.events,
        auc=report.auc,
        gini=report.gini,
        ks=report.ks,
        binary=report,
        reference_metric="auc" if reference is not None else None,
        reference_value=reference,
        reference_source=f"the run's {ref_key.replace('_', ' ')}" if ref_key else None,
        drift=alert,
        notes=notes,
    )


def _probability(score: Score, table: pa.Table) -> tuple[pa.Array, str]:
    """A [0, 1] risk from the output: the PD, else the score mapped so that 1 is the worst."""
    if "probability" in table.column_names:
        return table.column("probability").cast(pa.float64()).combine_chunks(), "the run's probability (PD)"
    values = np.asarray(table.column("score").cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64)
    better = score.spec.output.higherIsBetter
    bounds = score.spec.output.range
    if bounds is not None:
        lo, hi = bounds
        risk = (hi - values) / (hi - lo) if better else (values - lo) / (hi - lo)
        formula = f"({hi:g} − score) / {hi - lo:g}" if better else f"(score − {lo:g}) / {hi - lo:g}"
        return pa.array(risk, pa.float64()), f"{formula} (higher score = {'better' if better else 'worse'})"
    known = ~np.isnan(values)
    risk = np.full(values.shape, np.nan)
    ranks = np.argsort(np.argsort(-values[known] if better else values[known], kind="stable"), kind="stable")
    risk[known] = 1.0 - (ranks + 1) / max(int(known.sum()), 1)
    return pa.array(risk, pa.float64()), "share of customers scoring better (no range in the spec)"


# --- rank: later spend -----------------------------------------------------------------------


def _rank(
    service: ScoreService, score: Score, table: pa.Table, base: dict[str, Any], window_days: int | None
) -> BacktestReport:
    if "transactions" not in score.spec.inputs:
        raise UsageError(f"{score.key} declares no `transactions` role to read later spend from")
    cutoff, now = base["run_as_of"], base["data_as_of"]
    end = now
    if window_days is not None:
        end = cutoff + dt.timedelta(days=window_days)
        if end > now:
            raise UsageError(
                f"{score.key} run as of {cutoff}: the outcome window ends {end}, after the data's as-of "
                f"date {now} — what happened then is not known yet",
                hint=f"use --window-days ≤ {(now - cutoff).days} or an earlier run",
            )
    mapping = score.spec.inputs["transactions"].columns
    tx = service._table(score, "transactions", {}, {})
    cid, day, amount = (mapping.get(c, c) for c in ("customer_id", "date", "amount"))
    dates = tx.column(day).cast(pa.date32())
    later = tx.filter(
        pc.and_(
            pc.greater(dates, pa.scalar(cutoff, pa.date32())),
            pc.less_equal(dates, pa.scalar(end, pa.date32())),
        )
    )
    spend = (
        pa.table(
            {
                "customer_id": later.column(cid).cast(pa.string()),
                "spend": later.column(amount).cast(pa.float64()),
            }
        )
        .group_by("customer_id")
        .aggregate([("spend", "sum")])
    )
    scored = pa.table(
        {
            "customer_id": table.column("customer_id").cast(pa.string()),
            "score": table.column("score").cast(pa.float64()),
        }
    )
    scored = scored.filter(pc.invert(pc.is_null(scored.column("score"), nan_is_null=True)))
    joined = scored.join(spend, "customer_id", join_type="left outer")
    s = np.asarray(joined.column("score").to_numpy(zero_copy_only=False), np.float64)
    y = np.nan_to_num(np.asarray(joined.column("spend_sum").to_numpy(zero_copy_only=False), np.float64))
    outcome = f"spend from {base['window_start']} to {end} (sum of `{amount}`, 0 without a purchase)"
    report = backtest_rank(score.key, s, y, outcome_name=outcome, predicted=s)
    notes = [
        "predicted total: the score summed (its own horizon, e.g. 12 months), for aggregate calibration only",
        "no reference: the run records no validation Spearman; the metric alone is reported",
    ]
    return BacktestReport(
        **base,
        window_end=end,
        kind="rank",
        outcome=outcome,
        outcome_source=f"{score.key} `transactions`",
        customers=report.count,
        spearman=report.spearman,
        top_decile_share=report.top_decile_share,
        rank=report,
        drift=drift_alert(score.key, metric="spearman", current_value=report.spearman),
        notes=notes,
    )


__all__ = ["REFERENCE_AUC", "BacktestReport", "backtest", "data_as_of"]
