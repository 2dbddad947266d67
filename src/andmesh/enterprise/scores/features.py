"""Payment-behaviour features and delinquency labels from invoice-level receivables.

Input: one row per invoice (an *item*), with what happened to it as far as known at
the data's as-of date. :func:`payment_features` rebuilds each customer's state **at a
cut-off** from those dates (a payment after the cut-off is unknown at the cut-off), so
features computed at a past cut-off never see the period they predict;
:func:`delinquency_labels` reads the outcome **after** it.

Days beyond terms (DBT) of an item due by the cut-off: ``cleared − due`` when it was
cleared by the cut-off (negative when early), else ``cut-off − due`` (still open: at
least that late). The value-weighted DBT is ``Σ amount · DBT / Σ amount``; the
``paydex`` is D&B's construction: each item's DBT mapped to PAYDEX points
(:func:`~andmesh.enterprise.scores.health.paydex`), then value-weighted,
``Σ amount · paydex(DBT) / Σ amount``.

Only the first payment and the clearing date are read: an item paid in more than two
instalments counts its middle instalments as unpaid until it clears (conservative).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from andmesh.enterprise.scores.health import paydex
from andmesh.enterprise.scores.inputs import Column, ScoreInputError, bind, days, factorize, floats, ids

_EPOCH = dt.date(1970, 1, 1)

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("customer_id", "id", "the customer"),
    Column("invoice_date", "date", "invoice date"),
    Column("due_date", "date", "due date (invoice date + terms)"),
    Column("amount", "numeric", "gross amount of the invoice"),
    Column("first_paid_date", "date", "date of the first payment (null: none by the as-of date)"),
    Column("first_paid_amount", "numeric", "amount of the first payment"),
    Column("cleared_date", "date", "date the item was paid in full (null: not by the as-of date)"),
    Column("disputed", "flag", "a dispute was raised on the item"),
    Column("written_off_date", "date", "date the item was written off (null: never)", required=False),
)

#: Feature columns :func:`payment_features` returns (besides ``customer_id``).
FEATURES = (
    "invoice_count",
    "invoiced_amount",
    "days_beyond_terms",
    "days_beyond_terms_recent",
    "paydex",
    "paydex_recent",
    "late_share",
    "share_over_90",
    "max_days_beyond_terms",
    "ar_current",
    "ar_1_30",
    "ar_31_60",
    "ar_61_90",
    "ar_over_90",
    "open_amount",
    "dispute_rate",
    "short_pay_rate",
    "written_off_amount",
    "tenure_days",
)


def _day(d: dt.date) -> float:
    return float((d - _EPOCH).days)


class _Items:
    def __init__(self, items: pa.Table, mapping: dict[str, str] | None) -> None:
        t = bind(items, ITEM_COLUMNS, "items", mapping)
        self.codes, self.keys = factorize(ids(t))
        self.k = len(self.keys)
        self.invoice = days(t, "invoice_date")
        self.due = days(t, "due_date")
        self.amount = np.nan_to_num(floats(t, "amount"))
        self.first = days(t, "first_paid_date")
        self.first_amount = np.nan_to_num(floats(t, "first_paid_amount"))
        self.cleared = days(t, "cleared_date")
        self.disputed = np.nan_to_num(floats(t, "disputed")) > 0
        self.written_off = (
            days(t, "written_off_date")
            if "written_off_date" in t.column_names
            else np.full(t.num_rows, np.nan)
        )

    def sum(self, weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes[mask], weights=weights[mask], minlength=self.k)

    def count(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes[mask], minlength=self.k).astype(np.float64)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def payment_features(
    items: pa.Table,
    cutoff: dt.date,
    *,
    history_days: int = 365,
    recent_days: int = 91,
    dispute_visible_days: int = 30,
    short_pay_tolerance: float = 0.01,
    columns: dict[str, str] | None = None,
) -> pa.Table:
    """One row per customer with an invoice up to ``cutoff``: the columns of :data:`FEATURES`.

    Windows end at the cut-off: DBT over items due in the last ``history_days`` (and
    ``recent_days`` for the trend), disputes over invoices dated at least
    ``dispute_visible_days`` before the cut-off (a dispute is raised some days after
    the invoice, and the items carry no dispute date), short payment = a first payment
    below the amount by more than ``short_pay_tolerance`` (relative).
    """
    it = _Items(items, columns)
    c = _day(cutoff)
    known = it.invoice <= c
    cleared = it.cleared <= c
    written = it.written_off <= c
    first_paid = it.first <= c
    paid = np.where(cleared, it.amount, np.where(first_paid, np.minimum(it.first_amount, it.amount), 0.0))
    open_amt = np.where(known & ~cleared & ~written, np.maximum(it.amount - paid, 0.0), 0.0)
    overdue = c - it.due

    due_hist = known & (it.due <= c) & (it.due > c - history_days)
    due_recent = due_hist & (it.due > c - recent_days)
    dbt = np.where(cleared, it.cleared - it.due, overdue)
    w_dbt = it.amount * dbt
    # D&B's way: each payment experience gets its PAYDEX points, then the points are value-weighted.
    w_pts = it.amount * paydex(dbt)

    inv_hist = known & (it.invoice > c - history_days)
    disp_pop = inv_hist & (it.invoice <= c - dispute_visible_days)
    short_pop = inv_hist & first_paid
    short = it.first_amount < it.amount * (1 - short_pay_tolerance)

    buckets = [
        open_amt * (overdue <= 0),
        open_amt * ((overdue > 0) & (overdue <= 30)),
        open_amt * ((overdue > 30) & (overdue <= 60)),
        open_amt * ((overdue > 60) & (overdue <= 90)),
        open_amt * (overdue > 90),
    ]
    present = it.count(known) > 0
    first_invoice = np.full(it.k, np.inf)
    np.minimum.at(first_invoice, it.codes[known], it.invoice[known])
    max_dbt = np.full(it.k, -np.inf)
    np.maximum.at(max_dbt, it.codes[due_hist], dbt[due_hist])
    out = {
        "invoice_count": it.count(inv_hist),
        "invoiced_amount": it.sum(it.amount, inv_hist),
        "days_beyond_terms": _ratio(it.sum(w_dbt, due_hist), it.sum(it.amount, due_hist)),
        "days_beyond_terms_recent": _ratio(it.sum(w_dbt, due_recent), it.sum(it.amount, due_recent)),
        "paydex": _ratio(it.sum(w_pts, due_hist), it.sum(it.amount, due_hist)),
        "paydex_recent": _ratio(it.sum(w_pts, due_recent), it.sum(it.amount, due_recent)),
        "late_share": _ratio(it.count(due_hist & (dbt > 0)), it.count(due_hist)),
        "share_over_90": _ratio(it.sum(it.amount, due_hist & (dbt > 90)), it.sum(it.amount, due_hist)),
        "max_days_beyond_terms": np.where(np.isfinite(max_dbt), max_dbt, np.nan),
        "ar_current": it.sum(buckets[0], known),
        "ar_1_30": it.sum(buckets[1], known),
        "ar_31_60": it.sum(buckets[2], known),
        "ar_61_90": it.sum(buckets[3], known),
        "ar_over_90": it.sum(buckets[4], known),
        "open_amount": it.sum(open_amt, known),
        "dispute_rate": _ratio(it.count(disp_pop & it.disputed), it.count(disp_pop)),
        "short_pay_rate": _ratio(it.count(short_pop & short), it.count(short_pop)),
        "written_off_amount": it.sum(it.amount, known & written),
        "tenure_days": np.where(np.isfinite(first_invoice), c - first_invoice, np.nan),
    }
    sel = np.flatnonzero(present)
    cols = {"customer_id": it.keys.take(pa.array(sel))}
    for name in FEATURES:
        cols[name] = pa.array(np.round(out[name][sel], 6), pa.float64(), from_pandas=True)
    return pa.table(cols)


def outcome_window(
    cutoff: dt.date, as_of: dt.date, days_past_due: int, window_days: int | None
) -> tuple[float, float]:
    """The cut-off and the last due date whose ``days_past_due`` outcome is known by ``as_of`` (epoch days).

    >>> outcome_window(dt.date(1970, 1, 11), dt.date(1970, 6, 1), 90, None)
    (10.0, 61.0)
    >>> outcome_window(dt.date(1970, 1, 11), dt.date(1970, 6, 1), 90, 30)
    (10.0, 40.0)
    """
    c, end = _day(cutoff), _day(as_of)
    last_due = end - days_past_due
    if window_days is not None:
        if c + window_days > last_due:
            raise ScoreInputError(
                f"outcome window ends {window_days} days after the cut-off, later than the last due date "
                f"whose {days_past_due}-day outcome is known by {as_of}",
                table="items",
                column="due_date",
                hint=f"use window_days ≤ {int(last_due - c)} or an earlier cut-off",
            )
        last_due = c + window_days
    if last_due <= c:
        raise ScoreInputError(
            f"no outcome is observable: cut-off {cutoff} is less than {days_past_due} days before {as_of}",
            table="items",
            column="due_date",
            hint="choose an earlier cut-off",
        )
    return c, last_due


def delinquency_labels(
    items: pa.Table,
    cutoff: dt.date,
    as_of: dt.date,
    *,
    days_past_due: int = 90,
    window_days: int | None = None,
    min_share: float = 0.0,
    exclude_disputed: bool = True,
    columns: dict[str, str] | None = None,
) -> pa.Table:
    """``label`` = 1 when items due after ``cutoff`` reached ``days_past_due`` or were written off.

    The customer is labelled when the amount of such items is more than ``min_share``
    of the amount due in the window (0: any item), the materiality threshold of the
    Basel definition of default (90 days past due on a material obligation, or
    unlikely to pay: written off).

    The outcome window holds the items due in ``(cutoff, cutoff + window_days]``;
    by default it ends ``days_past_due`` days before ``as_of``, the last due date whose
    outcome is observable. A window that ends later raises: its outcomes are not known
    yet. Disputed items are left out by default (a dispute is not a delinquency).
    Customers with no item due in the window get ``label`` 0 and ``items_due`` 0.

    >>> t = pa.table({"customer_id": ["a", "b", "b"], "invoice_date": pa.array([0, 0, 0], pa.date32()),
    ...     "due_date": pa.array([30, 30, 40], pa.date32()), "amount": [1.0, 1.0, 1.0],
    ...     "first_paid_date": pa.array([50, None, 60], pa.date32()), "first_paid_amount": [1.0, None, 1.0],
    ...     "cleared_date": pa.array([50, None, 60], pa.date32()), "disputed": [False, False, False]})
    >>> delinquency_labels(t, dt.date(1970, 1, 11), dt.date(1970, 6, 1)).to_pylist()
    [{'customer_id': 'a', 'label': 0, 'items_due': 1, 'share_past_due': 0.0}, {'customer_id': 'b', 'label': 1, 'items_due': 2, 'share_past_due': 0.5}]
    """
    it = _Items(items, columns)
    c, last_due = outcome_window(cutoff, as_of, days_past_due, window_days)
    in_window = (it.due > c) & (it.due <= last_due)
    if exclude_disputed:
        in_window &= ~it.disputed
    horizon = it.due + days_past_due
    late = ~(it.cleared <= horizon) | (it.written_off <= horizon)
    bad = it.sum(it.amount, in_window & late)
    due_amount = it.sum(it.amount, in_window)
    due = it.count(in_window)
    hit = (it.count(in_window & late) > 0) & (bad > min_share * due_amount)
    return pa.table(
        {
            "customer_id": it.keys,
            "label": pa.array(hit.astype(np.int64)),
            "items_due": pa.array(due.astype(np.int64)),
            "share_past_due": pa.array(np.round(_ratio(bad, due_amount), 6), from_pandas=True),
        }
    )


__all__ = ["FEATURES", "ITEM_COLUMNS", "delinquency_labels", "payment_features"]
