"""Score transforms: points-to-double-the-odds scaling, piecewise-linear maps, bands."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def pdo_factor_offset(pdo: float, base_points: float, base_odds: float) -> tuple[float, float]:
    """Factor and offset of the points-to-double-the-odds scaling.

    ``score = offset + factor · ln(odds)`` with ``odds = (1 − PD) / PD`` (good:bad),
    ``factor = pdo / ln 2`` and ``offset = base_points − factor · ln(base_odds)``: the
    score is ``base_points`` at ``base_odds`` and gains ``pdo`` points each time the
    odds double.

    >>> f, o = pdo_factor_offset(20, 600, 50)
    >>> round(f, 4), round(o, 2)
    (28.8539, 487.12)
    """
    factor = pdo / math.log(2)
    return factor, base_points - factor * math.log(base_odds)


def points_from_pd(
    pd: np.ndarray, pdo: float = 20, base_points: float = 600, base_odds: float = 50
) -> np.ndarray:
    """Scorecard points of a probability of default (see :func:`pdo_factor_offset`).

    >>> points_from_pd(np.array([1 / 51, 1 / 101])).round(1).tolist()  # odds 50:1 and 100:1
    [600.0, 620.0]
    """
    factor, offset = pdo_factor_offset(pdo, base_points, base_odds)
    p = np.clip(np.asarray(pd, dtype=np.float64), 1e-12, 1 - 1e-12)
    return offset + factor * np.log((1 - p) / p)


def pd_from_points(
    points: np.ndarray, pdo: float = 20, base_points: float = 600, base_odds: float = 50
) -> np.ndarray:
    """Inverse of :func:`points_from_pd`: ``PD = 1 / (1 + exp((score − offset) / factor))``.

    >>> pd_from_points(np.array([600.0])).round(5).tolist()
    [0.01961]
    """
    factor, offset = pdo_factor_offset(pdo, base_points, base_odds)
    return 1.0 / (1.0 + np.exp((np.asarray(points, dtype=np.float64) - offset) / factor))


def piecewise(x: np.ndarray, knots: Sequence[tuple[float, float]]) -> np.ndarray:
    """Linear interpolation through ``knots`` (x, y), flat beyond the ends; NaN stays NaN.

    >>> piecewise(np.array([-5.0, 0.0, 5.0, 20.0, np.nan]), [(0, 100), (10, 0)]).tolist()
    [100.0, 100.0, 50.0, 0.0, nan]
    """
    xs = np.asarray([k[0] for k in knots], dtype=np.float64)
    ys = np.asarray([k[1] for k in knots], dtype=np.float64)
    v = np.asarray(x, dtype=np.float64)
    out = np.interp(v, xs, ys)
    return np.where(np.isnan(v), np.nan, out)


def band_of(values: np.ndarray, bands: Sequence[tuple[str, float]]) -> np.ndarray:
    """Band name of each value: the first band whose upper bound (inclusive) it is ≤.

    ``bands`` are ``(name, upper)`` in increasing ``upper``; values above the last
    bound take the last band; NaN gets ``None``.

    >>> band_of(np.array([0.004, 0.03, 0.5, np.nan]), [("A", 0.01), ("B", 0.05), ("C", 1.0)]).tolist()
    ['A', 'B', 'C', None]
    """
    v = np.asarray(values, dtype=np.float64)
    uppers = np.asarray([b[1] for b in bands], dtype=np.float64)
    names = np.asarray([b[0] for b in bands], dtype=object)
    idx = np.minimum(np.searchsorted(uppers, v, side="left"), len(bands) - 1)
    out = names[idx]
    out[np.isnan(v)] = None
    return out


__all__ = ["band_of", "pd_from_points", "pdo_factor_offset", "piecewise", "points_from_pd"]
