"""Validation metrics of a score: discrimination, rank agreement and calibration.

All functions take plain arrays; NaN scores or outcomes are dropped pairwise. A
*risk* score is one where higher means more likely to default (a PD); pass
``-points`` for a scorecard whose higher points mean lower risk.
"""

from __future__ import annotations

import numpy as np

from andmesh.enterprise.scores.results import CalibrationBin, ValidationReport


def _pairs(score: np.ndarray, outcome: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    if s.shape != y.shape:
        raise ValueError(f"score and outcome differ in length: {s.size} vs {y.size}")
    keep = ~(np.isnan(s) | np.isnan(y))
    return s[keep], y[keep]


def auc(score: np.ndarray, outcome: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a random event > score of a random non-event).

    Mann–Whitney form with mid-ranks for ties:
    ``AUC = (Σ rank(events) − n₁(n₁+1)/2) / (n₁ n₀)``.

    >>> auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.75
    >>> auc(np.array([1.0, 2.0, 3.0]), np.array([0, 1, 1]))  # perfectly separated
    1.0
    """
    from scipy.stats import rankdata

    s, y = _pairs(score, outcome)
    events = y > 0.5
    n1 = int(events.sum())
    n0 = int(y.size - n1)
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[events].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def gini(score: np.ndarray, outcome: np.ndarray) -> float:
    """Gini coefficient (accuracy ratio): ``Gini = 2 · AUC − 1``.

    >>> gini(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.5
    """
    return 2.0 * auc(score, outcome) - 1.0


def ks(score: np.ndarray, outcome: np.ndarray) -> float:
    """Kolmogorov–Smirnov statistic: ``KS = max_s |F₁(s) − F₀(s)|``, the largest gap
    between the cumulative score distributions of events and non-events.

    >>> ks(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.5
    >>> ks(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 1, 1]))
    1.0
    """
    s, y = _pairs(score, outcome)
    events = y > 0.5
    n1 = int(events.sum())
    n0 = int(y.size - n1)
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    s_sorted, e_sorted = s[order], events[order]
    cum1 = np.cumsum(e_sorted) / n1
    cum0 = np.cumsum(~e_sorted) / n0
    # Compare the distributions only at the end of each run of tied scores.
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    return float(np.max(np.abs(cum1[last] - cum0[last])))


def brier(probability: np.ndarray, outcome: np.ndarray) -> float:
    """Brier score: mean squared error of a probability, ``mean((p − y)²)``.

    >>> brier(np.array([0.0, 1.0, 0.5]), np.array([0, 1, 1]))
    0.0833
    """
    p, y = _pairs(probability, outcome)
    return round(float(np.mean((p - y) ** 2)), 4)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation: Pearson correlation of the mid-ranks.

    >>> spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 20.0, 30.0, 45.0]))
    1.0
    >>> spearman(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0]))
    -1.0
    """
    from scipy.stats import rankdata

    x, y = _pairs(a, b)
    if x.size < 2:
        return float("nan")
    rx, ry = rankdata(x), rankdata(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def calibration_table(probability: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[CalibrationBin]:
    """Predicted against observed event rate in ``bins`` equal-count bins of the probability.

    >>> rows = calibration_table(np.array([0.1, 0.1, 0.9, 0.9]), np.array([0, 0, 1, 1]), bins=2)
    >>> [(r.count, r.mean_predicted, r.observed_rate) for r in rows]
    [(2, 0.1, 0.0), (2, 0.9, 1.0)]
    """
    p, y = _pairs(probability, outcome)
    if p.size == 0:
        return []
    order = np.argsort(p, kind="mergesort")
    out = []
    for i, part in enumerate(np.array_split(order, min(bins, p.size))):
        if part.size == 0:
            continue
        out.append(
            CalibrationBin(
                bin=i + 1,
                count=int(part.size),
                min_predicted=float(p[part].min()),
                max_predicted=float(p[part].max()),
                mean_predicted=round(float(p[part].mean()), 6),
                observed_rate=round(float(y[part].mean()), 6),
                events=int((y[part] > 0.5).sum()),
            )
        )
    return out


def validation_report(
    method: str,
    probability: np.ndarray,
    outcome: np.ndarray,
    *,
    sample: str = "validation",
    bins: int = 10,
) -> ValidationReport:
    """Discrimination and calibration of a probability of an event against what happened.

    >>> r = validation_report("demo", np.array([0.2, 0.1, 0.7, 0.9]), np.array([0, 0, 1, 1]), bins=2)
    >>> (r.auc, r.gini, r.ks, r.events)
    (1.0, 1.0, 1.0, 2)
    """
    p, y = _pairs(probability, outcome)
    return ValidationReport(
        method=method,
        sample=sample,
        count=int(p.size),
        events=int((y > 0.5).sum()),
        event_rate=round(float(y.mean()), 6) if y.size else float("nan"),
        mean_predicted=round(float(p.mean()), 6) if p.size else float("nan"),
        auc=round(auc(p, y), 4),
        gini=round(gini(p, y), 4),
        ks=round(ks(p, y), 4),
        brier=brier(p, y) if p.size else float("nan"),
        calibration=calibration_table(p, y, bins),
    )


__all__ = ["auc", "brier", "calibration_table", "gini", "ks", "spearman", "validation_report"]
