"""Back-tests of past score runs on the reference mesh (1,000 customers, data as of 2026-09-30):
the metric on the right customers and window, a window not observable yet, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import typer
from typer.testing import CliRunner

from andmesh.cli import cmd_scores
from andmesh.enterprise.scores.features import delinquency_labels
from andmesh.enterprise.scores.metrics import auc, spearman
from andmesh.enterprise.scores.service import ScoreService
from andmesh.errors import UsageError
from andmesh.facade import Andmesh
from tests.enterprise.scores.scoring_mesh import mesh_copy, service

MARCH = dt.date(2026, 3, 31)
SEPTEMBER = dt.date(2026, 9, 30)
LAST_DUE = SEPTEMBER - dt.timedelta(days=90)  # the last due date whose 90-day outcome is known


@pytest.fixture
def svc(o2c: Andmesh, tmp_path: Path) -> ScoreService:
    """Every score run as of 2026-03-31 (a past run), then as of the data's date."""
    mesh_copy(tmp_path / "mesh")
    scores = service(o2c, tmp_path)
    scores.run(as_of=MARCH)
    scores.run(["credit_risk"], as_of=SEPTEMBER)
    return scores


def _items(svc: ScoreService) -> pa.Table:
    # The invoice items credit_risk 2.0.0 labels with delinquency_labels.
    v2 = svc.score("credit_risk", "2.0.0")
    return svc._table(v2, "labels", {}, {})


def test_credit_risk_run_is_back_tested_on_the_window_after_it(svc: ScoreService) -> None:
    report = svc.backtest("credit_risk", as_of=dt.date(2026, 4, 15))
    run, table = svc.output("credit_risk", as_of=MARCH)
    assert (report.version, report.run_id, report.run_as_of) == ("1.0.0", run.id, MARCH)
    assert (report.window_start, report.window_end) == (dt.date(2026, 4, 1), LAST_DUE)
    assert report.kind == "binary" and "credit_risk@2.0.0 `labels`" in report.outcome_source
    assert "min_share=0.5" in report.outcome_source

    # Independently: the scored customers with an item due in (March 31, July 2], their later label.
    labels = delinquency_labels(_items(svc), MARCH, SEPTEMBER, min_share=0.5)
    labels = labels.filter(pc.greater(labels.column("items_due"), 0))
    label = dict(
        zip(labels.column("customer_id").to_pylist(), labels.column("label").to_pylist(), strict=True)
    )
    pd = dict(
        zip(table.column("customer_id").to_pylist(), table.column("probability").to_pylist(), strict=True)
    )
    common = [c for c in pd if c in label and pd[c] is not None]
    assert report.customers == len(common) > 500
    y = np.array([label[c] for c in common], np.float64)
    assert report.events == int(y.sum()) > 0
    assert report.auc == pytest.approx(auc(np.array([pd[c] for c in common]), y), abs=1e-4)
    assert report.gini == pytest.approx(2 * report.auc - 1, abs=2e-4) and 0 < report.ks <= 1
    # The reference: the AUC the served version recorded when it was fitted.
    assert report.reference_metric == "auc" and report.reference_value == run.parameters["training_auc"]
    assert report.drift.metric == "auc" and report.drift.current_value == report.auc
    assert report.drift.status in ("ok", "watch", "alert")

    forward = svc.backtest("credit_risk", version="2.0.0", as_of=MARCH)
    assert forward.version == "2.0.0" and forward.customers == report.customers
    assert (
        forward.reference_value
        == svc.output("credit_risk", version="2.0.0", as_of=MARCH)[0].parameters["training_auc"]
    )

    shorter = svc.backtest("credit_risk", as_of=MARCH, window_days=30)
    assert shorter.window_end == dt.date(2026, 4, 30) and shorter.customers < report.customers


def test_a_window_not_observable_yet_is_refused(svc: ScoreService) -> None:
    with pytest.raises(UsageError, match="nothing is observable after it yet"):
        svc.backtest("credit_risk")  # the latest run is as of the data's own date
    with pytest.raises(UsageError, match="not observable yet") as err:
        svc.backtest("credit_risk", as_of=MARCH, window_days=120)  # due until July 29: outcome after Sept
    assert "window_days ≤ 93" in (err.value.hint or "")
    with pytest.raises(UsageError, match="not known yet"):
        svc.backtest("lifetime_value", as_of=MARCH, window_days=200)


def test_health_uses_the_delinquency_outcome_without_a_reference(svc: ScoreService) -> None:
    report = svc.backtest("financial_health", as_of=MARCH)
    assert report.kind == "binary" and report.customers > 500 and report.auc is not None
    assert any("(100 − score) / 100" in note for note in report.notes)
    assert report.reference_value is None and report.drift.status == "ok"
    assert any(note.startswith("no reference") for note in report.notes)


def test_lifetime_value_is_ranked_against_later_spend(svc: ScoreService) -> None:
    report = svc.backtest("lifetime_value", as_of=MARCH)
    run, table = svc.output("lifetime_value", as_of=MARCH)
    assert report.kind == "rank" and (report.window_start, report.window_end) == (
        dt.date(2026, 4, 1),
        SEPTEMBER,
    )
    tx = svc._table(svc.score("lifetime_value"), "transactions", {}, {})
    dates = tx.column("date").cast(pa.date32())
    later = tx.filter(
        pc.and_(pc.greater(dates, pa.scalar(MARCH)), pc.less_equal(dates, pa.scalar(SEPTEMBER)))
    )
    spent: dict[str, float] = {}
    for cid, amount in zip(
        later.column("customer_id").to_pylist(), later.column("amount").to_pylist(), strict=True
    ):
        spent[cid] = spent.get(cid, 0.0) + float(amount)
    rows = [(r["customer_id"], r["score"]) for r in table.to_pylist() if r["score"] is not None]
    assert report.customers == len(rows) == run.scored
    y = np.array([spent.get(c, 0.0) for c, _ in rows])
    assert report.rank is not None and report.rank.actual_total == pytest.approx(y.sum(), abs=0.05)
    assert report.spearman == pytest.approx(spearman(np.array([s for _, s in rows]), y), abs=1e-4)
    assert report.spearman > 0.5 and report.top_decile_share is not None


def _app(svc: ScoreService) -> typer.Typer:
    app = typer.Typer()

    class Facade:
        def scores(self, path: Path | None = None) -> ScoreService:
            return svc

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = Facade()

    app.add_typer(cmd_scores.scores, name="scores")
    return app


def test_cli_backtest(svc: ScoreService) -> None:
    runner = CliRunner()
    app = _app(svc)
    shown = runner.invoke(
        app, ["scores", "backtest", "credit_risk", "--as-of", "2026-03-31"], terminal_width=200
    )
    # 1.0.0 learned current delinquency (training AUC 0.78); on the later window it ranks worse: alert.
    assert svc.backtest("credit_risk", as_of=MARCH).drift.status == "alert"
    assert shown.exit_code == 1, shown.output
    assert "credit_risk 1.0.0" in shown.output and "2026-04-01" in shown.output and "AUC" in shown.output
    assert "auc fell" in shown.output
    as_json = runner.invoke(app, ["scores", "backtest", "lifetime_value", "--as-of", "2026-03-31", "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["kind"] == "rank" and data["customers"] > 500
    refused = runner.invoke(app, ["scores", "backtest", "credit_risk"])
    assert refused.exit_code == 2 and "nothing is observable" in refused.output
