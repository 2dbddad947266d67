"""Payment-behaviour features at a cut-off and delinquency labels after it, by hand."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from andmesh.enterprise.scores import ScoreInputError
from andmesh.enterprise.scores.features import delinquency_labels, payment_features

D0 = dt.date(2025, 1, 1)


def d(offset: int | None) -> dt.date | None:
    return None if offset is None else D0 + dt.timedelta(days=offset)


def items(rows: list[tuple]) -> pa.Table:
    """(customer, invoice, due, amount, first_paid, first_amount, cleared, disputed, written_off) day offsets."""
    names = [
        "customer_id",
        "invoice_date",
        "due_date",
        "amount",
        "first_paid_date",
        "first_paid_amount",
        "cleared_date",
        "disputed",
        "written_off_date",
    ]
    cols = list(zip(*rows, strict=True))
    types = [
        pa.string(),
        pa.date32(),
        pa.date32(),
        pa.float64(),
        pa.date32(),
        pa.float64(),
        pa.date32(),
        pa.bool_(),
        pa.date32(),
    ]
    data = []
    for i, (col, typ) in enumerate(zip(cols, types, strict=True)):
        values = [d(v) if typ == pa.date32() else v for v in col] if i not in (0,) else list(col)
        data.append(pa.array(values, typ))
    return pa.table(data, names=names)


CUTOFF = d(100)
ITEMS = items(
    [
        # a: paid 10 days late (100), and 20 days early (300); one open, 40 days overdue (50).
        ("a", 0, 30, 100.0, 40, 100.0, 40, False, None),
        ("a", 20, 80, 300.0, 60, 300.0, 60, False, None),
        ("a", 30, 60, 50.0, None, None, None, True, None),
        # b: short-paid half before the cut-off, the rest after it (unknown at the cut-off).
        ("b", 10, 40, 200.0, 50, 100.0, 150, False, None),
        # b: invoiced after the cut-off: not seen at all.
        ("b", 120, 150, 999.0, 150, 999.0, 150, False, None),
    ]
)


def test_features_at_the_cutoff_by_hand() -> None:
    rows = {r["customer_id"]: r for r in payment_features(ITEMS, CUTOFF, dispute_visible_days=0).to_pylist()}
    a, b = rows["a"], rows["b"]
    # DBT: (100·10 + 300·(−20) + 50·40) / 450 = −6.667
    assert a["days_beyond_terms"] == pytest.approx(-3000 / 450, abs=1e-4)
    assert a["late_share"] == pytest.approx(2 / 3)
    # PAYDEX per item (10 days late → 73.33, 20 early → 90, 40 late → 46.67), then value-weighted.
    assert a["paydex"] == pytest.approx((100 * 220 / 3 + 300 * 90 + 50 * 140 / 3) / 450, abs=1e-4)
    assert a["max_days_beyond_terms"] == 40
    assert (a["ar_current"], a["ar_31_60"], a["open_amount"]) == (0.0, 50.0, 50.0)
    assert a["dispute_rate"] == pytest.approx(1 / 3)
    assert a["invoice_count"] == 3 and a["invoiced_amount"] == 450
    # b: 100 still open 60 days after its due date at the cut-off; DBT 60 (not yet cleared).
    assert b["days_beyond_terms"] == 60
    assert (b["ar_31_60"], b["ar_61_90"], b["open_amount"]) == (100.0, 0.0, 100.0)
    assert b["short_pay_rate"] == 1.0
    assert b["invoice_count"] == 1  # the invoice after the cut-off is unknown


def test_disputes_count_only_once_visible() -> None:
    rows = {r["customer_id"]: r for r in payment_features(ITEMS, CUTOFF, dispute_visible_days=80).to_pylist()}
    assert rows["a"]["dispute_rate"] == 0.0  # only the invoice of day 0 is 80 days old


def test_labels_after_the_cutoff() -> None:
    late = items(
        [
            ("x", 90, 120, 100.0, None, None, None, False, None),  # never paid → 90+ DPD
            ("y", 90, 120, 100.0, 150, 100.0, 150, False, None),  # 30 days late only
            ("z", 90, 120, 100.0, None, None, None, True, None),  # disputed: not a delinquency
            ("w", 90, 120, 100.0, None, None, None, False, 140),  # written off
        ]
    )
    labels = delinquency_labels(late, CUTOFF, d(400)).to_pylist()
    assert {r["customer_id"]: r["label"] for r in labels} == {"x": 1, "y": 0, "z": 0, "w": 1}
    both = items(
        [
            ("m", 90, 120, 100.0, None, None, None, False, None),
            ("m", 90, 130, 300.0, 140, 300.0, 140, False, None),
        ]
    )
    assert delinquency_labels(both, CUTOFF, d(400), min_share=0.5).to_pylist()[0]["label"] == 0
    assert delinquency_labels(both, CUTOFF, d(400), min_share=0.2).to_pylist()[0]["label"] == 1


def test_an_unobservable_window_is_refused() -> None:
    with pytest.raises(ScoreInputError, match="outcome window"):
        delinquency_labels(ITEMS, CUTOFF, d(200), window_days=30)
    with pytest.raises(ScoreInputError, match="no outcome is observable"):
        delinquency_labels(ITEMS, CUTOFF, d(150))
