"""AUC, Gini, KS, calibration and rank correlation on fixtures with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from andmesh.enterprise.scores.metrics import auc, calibration_table, gini, ks, spearman, validation_report


def test_perfectly_separable_scores_give_auc_gini_ks_one() -> None:
    score = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    outcome = np.array([0, 0, 0, 1, 1, 1])
    assert auc(score, outcome) == 1.0
    assert gini(score, outcome) == 1.0
    assert ks(score, outcome) == 1.0
    assert auc(-score, outcome) == 0.0


def test_constant_score_is_random() -> None:
    outcome = np.array([0, 1, 0, 1])
    assert auc(np.ones(4), outcome) == 0.5
    assert ks(np.ones(4), outcome) == 0.0


def test_auc_counts_pairs_by_hand() -> None:
    # Events 0.35 and 0.8 against non-events 0.1 and 0.4: 3 of the 4 pairs are ordered.
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75


def test_nan_rows_are_dropped_and_one_class_is_nan() -> None:
    assert auc(np.array([0.1, np.nan, 0.9]), np.array([0, 1, 1])) == 1.0
    assert np.isnan(auc(np.array([0.1, 0.2]), np.array([1, 1])))


def test_calibration_table_of_a_calibrated_probability() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 50_000)
    y = (rng.random(p.size) < p).astype(int)
    rows = calibration_table(p, y, bins=5)
    assert [r.count for r in rows] == [10_000] * 5
    for r in rows:
        assert r.observed_rate == pytest.approx(r.mean_predicted, abs=0.02)


def test_validation_report_rounds_and_counts() -> None:
    r = validation_report("m", np.array([0.9, 0.8, 0.1, 0.2]), np.array([1, 1, 0, 0]), bins=2)
    assert (r.count, r.events, r.event_rate, r.auc, r.ks) == (4, 2, 0.5, 1.0, 1.0)
    assert r.brier == pytest.approx(np.mean([0.01, 0.04, 0.01, 0.04]), abs=1e-4)


def test_spearman_is_rank_based() -> None:
    x = np.arange(1.0, 11.0)
    assert spearman(x, np.exp(x)) == pytest.approx(1.0)
    assert spearman(x, -(x**3)) == pytest.approx(-1.0)
