"""Credit risk: a WoE-binned logistic scorecard (``optbinning`` + ``scikit-learn``).

Each feature is binned by ``optbinning`` (optimal binning on information value, monotone
event rate by default) and replaced by its weight of evidence; a logistic regression
on the WoEs gives the probability of the event (default / serious delinquency); the
``pdo_odds`` scaling turns each bin into points (see :mod:`~andmesh.enterprise.scores.scaling`):

``points(bin) = −(woe · β + α / n) · factor + offset / n`` so that the points of a
customer add up to ``offset + factor · ln(odds)``.

Reason codes are the features where the customer lost most points against the best
non-empty bin of that feature.

A fit keeps the scorecard as plain arrays (:class:`BinTable` per feature: the bin edges or
categories, each bin's WoE and index, the regression's coefficients), read off the fitted
``optbinning`` objects, which are not kept: applying a kept fit then imports neither
``optbinning`` nor ``scikit-learn`` (~2 s per command), and gives the same numbers to the bit.
A fit made before kept the objects and still scores through them.

Inputs — ``features``: ``customer_id`` and the configured features (numeric or, when
listed in ``categorical``, categories); ``labels`` (fit only): ``customer_id`` and
``label`` (1/true = the event happened in the outcome window).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


@dataclass(frozen=True)
class BinTable:
    """One selected feature of a fitted scorecard, as plain arrays.

    ``woe[k]`` and ``index[k]`` are what ``optbinning`` gives a value of row ``k``: rows
    ``0..len(edges)`` are the numeric bins (``np.digitize(x, edges)``, as optbinning bins),
    or one row per category seen in training then one for an unseen category; the last row
    is a missing value. They are read off the fitted objects by transforming one value of
    each row, so each bin's numbers are optbinning's own.
    """

    categorical: bool
    edges: np.ndarray
    categories: tuple[str, ...]
    woe: np.ndarray
    index: np.ndarray

    def rows(self, values: np.ndarray) -> np.ndarray:
        """The row of each value (see the class docstring)."""
        missing = len(self.woe) - 1
        if self.categorical:
            column = pa.array(values, pa.string(), from_pandas=True)
            found = pc.index_in(column, value_set=pa.array(self.categories, pa.string()))
            unseen = len(self.categories)
            rows = np.asarray(pc.fill_null(found, unseen).to_numpy(zero_copy_only=False), dtype=np.int64)
            rows[np.asarray(column.is_null().to_numpy(zero_copy_only=False))] = missing
            return rows
        x = np.asarray(values, dtype=np.float64)
        rows = np.digitize(x, self.edges, right=False).astype(np.int64)
        rows[np.isnan(x)] = missing
        return rows


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
        self._plain_tables(joined)
        self.training_ = validation_report(self.name, self._apply(joined)[0], y, sample="training")

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
    def _plain_tables(self, training: pa.Table) -> None:
        """The fitted scorecard as plain arrays (:class:`BinTable`); the optbinning objects go.

        Each row of a feature's table is transformed once by the fitted binning process
        (WoE as the scorecard's regression reads it, bin index as its points table lists
        it); a kept fit then never needs optbinning or scikit-learn again.
        """
        import pandas as pd

        scorecard = self.scorecard_
        process = scorecard.binning_process_
        names = list(process.variable_names)
        unseen = "\x00andmesh: a category not seen in training"
        probes: dict[str, tuple[np.ndarray, tuple[str, ...], list[Any]]] = {}
        for f in self.selected_:
            if f in self.config.categorical:
                seen = training.column(f).cast(pa.string()).drop_null().unique().to_pylist()
                categories = tuple(sorted(str(c) for c in seen))
                probes[f] = (np.zeros(0), categories, [*categories, unseen, None])
            else:
                edges = np.asarray(process.get_binned_variable(f).splits, dtype=np.float64)
                probes[f] = (edges, (), [-np.inf, *edges.tolist(), np.nan])
        n = max(len(p[2]) for p in probes.values())
        data: dict[str, np.ndarray] = {}
        for name in names:
            categorical = name in self.config.categorical
            values = probes[name][2] if name in probes else []
            pad = [None if categorical else np.nan] * (n - len(values))
            data[name] = np.asarray([*values, *pad], dtype=object if categorical else np.float64)
        frame = pd.DataFrame(data)
        woe = process.transform(
            frame[names],
            metric_special=getattr(scorecard, "_metric_special", 0),
            metric_missing=getattr(scorecard, "_metric_missing", 0),
        )
        index = process.transform(
            frame[names], metric="indices", metric_special="empirical", metric_missing="empirical"
        )
        self.bin_tables_: dict[str, BinTable] | None = {}
        for f, (edges, categories, values) in probes.items():
            k = len(values)
            self.bin_tables_[f] = BinTable(
                categorical=f in self.config.categorical,
                edges=edges,
                categories=categories,
                woe=np.asarray(woe[f].to_numpy(dtype=np.float64)[:k]),
                index=np.asarray(index[f].to_numpy()[:k], dtype=np.int64),
            )
        estimator = scorecard.estimator_
        self.coef_ = np.array(estimator.coef_, dtype=np.float64)
        self.intercept_ = np.array(estimator.intercept_, dtype=np.float64)
        self.points_intercept_ = float(getattr(scorecard, "intercept_", 0.0) or 0.0)
        del self.scorecard_  # what scoring needs is above; unpickling it would import optbinning

    def _apply(self, features: pa.Table) -> tuple[np.ndarray, np.ndarray]:
        """(PD, bin index per selected feature) of every row of ``features``.

        The PD is the scorecard's regression on the bins' WoEs, computed as scikit-learn
        computes it (``expit(W @ coefᵀ + intercept)``, ``W`` laid out as it lays it out), so a
        kept fit gives the numbers the fitted objects gave, to the bit.
        """
        tables = getattr(self, "bin_tables_", None)
        sel = self.selected_
        if tables is None:  # a fit kept before the plain tables: through optbinning
            frame = self._frame(features)
            process = self.scorecard_.binning_process_
            pd_ = np.asarray(self.scorecard_.predict_proba(frame)[:, 1], dtype=np.float64)
            indices = process.transform(
                frame[process.variable_names],
                metric="indices",
                metric_special="empirical",
                metric_missing="empirical",
            )
            return pd_, np.column_stack([indices[f].to_numpy() for f in sel]).astype(np.int64)
        from scipy.special import expit

        n = features.num_rows
        # Column-major, as pandas hands the WoE frame to scikit-learn: the other layout sums
        # the products in another order (PDs 1e-16 apart).
        woe = np.zeros((n, len(sel)), order="F")
        idx = np.zeros((n, len(sel)), dtype=np.int64)
        for j, f in enumerate(sel):
            table = tables[f]
            column = features.column(f)
            rows = table.rows(
                column.cast(pa.string()).to_numpy(zero_copy_only=False)
                if table.categorical
                else floats(features, f)
            )
            woe[:, j] = table.woe[rows]
            idx[:, j] = table.index[rows]
        decision = woe @ self.coef_.T + self.intercept_
        decision = decision.reshape(-1)
        return np.asarray(expit(decision, out=decision), dtype=np.float64), idx

    def _score(self, tables: dict[str, pa.Table]) -> ScoreOutput:
        features = tables["features"]
        keys = ids(features)
        require_unique(keys, "features")
        pd_, idx = self._apply(features)
        n, sel = features.num_rows, self.selected_
        for j, f in enumerate(sel):
            # optbinning gives an unseen category the index -1, its last bin's numbers: the
            # reason text must name the same bin its points come from.
            column = idx[:, j]
            column[column < 0] += len(self.points_[f])
        points = np.zeros((n, len(sel)))
        values = np.full((n, len(sel)), np.nan)
        for j, f in enumerate(sel):
            points[:, j] = self.points_[f][idx[:, j]]
            if f not in self.config.categorical:
                values[:, j] = floats(features, f)
        intercept = getattr(self, "points_intercept_", None)
        if intercept is None:
            intercept = float(getattr(self.scorecard_, "intercept_", 0.0) or 0.0)
        total = points.sum(axis=1) + intercept
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
        return validation_report(self.name, self._apply(joined)[0], floats(joined, "label"), sample=sample)

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
