"""Reason codes built column-wise agree with the plain per-row definition they replaced."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from andmesh.enterprise.scores.publish import reason_codes
from andmesh.enterprise.scores.reasons import top_reasons
from andmesh.enterprise.scores.results import reasons_type


def _per_row(impact: np.ndarray, values: np.ndarray, codes: list[str], top: int, min_impact: float) -> list:
    """The definition, one customer at a time: drivers by decreasing impact (ties: first driver first)."""
    out = []
    for i in range(impact.shape[0]):
        row = np.where(np.isnan(impact[i]), -np.inf, impact[i])
        order = sorted(range(row.size), key=lambda j: -row[j])[:top]
        out.append(
            [
                {
                    "code": codes[j],
                    "feature": codes[j].lower(),
                    "text": f"{codes[j]} at {values[i, j]:.2f}",
                    "value": None if np.isnan(values[i, j]) else float(values[i, j]),
                    "impact": round(float(row[j]), 4),
                }
                for j in order
                if row[j] > min_impact
            ]
        )
    return out


@pytest.mark.parametrize("top", [0, 1, 3, 5])
def test_top_reasons_equals_the_per_row_definition(top: int) -> None:
    rng = np.random.default_rng(top)
    n, p = 500, 4
    impact = rng.choice([0.0, 0.5, 1.0, 2.5, np.nan], size=(n, p))  # ties, zeros and unknowns
    impact[::7] += rng.random((len(impact[::7]), p))
    values = rng.normal(size=(n, p)) * 100
    values[::11, 2] = np.nan
    codes = ["A", "B", "C", "D"]

    def text_of(j: int, rows: np.ndarray) -> list[str] | pa.Array:
        texts = [f"{codes[j]} at {v:.2f}" for v in values[rows, j].tolist()]
        return pa.array(texts) if j % 2 else texts  # both kinds of answer are accepted

    got = top_reasons(impact, values, codes, [c.lower() for c in codes], text_of, top=top, min_impact=0.1)
    assert got.type == reasons_type()
    assert got.to_pylist() == _per_row(impact, values, codes, min(top, p), 0.1)


def test_reason_codes_equal_joining_each_row_in_python() -> None:
    rows = [
        [{"code": "X1", "feature": "x", "text": "t", "value": 1.0, "impact": 2.0}],
        [],
        None,
        [
            {"code": "Y", "feature": "y", "text": "t", "value": None, "impact": 1.0},
            {"code": "Z", "feature": "z", "text": "t", "value": 3.0, "impact": 0.5},
        ],
    ] * 5
    whole = pa.array(rows, reasons_type())
    # Chunks that are slices of one array: offsets that do not start at zero.
    column = pa.chunked_array([whole.slice(0, 7), whole.slice(7, 6), whole.slice(13)])
    expected = [", ".join(r["code"] for r in rs or []) or None for rs in column.to_pylist()]
    got = reason_codes(column)
    assert got.type == pa.string()
    assert got.to_pylist() == expected
