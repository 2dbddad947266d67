"""Monitoring of scores: stability between runs or versions, back-tests, drift alerts.

* **Stability** — the population stability index of a score between a reference run
  (or version) and a new one, on bins of the reference's quantiles.
* **Back-test** — a score against what happened after it was computed: a binary
  outcome (later default, 90+ days past due) through :func:`backtest_binary`, a
  continuous one (later purchases, later delays) through :func:`backtest_rank`.
* **Drift** — :func:`drift_alert` raises ``watch``/``alert`` when the PSI or the drop
  of a back-test metric crosses its threshold.
"""

from __future__ import annotations

import numpy as np

from andmesh.enterprise.scores.metrics import spearman, validation_report
from andmesh.enterprise.scores.results import (
    DriftAlert,
    PsiBin,
    PsiReport,
    RankReport,
    ValidationReport,
)

#: Conventional PSI thresholds: < 0.10 stable, 0.10–0.25 watch, ≥ 0.25 alert.
PSI_THRESHOLDS = (0.10, 0.25)
_FLOOR = 1e-4


def psi_value(expected_share: np.ndarray, actual_share: np.ndarray) -> float:
    """Population stability index ``PSI = Σᵢ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)`` over bin shares
    (shares floored at 0.0001 so an empty bin stays finite).

    >>> round(psi_value(np.array([0.5, 0.5]), np.array([0.4, 0.6])), 4)  # 0.1·ln(0.6/0.5) − 0.1·ln(0.4/0.5)
    0.0405
    """
    e = np.maximum(np.asarray(expected_share, dtype=np.float64), _FLOOR)
    a = np.maximum(np.asarray(actual_share, dtype=np.float64), _FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def psi(
    expected: np.ndarray,
    actual: np.ndarray,
    *,
    bins: int = 10,
    score: str = "score",
    reference: str = "reference",
    current: str = "current",
    thresholds: tuple[float, float] = PSI_THRESHOLDS,
) -> PsiReport:
    """PSI of ``actual`` against ``expected`` on the expected's quantile bins (NaN dropped).

    A score with few distinct values (bands, rounded points) gets one bin per value.

    >>> r = psi(np.array([1.0, 2, 3, 4]), np.array([1.0, 1, 1, 4]), bins=2)
    >>> [(b.expected_share, b.actual_share) for b in r.bins], round(r.psi, 4), r.status
    ([(0.5, 0.75), (0.5, 0.25)], 0.2747, 'alert')
    """
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    e, a = e[~np.isnan(e)], a[~np.isnan(a)]
    if e.size == 0 or a.size == 0:
        raise ValueError("PSI needs values in both the reference and the current run")
    inner = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)[1:-1]))
    # Bin i holds values ≤ inner[i] (right-closed), the last bin the rest.
    e_idx = np.searchsorted(inner, e, side="left")
    a_idx = np.searchsorted(inner, a, side="left")
    k = inner.size + 1
    e_share = np.bincount(e_idx, minlength=k) / e.size
    a_share = np.bincount(a_idx, minlength=k) / a.size
    rows = []
    for i in range(k):
        lower = float(inner[i - 1]) if i > 0 else None
        upper = float(inner[i]) if i < inner.size else None
        contrib = psi_value(e_share[i : i + 1], a_share[i : i + 1])
        rows.append(
            PsiBin(
                lower=lower,
                upper=upper,
                expected_share=round(float(e_share[i]), 6),
                actual_share=round(float(a_share[i]), 6),
                contribution=round(contrib, 6),
            )
        )
    value = psi_value(e_share, a_share)
    watch, alert = thresholds
    status = "alert" if value >= alert else "watch" if value >= watch else "stable"
    return PsiReport(
        score=score,
        reference=reference,
        current=current,
        psi=round(value, 6),
        status=status,
        thresholds=thresholds,
        expected_count=int(e.size),
        actual_count=int(a.size),
        bins=rows,
    )


def backtest_binary(
    method: str, probability: np.ndarray, outcome: np.ndarray, *, sample: str = "back-test", bins: int = 10
) -> ValidationReport:
    """A probability against the event observed after the score was computed."""
    return validation_report(method, probability, outcome, sample=sample, bins=bins)


def backtest_rank(
    method: str,
    score: np.ndarray,
    outcome: np.ndarray,
    *,
    outcome_name: str,
    sample: str = "back-test",
    predicted: np.ndarray | None = None,
) -> RankReport:
    """A score against a later continuous outcome: Spearman and the top decile's share.

    ``predicted`` (same unit as the outcome, e.g. predicted spend) adds the totals, to
    read calibration in aggregate.

    >>> r = backtest_rank("v", np.arange(10.0), np.arange(10.0) ** 2, outcome_name="spend")
    >>> r.spearman, r.top_decile_share
    (1.0, 0.2842)
    """
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    keep = ~(np.isnan(s) | np.isnan(y))
    s, y = s[keep], y[keep]
    top = None
    if s.size >= 10 and y.sum() > 0:
        order = np.argsort(-s, kind="stable")[: max(1, s.size // 10)]
        top = round(float(y[order].sum() / y.sum()), 4)
    pred_total = None
    if predicted is not None:
        pred_total = round(float(np.nansum(np.asarray(predicted, dtype=np.float64)[keep])), 2)
    return RankReport(
        method=method,
        sample=sample,
        outcome=outcome_name,
        count=int(s.size),
        spearman=round(spearman(s, y), 4),
        top_decile_share=top,
        predicted_total=pred_total,
        actual_total=round(float(y.sum()), 2),
    )


def drift_alert(
    score: str,
    stability: PsiReport | None = None,
    *,
    metric: str | None = None,
    reference_value: float | None = None,
    current_value: float | None = None,
    max_drop: tuple[float, float] = (0.03, 0.05),
) -> DriftAlert:
    """``ok``/``watch``/``alert`` from the PSI and from the drop of a back-test metric.

    ``max_drop`` are the (watch, alert) drops of the metric (AUC or Spearman) from its
    reference value.

    >>> drift_alert("pd", metric="auc", reference_value=0.80, current_value=0.74).status
    'alert'
    """
    reasons: list[str] = []
    level = 0
    if stability is not None and stability.status != "stable":
        level = max(level, 1 if stability.status == "watch" else 2)
        reasons.append(f"PSI {stability.psi:.3f} ({stability.status}; thresholds {stability.thresholds})")
    if metric is not None and reference_value is not None and current_value is not None:
        drop = reference_value - current_value
        if drop >= max_drop[1]:
            level = 2
            reasons.append(f"{metric} fell {drop:.3f} ({reference_value:.3f} → {current_value:.3f})")
        elif drop >= max_drop[0]:
            level = max(level, 1)
            reasons.append(f"{metric} fell {drop:.3f} ({reference_value:.3f} → {current_value:.3f})")
    status = ("ok", "watch", "alert")[level]
    return DriftAlert(
        score=score,
        status=status,
        reasons=reasons,
        psi=stability.psi if stability is not None else None,
        metric=metric,
        reference_value=reference_value,
        current_value=current_value,
    )


__all__ = ["PSI_THRESHOLDS", "backtest_binary", "backtest_rank", "drift_alert", "psi", "psi_value"]
