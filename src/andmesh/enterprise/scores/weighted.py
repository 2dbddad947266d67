"""A declarative weighted score: components, each an input mapped to 0–100 points, averaged by weight.

``score = Σᵢ wᵢ · cᵢ / Σ_{cᵢ known} wᵢ`` where each component ``cᵢ`` (0–100) is one input
column mapped to points:

- a **numeric** input through piecewise-linear ``knots`` ``[[x, points], …]`` (flat
  beyond the ends, :func:`andmesh.enterprise.scores.scaling.piecewise`);
- a **category** input through ``levels`` ``{value: points}`` (an unlisted value is
  unknown).

Everything is in the Score spec's ``config``: no Python per score. A component whose
input is null for an entity is left out and the other weights rescaled (``coverage`` is
the known weight / total weight); below ``min_coverage``, or when a ``required``
component is unknown, there is no score. ``higher_is_better`` says which way the points
run: for a *risk* score (higher = riskier) a component's reason impact is
``wᵢ · cᵢ / Σ known w`` (the risk points it added), for a *quality* score
``wᵢ · (100 − cᵢ) / Σ known w`` (the points it cost). Bands are ``[name, upper]`` in
increasing order of the score (``band_of``).

>>> m = WeightedScore({"components": {
...     "late": {"input": "late_rate", "weight": 3, "knots": [[0.0, 0.0], [0.5, 100.0]]},
...     "rating": {"input": "rating", "kind": "category", "weight": 1, "levels": {"low": 0, "high": 100}}},
...     "bands": [["low", 30], ["high", 100]]})
>>> out = m.score(features=pa.table({"customer_id": ["a", "b", "c"], "late_rate": [0.1, 0.25, None],
...                                  "rating": ["high", None, "low"]}))
>>> out.table.column("score").to_pylist(), out.table.column("band").to_pylist()  # c: 25% < min_coverage
([40.0, 50.0, None], ['high', 'high', None])
>>> out.table.column("coverage").to_pylist()
[1.0, 0.75, 0.25]
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field, model_validator

from andmesh.enterprise.scores.base import ScoreMethod
from andmesh.enterprise.scores.inputs import Column, floats, ids, require_unique
from andmesh.enterprise.scores.reasons import top_reasons
from andmesh.enterprise.scores.results import ScoreOutput
from andmesh.enterprise.scores.scaling import band_of, piecewise


class ComponentSpec(BaseModel):
    """One component: the input it reads and how a value becomes 0–100 points."""

    model_config = {"extra": "forbid"}

    input: str = Field(description="Input column (a `features` column, mapped by the spec's `columns`).")
    kind: Literal["numeric", "category"] = "numeric"
    weight: float = Field(gt=0, description="Relative weight (the weights need not sum to 1).")
    knots: list[tuple[float, float]] = Field(
        default_factory=list, description="Numeric: [[value, points], …], values increasing."
    )
    levels: dict[str, float] = Field(default_factory=dict, description="Category: value → points.")
    description: str = ""
    text: str = Field(
        "{input} = {value:.3g}",
        description="Reason text; `{value}` is the input's value, `{input}` its name.",
    )

    @model_validator(mode="after")
    def _mapping(self) -> ComponentSpec:
        if self.kind == "numeric":
            if len(self.knots) < 2:
                raise ValueError("a numeric component needs at least two `knots` [[value, points], …]")
            xs = [k[0] for k in self.knots]
            if any(b <= a for a, b in pairwise(xs)):
                raise ValueError("`knots` values must increase")
            points = [k[1] for k in self.knots]
        else:
            if not self.levels:
                raise ValueError("a category component needs `levels` {value: points}")
            points = list(self.levels.values())
        if any(not 0 <= p <= 100 for p in points):
            raise ValueError("points must lie in 0–100")
        return self


class WeightedScoreConfig(BaseModel):
    """The components, their weights and mappings, the direction and the bands."""

    model_config = {"extra": "forbid"}

    components: dict[str, ComponentSpec] = Field(min_length=1)
    higher_is_better: bool = Field(False, description="False: a risk score, higher points = riskier.")
    bands: list[tuple[str, float]] = Field(min_length=1, description="[name, upper] by increasing upper.")
    required: list[str] = Field(default_factory=list, description="Components that must be known to score.")
    min_coverage: float = Field(0.5, ge=0, le=1, description="Least known weight share to score.")
    reason_prefix: str = Field("WS", pattern=r"^[A-Z][A-Z0-9]*$")
    top_reasons: int = Field(3, ge=0, le=6)

    @model_validator(mode="after")
    def _consistent(self) -> WeightedScoreConfig:
        uppers = [b[1] for b in self.bands]
        if any(b <= a for a, b in pairwise(uppers)):
            raise ValueError("`bands` upper bounds must increase")
        unknown = [r for r in self.required if r not in self.components]
        if unknown:
            raise ValueError(f"`required` names unknown components {unknown}; known: {list(self.components)}")
        return self


def component_points(values: np.ndarray | pa.ChunkedArray, spec: ComponentSpec) -> np.ndarray:
    """0–100 points of one input column (NaN when unknown).

    >>> component_points(np.array([-1.0, 0.2, 0.9, np.nan]),
    ...                  ComponentSpec(input="x", weight=1, knots=[(0.0, 0.0), (0.4, 100.0)])).tolist()
    [0.0, 50.0, 100.0, nan]
    >>> component_points(pa.chunked_array([["low", "odd", None]]),
    ...                  ComponentSpec(input="r", kind="category", weight=1, levels={"low": 10})).tolist()
    [10.0, nan, nan]
    """
    if spec.kind == "numeric":
        return piecewise(np.asarray(values, dtype=np.float64), spec.knots)
    assert isinstance(values, pa.ChunkedArray | pa.Array)
    text = pc.cast(values, pa.string()).to_pylist()
    return np.asarray([spec.levels.get(v, np.nan) if v is not None else np.nan for v in text], np.float64)


def weighted_score(points: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(Σ wᵢ cᵢ / Σ_{cᵢ known} wᵢ, known weight / Σ w)`` per row; unknown components rescale the rest.

    >>> s, cov = weighted_score(np.array([[20.0, 80.0], [np.nan, 80.0], [np.nan, np.nan]]), np.array([3.0, 1.0]))
    >>> s.tolist(), cov.tolist()
    ([35.0, 80.0, nan], [1.0, 0.25, 0.0])
    """
    known = ~np.isnan(points)
    wk = np.where(known, weights[None, :], 0.0)
    denom = wk.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(denom > 0, (np.where(known, points, 0.0) * wk).sum(axis=1) / denom, np.nan)
    return score, denom / weights.sum()


class WeightedScore(ScoreMethod):
    """A weighted-components score declared in the spec (e.g. supplier risk, 0–100)."""

    name: ClassVar[str] = "weighted_components"
    title: ClassVar[str] = "Weighted components (0–100)"
    version: ClassVar[str] = "1.0"
    higher_is_better: ClassVar[bool] = False
    config_model: ClassVar[type[BaseModel]] = WeightedScoreConfig

    config: WeightedScoreConfig

    def inputs(self) -> dict[str, tuple[Column, ...]]:
        cols: dict[str, Column] = {}
        for comp in self.config.components.values():
            kind: Any = "numeric" if comp.kind == "numeric" else "category"
            cols.setdefault(comp.input, Column(comp.input, kind, comp.description))
        return {"features": (Column("customer_id", "id", "the entity scored"), *cols.values())}

    def _score(self, tables: dict[str, pa.Table]) -> ScoreOutput:
        cfg = self.config
        features = tables["features"]
        keys = ids(features)
        require_unique(keys, "features")
        names = list(cfg.components)
        specs = [cfg.components[n] for n in names]
        raw = [floats(features, s.input) if s.kind == "numeric" else features.column(s.input) for s in specs]
        points = np.column_stack([component_points(v, s) for v, s in zip(raw, specs, strict=True)])
        weights = np.asarray([s.weight for s in specs], np.float64)
        score, coverage = weighted_score(points, weights)
        missing_required = np.zeros(len(score), dtype=bool)
        for name in cfg.required:
            missing_required |= np.isnan(points[:, names.index(name)])
        score = np.where((coverage < cfg.min_coverage) | missing_required, np.nan, score)
        known = ~np.isnan(points)
        denom = np.where(known, weights[None, :], 0.0).sum(axis=1)
        lost = points if not cfg.higher_is_better else 100.0 - points
        with np.errstate(invalid="ignore", divide="ignore"):
            impact = np.where(known, weights[None, :] * lost / denom[:, None], np.nan)
        values = np.column_stack(
            [
                r if s.kind == "numeric" else points[:, j]
                for j, (r, s) in enumerate(zip(raw, specs, strict=True))
            ]
        )
        reasons = top_reasons(
            np.where(np.isnan(score)[:, None], np.nan, impact),
            values,
            [f"{cfg.reason_prefix}_{n.upper()}" for n in names],
            [s.input for s in specs],
            lambda j, rows: _texts(specs[j], raw[j], values[rows, j], rows),
            top=cfg.top_reasons,
        )
        cols: dict[str, Any] = {
            "customer_id": keys,
            "score": pa.array(np.round(score, 2), from_pandas=True),
            "band": pa.array(band_of(score, cfg.bands), pa.string()),
        }
        for j, n in enumerate(names):
            cols[f"component_{n}"] = pa.array(np.round(points[:, j], 2), from_pandas=True)
        cols["coverage"] = pa.array(np.round(coverage, 4))
        cols["reasons"] = reasons
        return ScoreOutput(
            method=self.name,
            version=self.version,
            count=features.num_rows,
            scored=int((~np.isnan(score)).sum()),
            higher_is_better=cfg.higher_is_better,
            parameters={"weights": {n: s.weight for n, s in zip(names, specs, strict=True)}},
            table=pa.table(cols),
        )


def _texts(spec: ComponentSpec, raw: Any, column: np.ndarray, rows: np.ndarray) -> list[str]:
    # The rows' values read at once (a category's by one `take`), then formatted.
    found = column.tolist() if spec.kind == "numeric" else raw.take(pa.array(rows)).to_pylist()
    return [_text(spec, value) for value in found]


def _text(spec: ComponentSpec, value: Any) -> str:
    try:
        return spec.text.format(value=value, input=spec.input)
    except (ValueError, TypeError, KeyError, IndexError):
        # A format that does not fit the value (a category under `{value:.0%}`) still says something.
        return f"{spec.input} = {value}"


__all__ = ["ComponentSpec", "WeightedScore", "WeightedScoreConfig", "component_points", "weighted_score"]
