"""Results of score methods as data: per-customer scores, validation and stability reports.

The per-customer scores of a run live in an Arrow table (200,000 rows stay columnar);
:meth:`ScoreOutput.customers` turns rows into :class:`CustomerScore` models for the
CLI, the API and the web pages.
"""

from __future__ import annotations

from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field


class ReasonCode(BaseModel):
    """Why a customer scored as it did: one driver, ranked by how much it cost."""

    code: str = Field(description="Stable reason code.", examples=["CR_DAYS_BEYOND_TERMS"])
    feature: str = Field(description="Input the reason is about.", examples=["days_beyond_terms"])
    text: str = Field(description="Reason said for a person.", examples=["days_beyond_terms in [12.5, 30)"])
    value: float | None = Field(default=None, description="The customer's value of the input.")
    impact: float = Field(
        description="What the driver cost the customer: points below the best bin (credit risk), "
        "weighted shortfall from 100 (health), relative drag (lifetime value)."
    )


class CustomerScore(BaseModel):
    """One customer's score from one method."""

    customer_id: str
    method: str = Field(examples=["credit_risk_scorecard"])
    score: float | None = Field(description="The score on the method's scale (see the method).")
    band: str | None = Field(default=None, description="The band the score falls in.", examples=["B"])
    probability: float | None = Field(
        default=None, description="Probability of the event, when the method has one."
    )
    components: dict[str, float | None] = Field(
        default_factory=dict,
        description="Method-specific parts of the score (points, components, value terms).",
    )
    reasons: list[ReasonCode] = Field(default_factory=list, description="Top reasons, most costly first.")


class ScoreOutput(BaseModel):
    """A scoring run of one method: what was scored and the per-customer table."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    method: str
    version: str = Field(description="Method version: changes when the formula or defaults change.")
    count: int = Field(description="Customers in the input.")
    scored: int = Field(description="Customers that got a score (not null).")
    higher_is_better: bool = Field(description="Whether a higher score is the better customer.")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Fitted or configured parameters.")
    seconds: float = Field(default=0.0, description="Wall time of the scoring call.")
    table: pa.Table = Field(
        exclude=True,
        description="One row per customer: `customer_id`, `score`, `band`, method columns, `reasons` "
        "(list of {code, feature, text, value, impact}).",
    )

    def customers(self, limit: int | None = None) -> list[CustomerScore]:
        """The first ``limit`` rows (all when None) as :class:`CustomerScore` models."""
        table = self.table if limit is None else self.table.slice(0, limit)
        return [self._row(r) for r in table.to_pylist()]

    def customer(self, customer_id: str) -> CustomerScore:
        """The row of one customer; ``KeyError`` when it was not scored."""
        mask = pc.equal(self.table.column("customer_id"), customer_id)
        rows = self.table.filter(mask).to_pylist()
        if not rows:
            raise KeyError(customer_id)
        return self._row(rows[0])

    def _row(self, row: dict[str, Any]) -> CustomerScore:
        fixed = {"customer_id", "score", "band", "probability", "reasons"}
        return CustomerScore(
            customer_id=str(row["customer_id"]),
            method=self.method,
            score=row.get("score"),
            band=row.get("band"),
            probability=row.get("probability"),
            components={k: v for k, v in row.items() if k not in fixed and isinstance(v, int | float)},
            reasons=[ReasonCode(**r) for r in row.get("reasons") or []],
        )


class CalibrationBin(BaseModel):
    """One equal-count bin of predicted probability against the observed event rate."""

    bin: int
    count: int
    min_predicted: float
    max_predicted: float
    mean_predicted: float
    observed_rate: float
    events: int


class ValidationReport(BaseModel):
    """How well a probability separates and predicts a binary outcome."""

    method: str
    sample: str = Field(description="Which rows: training, validation, back-test…", examples=["validation"])
    count: int
    events: int
    event_rate: float
    mean_predicted: float
    auc: float = Field(description="Area under the ROC curve (0.5 random, 1 perfect).")
    gini: float = Field(description="2 · AUC − 1.")
    ks: float = Field(description="Largest gap between the events' and non-events' score distributions.")
    brier: float = Field(description="Mean squared error of the probability.")
    calibration: list[CalibrationBin] = Field(default_factory=list)


class RankReport(BaseModel):
    """How well a score ranks customers by a later continuous outcome (value, delays)."""

    method: str
    sample: str
    outcome: str = Field(description="What the score is compared with.", examples=["spend_next_12m"])
    count: int
    spearman: float = Field(description="Spearman rank correlation of score and outcome.")
    top_decile_share: float | None = Field(
        default=None, description="Share of the outcome's total held by the score's top 10% (value scores)."
    )
    predicted_total: float | None = Field(default=None, description="Sum of the predictions (same unit).")
    actual_total: float | None = Field(default=None, description="Sum of the outcome.")


class PsiBin(BaseModel):
    """One bin of a population stability index."""

    lower: float | None
    upper: float | None
    expected_share: float
    actual_share: float
    contribution: float


class PsiReport(BaseModel):
    """Population stability of a score between a reference run and a new one."""

    score: str
    reference: str = Field(description="Reference run or version.", examples=["v1"])
    current: str = Field(examples=["v2"])
    psi: float
    status: Literal["stable", "watch", "alert"]
    thresholds: tuple[float, float] = Field(description="(watch, alert) PSI thresholds.")
    expected_count: int
    actual_count: int
    bins: list[PsiBin]


class DriftAlert(BaseModel):
    """A score whose stability or back-tested accuracy moved beyond its thresholds."""

    score: str
    status: Literal["ok", "watch", "alert"]
    reasons: list[str] = Field(default_factory=list)
    psi: float | None = None
    metric: str | None = Field(default=None, description="Back-test metric compared (auc, spearman).")
    reference_value: float | None = None
    current_value: float | None = None


def reasons_type() -> pa.DataType:
    """Arrow type of the ``reasons`` column."""
    return pa.list_(
        pa.struct(
            [
                ("code", pa.string()),
                ("feature", pa.string()),
                ("text", pa.string()),
                ("value", pa.float64()),
                ("impact", pa.float64()),
            ]
        )
    )


__all__ = [
    "CalibrationBin",
    "CustomerScore",
    "DriftAlert",
    "PsiBin",
    "PsiReport",
    "RankReport",
    "ReasonCode",
    "ScoreOutput",
    "ValidationReport",
    "reasons_type",
]
