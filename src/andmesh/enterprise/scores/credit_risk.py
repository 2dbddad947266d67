"""Credit risk: a WoE-binned logistic scorecard (``optbinning`` + ``scikit-learn``).

Each feature is binned by ``optbinning`` (optimal binning on information value, monotone
event rate by default) and replaced by its weight of evidence; a logistic regression
on the WoEs gives the probability of the event (default / serious delinquency); the
``pdo_odds`` scaling turns each bin into points (see :mod:`~andmesh.enterprise.scores.scaling`):

``points(bin) = −(woe · β + α / n) · factor + offset / n`` so that the points of a
customer add up to ``offset + factor · ln(odds)``.

Reason codes are the features where the customer lost most points against the best
non-empty bin of that feature.

Inputs — ``features``: ``customer_id`` and the configured features (numeric or, when
listed in ``categorical``, categories); ``labels`` (fit only): ``customer_id`` and
``label`` (1/true = the event happened in the outcome window).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, Field, model_validator

from andmesh.enterprise.scores.base import ScoreMethod
from andmesh.enterprise.scores.inputs import Column, ScoreInputError, floats, ids, require_unique
from andmesh.enterprise.scores.metrics import validation_report
from andmesh.enterprise.scores.reasons import top_reasons
from andmesh.enterprise.scores.results import ScoreOutput, ValidationReport
from andmesh.enterprise.scores.scaling import band_of, pdo_factor_offset

#: Probability-of-default grades (upper bound of each, inclusive).
DEFAULT_GRADES: list[tuple[str, float]] = [
    ("A", 0.01),
    ("B", 0.025),
    ("C", 0.05),
    ("D", 0.10),
    ("E", 0.20),
    ("F", 1.0),
]


class CreditRiskConfig(BaseModel):
    """Features, binning, regularisation and points scaling of the scorecard."""

    features: list[str] = Field(min_length=1, description="Feature columns (method input names).")
    categorical: list[str] = Field(default_factory=list, description="Which features are categories.")
    descriptions: dict[str, str] = Field(
        default_factory=dict, description="Feature → words for reason texts."
    )
    max_n_bins: int = Field(default=6, ge=2)
    min_bin_size: float = Field(default=0.05, gt=0, lt=0.5, description="Smallest bin, share of rows.")
    monotonic_trend: Literal["auto", "auto_heuristic", "auto_asc_desc", "ascending", "descending"] | None = (
        "auto_asc_desc"
    )
    regularisation: float = Field(default=1.0, gt=0, description="Inverse L2 strength C of the regression.")
    pdo: float = Field(default=20.0, gt=0, description="Points to double the odds.")
    base_points: float = Field(default=600.0, description="Points at the base odds.")
    base_odds: float = Field(default=50.0, gt=0, description="Good:bad odds that score base_points.")
    grades: list[tuple[str, float]] = Field(default_factory=lambda: list(DEFAULT_GRADES))
    top_reasons: int = Field(default=3, ge=0, le=10)

    @model_validator(mode="after")
    def _categorical_are_features(self) -> CreditRiskConfig:
        extra = set(self.categorical) - set(self.features)
        if extra:
            raise ValueError(f"categorical features not in `features`: {sorted(extra)}")
        return self


class ScorecardRow(BaseModel):
    """One bin of the fitted scorecard."""

    feature: str
    bin: str
    count: int
    event_rate: float
    woe: float
    iv: float
    coefficient: float
    points: float


class CreditRiskScorecard(ScoreMethod):
    """Probability of default and scorecard points with reason codes."""

    name: ClassVar[str] = "credit_risk_scorecard"
    title: ClassVar[str] = "Credit risk (WoE scorecard)"
    version: ClassVar[str] = "1.0"
    higher_is_better: ClassVar[bool] = True
    config_model: ClassVar[type[BaseModel]] = CreditRiskConfig
    fit_roles: ClassVar[tuple[str, ...]] = ("features", "labels")

    config: CreditRiskConfig

    def inputs(self) -> dict[str, tuple[Column, ...]]:
        cfg = self.config
        feats = tuple(
            Column(
                f,
                "category" if f in cfg.categorical else "numeric",
                cfg.descriptions.get(f, ""),
            )
            for f in cfg.features
        )
        return {
            "features": (Column("customer_id", "id", "the customer"), *feats),
            "labels": (
                Column("customer_id", "id", "the customer"),
                Column(
                    "label",
                    "flag",
                    "1 when the event (default / 90+ days past due) happened after the cut-off",
                ),
            ),
        }

    # -- fitting -----------------------------------------------------------------
    def _frame(self, features: pa.Table) -> Any:
        import pandas as pd

        data = {}
        for f in self.config.features:
            if f in self.config.categorical:
                data[f] = features.column(f).cast(pa.string()).to_numpy(zero_copy_only=False)
            else:
                data[f] = floats(features, f)
        return pd.DataFrame(data)

    def _fit(self, tables: dict[str, pa.Table]) -> None:
        from optbinning import BinningProcess, Scorecard
        from sklearn.linear_model import LogisticRegression

        features, labels = tables["features"], tables["labels"]
        require_unique(ids(labels), "labels")
        joined = features.join(labels, "customer_id", join_type="inner")
        if joined.num_rows == 0:
            raise ScoreInputError(
                "features and labels share no customer_id",
                table="labels",
                column="customer_id",
                hint="label the same customers the features describe",
            )
        y = floats(joined, "label")
        if np.isnan(y).any() or not np.isin(y, (0.0, 1.0)).all():
            raise ScoreInputError(
                "labels: `label` must be 0/1 (or boolean) with no nulls",
                table="labels",
                column="label",
                expected="flag",
                hint="drop unlabelled customers before fitting",
            )
        if y.min() == y.max():
            raise ScoreInputError(
                "labels: every `label` is the same; a scorecard needs events and non-events",
                table="labels",
                column="label",
                hint="widen the outcome window or the population",
            )
        cfg = self.config
        fit_params = {
            f: {"monotonic_trend": cfg.monotonic_trend}
            for f in cfg.features
            if f not in cfg.categorical and cfg.monotonic_trend is not None
        }
        process = BinningProcess(
            variable_names=list(cfg.features),
            categorical_variables=list(cfg.categorical) or None,
            max_n_bins=cfg.max_n_bins,
            min_bin_size=cfg.min_bin_size,
            binning_fit_params=fit_params or None,
        )
        self.scorecard_ = Scorecard(
            binning_process=process,
            estimator=LogisticRegression(C=cfg.regularisation, max_iter=2000),
            scaling_method="pdo_odds",
            scaling_method_params={
                "pdo": cfg.pdo,
                "odds": cfg.base_odds,
                "scorecard_points": cfg.base_points,
            },
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.scorecard_.fit(self._frame(joined), y.astype(int))
        self._index_table()
        self.training_ = validation_report(self.name, self._pd(self._frame(joined)), y, sample="training")

    def _index_table(self) -> None:
        table = self.scorecard_.table(style="detailed")
        self.selected_: list[str] = list(self.scorecard_.binning_process_.get_support(names=True))
        self.points_: dict[str, np.ndarray] = {}
        self.bins_: dict[str, list[str]] = {}
        self.best_: dict[str, float] = {}
        self.rows_: list[ScorecardRow] = []
        for f in self.selected_:
            part = table[table["Variable"] == f]
            points = part["Points"].to_numpy(dtype=np.float64)
            counts = part["Count"].to_numpy()
            self.points_[f] = points
            self.bins_[f] = [_bin_text(b) for b in part["Bin"]]
            self.best_[f] = float(points[counts > 0].max()) if (counts > 0).any() else float(points.max())
            for b, count, rate, woe, iv, coef, pts in zip(
                self.bins_[f],
                counts,
                part["Event rate"],
                part["WoE"],
                part["IV"],
                part["Coefficient"],
                points,
                strict=True,
            ):
                self.rows_.append(
                    ScorecardRow(
                        feature=f,
                        bin=b,
                        count=int(count),
                        event_rate=round(float(rate), 6),
                        woe=round(float(woe), 6),
                        iv=round(float(iv), 6),
                        coefficient=round(float(coef), 6),
                        points=round(float(pts), 4),
                    )
                )

    # -- scoring -----------------------------------------------------------------
    def _pd(self, frame: Any) -> np.ndarray:
        return np.asarray(self.scorecard_.predict_proba(frame)[:, 1], dtype=np.float64)

    def _score(self, tables: dict[str, pa.Table]) -> ScoreOutput:
        features = tables["features"]
        keys = ids(features)
        require_unique(keys, "features")
        frame = self._frame(features)
        pd_ = self._pd(frame)
        indices = self.scorecard_.binning_process_.transform(
            frame[self.scorecard_.binning_process_.variable_names],
            metric="indices",
            metric_special="empirical",
            metric_missing="empirical",
        )
        n, sel = features.num_rows, self.selected_
        points = np.zeros((n, len(sel)))
        values = np.full((n, len(sel)), np.nan)
        idx = np.zeros((n, len(sel)), dtype=np.int64)
        for j, f in enumerate(sel):
            idx[:, j] = indices[f].to_numpy()
            points[:, j] = self.points_[f][idx[:, j]]
            if f not in self.config.categorical:
                values[:, j] = frame[f].to_numpy(dtype=np.float64)
        total = points.sum(axis=1) + float(getattr(self.scorecard_, "intercept_", 0.0) or 0.0)
        best = np.asarray([self.best_[f] for f in sel])
        impact = np.maximum(best[None, :] - points, 0.0)

        def text_of(j: int, rows: np.ndarray) -> pa.Array:
            # One text per bin, taken by each row's bin: no string is formatted per customer.
            f = sel[j]
            words = self.config.descriptions.get(f, f)
            return pa.array([f"{words}: {b}" for b in self.bins_[f]], pa.string()).take(
                pa.array(idx[rows, j])
            )

        reasons = top_reasons(
            impact,
            values,
            [f"CR_{f.upper()}" for f in sel],
            sel,
            text_of,
            top=self.config.top_reasons,
        )
        cols: dict[str, Any] = {
            "customer_id": keys,
            "score": pa.array(np.round(total, 2)),
            "band": pa.array(band_of(pd_, self.config.grades), pa.string()),
            "probability": pa.array(pd_),
        }
        for j, f in enumerate(sel):
            cols[f"points_{f}"] = pa.array(np.round(points[:, j], 2))
        cols["reasons"] = reasons
        factor, offset = pdo_factor_offset(self.config.pdo, self.config.base_points, self.config.base_odds)
        return ScoreOutput(
            method=self.name,
            version=self.version,
            count=n,
            scored=n,
            higher_is_better=True,
            parameters={
                "features": sel,
                "pdo": self.config.pdo,
                "base_points": self.config.base_points,
                "base_odds": self.config.base_odds,
                "factor": round(factor, 6),
                "offset": round(offset, 6),
                "training_auc": self.training_.auc,
            },
            table=pa.table(cols),
        )

    # -- reports -----------------------------------------------------------------
    def table(self) -> list[ScorecardRow]:
        """The fitted scorecard: every bin of every selected feature with its points."""
        self._require_fitted()
        return list(self.rows_)

    def validate(
        self, features: pa.Table, labels: pa.Table, *, sample: str = "validation", columns: Any = None
    ) -> ValidationReport:
        """AUC, Gini, KS, Brier and the calibration table on labelled customers."""
        self._require_fitted()
        f = self.bind("features", features, columns)
        lab = self.bind("labels", labels, columns)
        joined = f.join(lab, "customer_id", join_type="inner")
        return validation_report(
            self.name, self._pd(self._frame(joined)), floats(joined, "label"), sample=sample
        )

    def _require_fitted(self) -> None:
        if not self.fitted:
            raise ScoreInputError(f"{self.name} is not fitted", table="", column="", hint="call fit() first")


def _bin_text(value: Any) -> str:
    """A bin as text: numeric intervals as optbinning writes them, categories as a set."""
    if isinstance(value, str):
        return value
    if hasattr(value, "__iter__"):
        return "{" + ", ".join(str(v) for v in value) + "}"
    return str(value)


__all__ = ["DEFAULT_GRADES", "CreditRiskConfig", "CreditRiskScorecard", "ScorecardRow"]
