"""Reason codes: the top drivers of each customer's score, built for all rows at once.

A method gives an *impact* matrix (customers × drivers: what each driver cost the
customer) and the reasons are the ``top`` drivers with a positive impact, most costly
first. For a scorecard the impact is the *points below the best bin* of each
characteristic, the usual adverse-action rule: the characteristics where the customer
lost most points against the best possible attribute are the reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa

from andmesh.enterprise.scores.results import reasons_type

#: Text of driver ``j`` for the given rows (one string each). Read a column for all the rows at
#: once (``values[rows, j].tolist()``): indexing a NumPy matrix row by row is ~10× slower.
TextOf = Callable[[int, np.ndarray], Sequence[str] | pa.Array]


def top_reasons(
    impact: np.ndarray,
    values: np.ndarray,
    codes: Sequence[str],
    features: Sequence[str],
    text_of: TextOf,
    top: int = 3,
    min_impact: float = 1e-9,
) -> pa.ListArray:
    """One list of at most ``top`` reasons per row, by decreasing impact.

    >>> imp = np.array([[5.0, 0.0, 9.0], [0.0, 0.0, 0.0]])
    >>> val = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> out = top_reasons(imp, val, ["A", "B", "C"], ["a", "b", "c"], lambda j, rows: ["x"] * len(rows), top=2)
    >>> [[r["code"] for r in row] for row in out.to_pylist()]
    [['C', 'A'], []]
    """
    n, p = impact.shape
    k = min(top, p)
    clean = np.where(np.isnan(impact), -np.inf, impact)
    order = np.argsort(-clean, axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(clean, order, axis=1)
    keep = chosen > min_impact
    counts = keep.sum(axis=1)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    rows = np.repeat(np.arange(n), k).reshape(n, k)[keep]
    feat = order[keep]
    # The texts of each driver come as one column and land in place with one `take`: no
    # per-row Python object array (at 1,000,000 customers that loop cost seconds).
    parts: list[pa.Array] = []
    where: list[np.ndarray] = []
    for j in range(p):
        at = np.flatnonzero(feat == j)
        if at.size:
            got = text_of(j, rows[at])
            parts.append(got.cast(pa.string()) if isinstance(got, pa.Array) else pa.array(got, pa.string()))
            where.append(at)
    if parts:
        placed = np.concatenate(where)
        back = np.empty_like(placed)
        back[placed] = np.arange(placed.size)
        text = pa.concat_arrays(parts).take(pa.array(back))
    else:
        text = pa.array([], pa.string())
    feat_idx = pa.array(feat)
    structs = pa.StructArray.from_arrays(
        [
            pa.array(list(codes), pa.string()).take(feat_idx),
            pa.array(list(features), pa.string()).take(feat_idx),
            text,
            pa.array(values[rows, feat], pa.float64(), from_pandas=True),
            pa.array(np.round(chosen[keep], 4), pa.float64()),
        ],
        fields=list(reasons_type().value_type),
    )
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), structs, type=reasons_type())


__all__ = ["TextOf", "top_reasons"]
