"""PSI by hand, back-tests and drift alerts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from andmesh.enterprise.scores.monitoring import backtest_binary, backtest_rank, drift_alert, psi, psi_value


def test_psi_hand_computed() -> None:
    # Reference 0..99: quartile bins of 25% each; the new run puts 40/30/20/10%.
    expected = np.arange(100.0)
    actual = np.r_[np.full(40, 10.0), np.full(30, 30.0), np.full(20, 60.0), np.full(10, 90.0)]
    report = psi(expected, actual, bins=4, reference="v1", current="v2")
    by_hand = sum((a - 0.25) * math.log(a / 0.25) for a in (0.4, 0.3, 0.2, 0.1))
    assert report.psi == pytest.approx(by_hand, abs=1e-6)  # 0.2283
    assert [b.actual_share for b in report.bins] == [0.4, 0.3, 0.2, 0.1]
    assert report.status == "watch"
    assert sum(b.contribution for b in report.bins) == pytest.approx(report.psi, abs=1e-5)


def test_psi_of_the_same_distribution_is_stable() -> None:
    rng = np.random.default_rng(0)
    report = psi(rng.normal(size=20_000), rng.normal(size=20_000))
    assert report.psi < 0.01
    assert report.status == "stable"


def test_psi_of_a_shifted_distribution_alerts() -> None:
    rng = np.random.default_rng(0)
    report = psi(rng.normal(size=20_000), rng.normal(1.0, 1.0, size=20_000))
    assert report.status == "alert"


def test_empty_bins_stay_finite() -> None:
    assert math.isfinite(psi_value(np.array([0.5, 0.5]), np.array([1.0, 0.0])))


def test_backtests_and_drift() -> None:
    bt = backtest_binary("pd", np.array([0.9, 0.1, 0.8, 0.2]), np.array([1, 0, 1, 0]))
    assert bt.auc == 1.0
    rank = backtest_rank("ltv", np.array([3.0, 2.0, 1.0]), np.array([30.0, 20.0, 10.0]), outcome_name="spend")
    assert rank.spearman == 1.0
    assert drift_alert("pd", metric="auc", reference_value=0.80, current_value=0.79).status == "ok"
    assert drift_alert("pd", metric="auc", reference_value=0.80, current_value=0.76).status == "watch"
    moved = psi(np.arange(100.0), np.arange(100.0) + 60)
    alert = drift_alert("pd", moved)
    assert alert.status == "alert"
    assert "PSI" in alert.reasons[0]
