"""The engine forms of the payment features and delinquency labels give the NumPy forms' rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from andmesh.enterprise.scores import features, features_sql
from andmesh.enterprise.scores.inputs import ScoreInputError

CUTOFF = dt.date(2025, 9, 30)
AS_OF = dt.date(2026, 9, 30)


def _items(seed: int, n: int = 4000, customers: int = 300) -> pa.Table:
    """Invoices around the cut-off: early, late, partial, open, written off, disputed, nulls everywhere."""
    rng = np.random.default_rng(seed)
    base = (CUTOFF - dt.date(1970, 1, 1)).days
    invoice = base + rng.integers(-500, 300, n)
    due = invoice + rng.choice([0, 14, 30, 60], n)
    first = due + rng.integers(-20, 200, n)
    cleared = first + rng.choice([0, 0, 10, 45], n)
    written = due + rng.integers(60, 400, n)
    amount = np.round(rng.gamma(2.0, 500.0, n), 2)
    first_amount = np.round(amount * rng.choice([1.0, 1.0, 0.5, 0.995], n), 2)

    def dates(values: np.ndarray, share: float) -> pa.Array:
        mask = rng.random(n) < share
        return pa.array(values.astype("int32"), pa.int32(), mask=mask).cast(pa.date32())

    ids = rng.integers(0, customers, n)
    return pa.table(
        {
            "customer_id": pa.array([f"C{i:04d}" for i in ids]),
            "invoice_date": dates(invoice, 0.01),
            "due_date": dates(due, 0.02),
            "amount": pa.array(amount, mask=rng.random(n) < 0.01),
            "first_paid_date": dates(first, 0.2),
            "first_paid_amount": pa.array(first_amount, mask=rng.random(n) < 0.2),
            "cleared_date": dates(cleared, 0.3),
            "disputed": pa.array(rng.random(n) < 0.05, mask=rng.random(n) < 0.05),
            "written_off_date": dates(written, 0.9),
        }
    )


def _run(items: pa.Table):  # type: ignore[no-untyped-def]
    con = duckdb.connect()
    con.register("items", items)
    return lambda sql: con.execute(sql).to_arrow_table()


def _same(engine: pa.Table, reference: pa.Table) -> None:
    """Same customers, same values: counts equal, sums to 1e-9 relative (another summation order)."""
    reference = reference.sort_by("customer_id")
    assert engine.column_names == reference.column_names
    assert engine.column("customer_id").to_pylist() == reference.column("customer_id").to_pylist()
    for name in engine.column_names[1:]:
        got = np.asarray(engine.column(name).to_numpy(zero_copy_only=False), np.float64)
        want = np.asarray(reference.column(name).to_numpy(zero_copy_only=False), np.float64)
        assert np.array_equal(np.isnan(got), np.isnan(want)), name
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=2e-6, err_msg=name)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_payment_features_in_the_engine_equal_numpy(seed: int) -> None:
    items = _items(seed)
    for cutoff in (CUTOFF, AS_OF):
        engine = features_sql.payment_features(_run(items), "SELECT * FROM items", items.schema, cutoff)
        assert engine.num_rows > 100
        _same(engine, features.payment_features(items, cutoff))


def test_payment_features_with_mapped_names_and_timestamps() -> None:
    items = _items(4)
    renamed = items.rename_columns(["cust", *items.column_names[1:]])
    stamped = renamed.set_column(
        1, "invoice_date", renamed.column("invoice_date").cast(pa.timestamp("us", tz="UTC"))
    )
    engine = features_sql.payment_features(
        _run(stamped), "SELECT * FROM items", stamped.schema, CUTOFF, columns={"customer_id": "cust"}
    )
    _same(engine, features.payment_features(items, CUTOFF))


@pytest.mark.parametrize(("seed", "min_share", "window"), [(5, 0.0, None), (6, 0.5, None), (7, 0.5, 200)])
def test_delinquency_labels_in_the_engine_equal_numpy(
    seed: int, min_share: float, window: int | None
) -> None:
    items = _items(seed)
    args: dict[str, Any] = {"min_share": min_share, "window_days": window}
    engine = features_sql.delinquency_labels(
        _run(items), "SELECT * FROM items", items.schema, CUTOFF, AS_OF, **args
    )
    _same(engine, features.delinquency_labels(items, CUTOFF, AS_OF, **args))
    assert 0 < sum(engine.column("label").to_pylist()) < engine.num_rows


def test_the_engine_forms_say_what_is_missing_as_the_numpy_forms_do() -> None:
    items = _items(8).drop_columns(["cleared_date"])
    with pytest.raises(ScoreInputError) as engine:
        features_sql.payment_features(_run(items), "SELECT * FROM items", items.schema, CUTOFF)
    with pytest.raises(ScoreInputError) as reference:
        features.payment_features(items, CUTOFF)
    assert str(engine.value) == str(reference.value)
    with pytest.raises(ScoreInputError, match="window"):
        features_sql.delinquency_labels(
            _run(_items(9)), "SELECT * FROM items", _items(9).schema, CUTOFF, AS_OF, window_days=400
        )
