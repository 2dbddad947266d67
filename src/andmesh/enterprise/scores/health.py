"""Financial health: a 0–100 score from payment behaviour, each component visible.

``health = Σᵢ wᵢ · cᵢ / Σᵢ₍cᵢ known₎ wᵢ`` over six components ``cᵢ`` in 0–100:

==============  ======  =====================================================================
component       weight  formula
==============  ======  =====================================================================
payment          0.40   PAYDEX-like index: ``paydex`` when given (per-item points, value-weighted),
                        else the PAYDEX points of the value-weighted days beyond terms (DBT)
ageing           0.20   ``100 · (1 − Σ_b severity_b · open_b / open)``, severities 0 / .25 / .5 / .75 / 1
utilisation      0.15   open receivables / credit limit: 100 up to 50 %, 50 at 100 %, 0 from 150 %
disputes         0.10   share of invoices disputed: 100 at 0, 0 from 20 %
short_pay        0.05   share of invoices short-paid: 100 at 0, 0 from 30 %
trend            0.10   DBT of the last quarter − DBT of the last year: 100 when not worse, 0 from +30 days
==============  ======  =====================================================================

A component whose inputs are unknown for a customer (no open items, no credit limit,
no invoice due in the quarter) is left out and the weights of the others are rescaled;
``coverage`` says how much weight was known. Without payment experience (DBT unknown)
there is no score, as PAYDEX reports "unavailable". The reasons are the components
that cost the most points: ``wᵢ · (100 − cᵢ) / Σ known w``.

The weights above are expert defaults. ``fit(features=…, outcome=…)`` calibrates them
on a later outcome of the same customers (non-negative least squares, shares summing
to 1): on the generator's data most components carry little beyond the PAYDEX (see
docs/scores.md), and the calibrated weights say so.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, Field, field_validator

from andmesh.enterprise.scores.base import Columns, ScoreMethod
from andmesh.enterprise.scores.inputs import Column, ScoreInputError, floats, ids, require_unique
from andmesh.enterprise.scores.reasons import top_reasons
from andmesh.enterprise.scores.results import ScoreOutput
from andmesh.enterprise.scores.scaling import band_of, piecewise

#: D&B's PAYDEX key (days beyond terms → index): 100 pays 30 days early, 80 prompt,
#: 50 30 days late, 20 120 days late; extended linearly to 0 at 180 days late.
PAYDEX_KNOTS: list[tuple[float, float]] = [
    (-30.0, 100.0),
    (-20.0, 90.0),
    (0.0, 80.0),
    (15.0, 70.0),
    (22.0, 60.0),
    (30.0, 50.0),
    (60.0, 40.0),
    (90.0, 30.0),
    (120.0, 20.0),
    (180.0, 0.0),
]

AGEING_BUCKETS = ("ar_current", "ar_1_30", "ar_31_60", "ar_61_90", "ar_over_90")

COMPONENTS = ("payment", "ageing", "utilisation", "disputes", "short_pay", "trend")

#: Inputs each component reads (besides ``customer_id``).
COMPONENT_INPUTS: dict[str, tuple[str, ...]] = {
    "payment": ("days_beyond_terms",),
    "ageing": AGEING_BUCKETS,
    "utilisation": (*AGEING_BUCKETS, "credit_limit"),
    "disputes": ("dispute_rate",),
    "short_pay": ("short_pay_rate",),
    "trend": ("days_beyond_terms", "days_beyond_terms_recent"),
}

_DESCRIPTIONS = {
    "paydex": "value-weighted mean of each invoice's PAYDEX points (optional; see features.payment_features)",
    "days_beyond_terms": "value-weighted days beyond terms of the invoices due in the last 12 months",
    "days_beyond_terms_recent": "the same over the last quarter",
    "ar_current": "open receivables not yet due",
    "ar_1_30": "open receivables 1–30 days past due",
    "ar_31_60": "open receivables 31–60 days past due",
    "ar_61_90": "open receivables 61–90 days past due",
    "ar_over_90": "open receivables more than 90 days past due",
    "credit_limit": "credit limit (0 = no credit granted)",
    "dispute_rate": "share of the last 12 months' invoices disputed (0–1)",
    "short_pay_rate": "share of the last 12 months' paid invoices first paid short (0–1)",
}


def paydex(days_beyond_terms: np.ndarray) -> np.ndarray:
    """PAYDEX-like index 0–100 of value-weighted days beyond terms (``PAYDEX_KNOTS``).

    >>> paydex(np.array([-30.0, 0.0, 15.0, 30.0, 45.0, 200.0])).tolist()
    [100.0, 80.0, 70.0, 50.0, 45.0, 0.0]
    """
    return piecewise(days_beyond_terms, PAYDEX_KNOTS)


def ageing_component(buckets: np.ndarray, severity: tuple[float, ...]) -> np.ndarray:
    """``100 · (1 − Σ_b severity_b · open_b / Σ_b open_b)``; 100 when nothing is open.

    >>> ageing_component(np.array([[50.0, 0, 50.0, 0, 0], [0.0, 0, 0, 0, 0]]), (0, 0.25, 0.5, 0.75, 1)).tolist()
    [75.0, 100.0]
    """
    b = np.nan_to_num(np.maximum(buckets, 0.0))
    total = b.sum(axis=1)
    weighted = (b * np.asarray(severity)[None, :]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, weighted / total, 0.0)
    return 100.0 * (1.0 - share)


def utilisation_component(
    open_amount: np.ndarray, limit: np.ndarray, knots: list[tuple[float, float]]
) -> np.ndarray:
    """Points of ``open / limit``; no limit: 0 points with exposure, unknown without.

    >>> utilisation_component(np.array([40.0, 100.0, 5.0, 0.0]), np.array([100.0, 100.0, 0.0, 0.0]),
    ...     [(0.5, 100.0), (1.0, 50.0), (1.5, 0.0)]).tolist()
    [100.0, 50.0, 0.0, nan]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(limit > 0, open_amount / limit, np.nan)
    points = piecewise(u, knots)
    no_limit = ~(limit > 0)
    points = np.where(no_limit & (open_amount > 0), 0.0, points)
    return np.where(no_limit & ~(open_amount > 0), np.nan, points)


class FinancialHealthConfig(BaseModel):
    """Weights and mappings of the components; a weight of 0 turns a component off."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "payment": 0.40,
            "ageing": 0.20,
            "utilisation": 0.15,
            "disputes": 0.10,
            "short_pay": 0.05,
            "trend": 0.10,
        }
    )
    paydex_knots: list[tuple[float, float]] = Field(default_factory=lambda: list(PAYDEX_KNOTS))
    ageing_severity: tuple[float, float, float, float, float] = (0.0, 0.25, 0.5, 0.75, 1.0)
    utilisation_knots: list[tuple[float, float]] = Field(
        default_factory=lambda: [(0.5, 100.0), (1.0, 50.0), (1.5, 0.0)]
    )
    dispute_knots: list[tuple[float, float]] = Field(default_factory=lambda: [(0.0, 100.0), (0.20, 0.0)])
    short_pay_knots: list[tuple[float, float]] = Field(default_factory=lambda: [(0.0, 100.0), (0.30, 0.0)])
    trend_knots: list[tuple[float, float]] = Field(default_factory=lambda: [(0.0, 100.0), (30.0, 0.0)])
    bands: list[tuple[str, float]] = Field(
        default_factory=lambda: [
            ("critical", 20.0),
            ("weak", 40.0),
            ("watch", 60.0),
            ("sound", 80.0),
            ("strong", 100.0),
        ]
    )
    top_reasons: int = Field(default=3, ge=0, le=6)

    @field_validator("weights")
    @classmethod
    def _known_components(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = set(v) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown components {sorted(unknown)}; known: {list(COMPONENTS)}")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("weights must be ≥ 0 with a positive sum")
        if v.get("payment", 0) <= 0:
            raise ValueError("the payment component carries the score: its weight must be > 0")
        return v


class FinancialHealth(ScoreMethod):
    """The 0–100 financial health score (higher is healthier)."""

    name: ClassVar[str] = "financial_health"
    title: ClassVar[str] = "Financial health (0–100)"
    version: ClassVar[str] = "1.0"
    higher_is_better: ClassVar[bool] = True
    config_model: ClassVar[type[BaseModel]] = FinancialHealthConfig

    config: FinancialHealthConfig

    def active(self) -> list[str]:
        """Components with a positive weight, in their fixed order."""
        return [c for c in COMPONENTS if self.config.weights.get(c, 0.0) > 0]

    def inputs(self) -> dict[str, tuple[Column, ...]]:
        names: list[str] = []
        for comp in self.active():
            names += [n for n in COMPONENT_INPUTS[comp] if n not in names]
        cols = tuple(Column(n, "numeric", _DESCRIPTIONS[n]) for n in names)
        optional = (Column("paydex", "numeric", _DESCRIPTIONS["paydex"], required=False),)
        return {
            "features": (Column("customer_id", "id", "the customer"), *cols, *optional),
            "outcome": (
                Column("customer_id", "id", "the customer"),
                Column(
                    "outcome",
                    "numeric",
                    "a later measure of health, higher = healthier (e.g. next year's PAYDEX)",
                ),
            ),
        }

    def fit(self, columns: Columns | None = None, **tables: pa.Table) -> ScoreMethod:
        """Optionally calibrate the weights on a later outcome; without tables, keep the config's.

        Non-negative least squares of the centred outcome on the centred components
        (unknown components at their mean), scaled to sum 1: each weight stays a share
        of the score, and a component that does not help gets 0.
        """
        from scipy.optimize import nnls

        if not tables:
            return self
        self._check_roles(tables, ("features", "outcome"), columns)
        features = self.bind("features", tables["features"], columns)
        outcome = self.bind("outcome", tables["outcome"], columns)
        require_unique(ids(outcome), "outcome")
        joined = features.join(outcome, "customer_id", join_type="inner")
        y = floats(joined, "outcome")
        comps = self.components(joined)
        names = list(comps)
        x = np.column_stack([comps[n] for n in names])
        keep = ~np.isnan(y) & ~np.isnan(x[:, 0])
        x, y = x[keep], y[keep]
        if y.size < 2 * len(names):
            raise ScoreInputError(
                f"outcome: {y.size} customers with an outcome and payment experience; too few to fit weights",
                table="outcome",
                column="outcome",
                hint="pass more customers, or keep the configured weights",
            )
        means = np.nanmean(x, axis=0)
        x = np.where(np.isnan(x), means[None, :], x)
        w, _ = nnls(x - x.mean(axis=0), y - y.mean())
        if w[0] <= 0:
            raise ScoreInputError(
                "outcome: the payment component gets no weight from this outcome",
                table="outcome",
                column="outcome",
                hint="check the outcome's direction: higher must mean healthier",
            )
        weights = {n: round(float(v / w.sum()), 4) for n, v in zip(names, w, strict=True)}
        self.config = self.config.model_copy(update={"weights": weights})
        self.fitted_on_ = int(y.size)
        return self

    def components(self, features: pa.Table) -> dict[str, np.ndarray]:
        """Each active component (0–100, NaN when unknown) of bound ``features``."""
        cfg = self.config
        out: dict[str, np.ndarray] = {}
        active = self.active()
        dbt = floats(features, "days_beyond_terms")
        if "payment" in active:
            if "paydex" in features.column_names:
                # Per-item points carry more than the points of the mean: one very late
                # invoice cannot drag a prompt payer's index below the PAYDEX scale.
                out["payment"] = np.clip(floats(features, "paydex"), 0.0, 100.0)
            else:
                out["payment"] = piecewise(dbt, cfg.paydex_knots)
        if "ageing" in active or "utilisation" in active:
            buckets = np.column_stack([floats(features, b) for b in AGEING_BUCKETS])
            if "ageing" in active:
                out["ageing"] = ageing_component(buckets, cfg.ageing_severity)
            if "utilisation" in active:
                open_amount = np.nansum(np.maximum(buckets, 0), axis=1)
                out["utilisation"] = utilisation_component(
                    open_amount, floats(features, "credit_limit"), cfg.utilisation_knots
                )
        if "disputes" in active:
            out["disputes"] = piecewise(floats(features, "dispute_rate"), cfg.dispute_knots)
        if "short_pay" in active:
            out["short_pay"] = piecewise(floats(features, "short_pay_rate"), cfg.short_pay_knots)
        if "trend" in active:
            out["trend"] = piecewise(floats(features, "days_beyond_terms_recent") - dbt, cfg.trend_knots)
        return out

    def _score(self, tables: dict[str, pa.Table]) -> ScoreOutput:
        features = tables["features"]
        keys = ids(features)
        require_unique(keys, "features")
        comps = self.components(features)
        names = list(comps)
        c = np.column_stack([comps[n] for n in names])
        w = np.asarray([self.config.weights[n] for n in names])
        known = ~np.isnan(c)
        wk = np.where(known, w[None, :], 0.0)
        denom = wk.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(denom > 0, np.nansum(np.where(known, c, 0.0) * wk, axis=1) / denom, np.nan)
            impact = np.where(known, wk * (100.0 - c) / denom[:, None], np.nan)
        score = np.where(np.isnan(comps["payment"]), np.nan, score)
        coverage = denom / w.sum()
        values = self._reason_values(features, names)
        reasons = top_reasons(
            np.where(np.isnan(score)[:, None], np.nan, impact),
            values,
            [f"FH_{n.upper()}" for n in names],
            names,
            lambda j, rows: [_reason_text(names[j], v) for v in values[rows, j].tolist()],
            top=self.config.top_reasons,
        )
        cols: dict[str, Any] = {
            "customer_id": keys,
            "score": pa.array(np.round(score, 2), from_pandas=True),
            "band": pa.array(band_of(score, self.config.bands), pa.string()),
        }
        for j, n in enumerate(names):
            cols[f"component_{n}"] = pa.array(np.round(c[:, j], 2), from_pandas=True)
        cols["coverage"] = pa.array(np.round(coverage, 4))
        cols["reasons"] = reasons
        return ScoreOutput(
            method=self.name,
            version=self.version,
            count=features.num_rows,
            scored=int((~np.isnan(score)).sum()),
            higher_is_better=True,
            parameters={"weights": {n: self.config.weights[n] for n in names}},
            table=pa.table(cols),
        )

    def _reason_values(self, features: pa.Table, names: list[str]) -> np.ndarray:
        n = features.num_rows
        dbt = floats(features, "days_beyond_terms")
        cols = []
        buckets = None
        if "ageing" in names or "utilisation" in names:
            buckets = np.nan_to_num(np.column_stack([floats(features, b) for b in AGEING_BUCKETS]))
        for name in names:
            if name == "payment":
                cols.append(dbt)
            elif name == "ageing":
                assert buckets is not None
                total = buckets.sum(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    cols.append(np.where(total > 0, buckets[:, 1:].sum(axis=1) / total, 0.0))
            elif name == "utilisation":
                assert buckets is not None
                limit = floats(features, "credit_limit")
                with np.errstate(invalid="ignore", divide="ignore"):
                    cols.append(np.where(limit > 0, buckets.sum(axis=1) / limit, np.inf))
            elif name == "disputes":
                cols.append(floats(features, "dispute_rate"))
            elif name == "short_pay":
                cols.append(floats(features, "short_pay_rate"))
            elif name == "trend":
                cols.append(floats(features, "days_beyond_terms_recent") - dbt)
        return np.column_stack(cols) if cols else np.zeros((n, 0))


def _reason_text(component: str, value: float) -> str:
    if component == "payment":
        return f"pays {value:.1f} days beyond terms (value-weighted, last 12 months)"
    if component == "ageing":
        return f"{value:.0%} of open receivables past due"
    if component == "utilisation":
        return (
            "open receivables without a credit limit"
            if np.isinf(value)
            else f"uses {value:.0%} of its credit limit"
        )
    if component == "disputes":
        return f"disputes {value:.1%} of invoices"
    if component == "short_pay":
        return f"short-pays {value:.1%} of invoices"
    return f"pays {value:+.1f} days later in the last quarter than over the year"


__all__ = [
    "AGEING_BUCKETS",
    "COMPONENTS",
    "PAYDEX_KNOTS",
    "FinancialHealth",
    "FinancialHealthConfig",
    "ageing_component",
    "paydex",
    "utilisation_component",
]
