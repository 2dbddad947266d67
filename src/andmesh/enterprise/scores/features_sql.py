"""Payment features and delinquency labels computed by the engine: one row per customer leaves it.

:func:`~andmesh.enterprise.scores.features.payment_features` and
:func:`~andmesh.enterprise.scores.features.delinquency_labels` read every invoice into
NumPy (3 M items at 200,000 customers, 15 M at 1,000,000, with a dozen per-item arrays
beside them). When a score's items come from SQL, the service runs these forms instead:
one ``GROUP BY customer`` over the items query gives the per-customer sums, counts and
extremes, so the engine's memory limit (spilling to disk) bounds the work, and Python
only divides and rounds one row per customer. The definitions are those of
``features.py`` (its docstrings hold them), written once more in SQL; every sum is the
same sum, in another order (floating-point sums then agree to ~1e-12 relative, and the
features are rounded to 6 decimals as before). `tests/enterprise/scores/test_features_sql.py`
holds the two forms to the same rows.

Each form takes the items query (already guarded), the schema it returns, a function that
runs SQL on the session holding the query's tables, and the builder's arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any

import numpy as np
import pyarrow as pa

from andmesh.enterprise.scores.features import FEATURES, ITEM_COLUMNS, _day, _ratio, outcome_window
from andmesh.enterprise.scores.health import PAYDEX_KNOTS
from andmesh.enterprise.scores.inputs import bind

#: Runs one query (DuckDB's dialect) on the session that holds the items query's tables.
Run = Callable[[str], pa.Table]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _items(items_sql: str, schema: pa.Schema, mapping: Mapping[str, str] | None) -> str:
    """The items as the builders read them: mapped names, days since 1970 as numbers, nulls as theirs.

    The schema is checked with the builders' own ``bind`` (same errors for a missing or
    mistyped column). Dates and timestamps become days since 1970-01-01 (a timestamp's
    UTC day, floored, as ``inputs.days``); a missing amount counts 0 and a missing flag
    false, as ``nan_to_num`` does.
    """
    bound = bind(schema.empty_table(), ITEM_COLUMNS, "items", mapping)
    col = {c.name: _q((mapping or {}).get(c.name, c.name)) for c in ITEM_COLUMNS}

    def day(name: str) -> str:
        if name not in bound.column_names:
            return "CAST(NULL AS DOUBLE)"
        return f"floor(epoch({col[name]}) / 86400)"

    return (
        f"SELECT CAST({col['customer_id']} AS VARCHAR) AS customer_id, "
        f"{day('invoice_date')} AS inv, {day('due_date')} AS due, {day('first_paid_date')} AS fp, "
        f"{day('cleared_date')} AS clr, {day('written_off_date')} AS wo, "
        f"COALESCE(CAST({col['amount']} AS DOUBLE), 0) AS amount, "
        f"COALESCE(CAST({col['first_paid_amount']} AS DOUBLE), 0) AS first_amount, "
        f"COALESCE(CAST({col['disputed']} AS DOUBLE), 0) > 0 AS disputed "
        f"FROM ({items_sql}) AS src"
    )


def _paydex(x: str) -> str:
    """``paydex(x)`` (piecewise linear through ``PAYDEX_KNOTS``, flat beyond the ends) in SQL.

    >>> _paydex("d").startswith("CASE WHEN d IS NULL THEN NULL WHEN d <= -30.0 THEN 100.0")
    True
    """
    knots = [(float(a), float(b)) for a, b in PAYDEX_KNOTS]
    parts = [f"WHEN {x} IS NULL THEN NULL", f"WHEN {x} <= {knots[0][0]!r} THEN {knots[0][1]!r}"]
    for (x0, y0), (x1, y1) in pairwise(knots):
        slope = (y1 - y0) / (x1 - x0)
        parts.append(f"WHEN {x} < {x1!r} THEN {slope!r} * ({x} - {x0!r}) + {y0!r}")
    parts.append(f"ELSE {knots[-1][1]!r}")
    return "CASE " + " ".join(parts) + " END"


def _num(value: float) -> str:
    return f"CAST({float(value)!r} AS DOUBLE)"


def payment_features(
    run: Run,
    items_sql: str,
    schema: pa.Schema,
    cutoff: dt.date,
    *,
    history_days: int = 365,
    recent_days: int = 91,
    dispute_visible_days: int = 30,
    short_pay_tolerance: float = 0.01,
    columns: dict[str, str] | None = None,
) -> pa.Table:
    """:func:`features.payment_features` with the per-item work in the engine (rows by customer id)."""
    c = _day(cutoff)
    cn = _num(c)
    flags = (
        f"SELECT *, COALESCE(inv <= {cn}, FALSE) AS known, COALESCE(clr <= {cn}, FALSE) AS cleared, "
        f"COALESCE(wo <= {cn}, FALSE) AS written, COALESCE(fp <= {cn}, FALSE) AS first_paid, "
        f"{cn} - due AS overdue FROM ({_items(items_sql, schema, columns)}) AS i"
    )
    derived = (
        "SELECT *, "
        "CASE WHEN known AND NOT cleared AND NOT written THEN greatest(amount - "
        "(CASE WHEN cleared THEN amount WHEN first_paid THEN least(first_amount, amount) ELSE 0 END), 0) "
        "ELSE 0 END AS open_amt, "
        f"COALESCE(known AND due <= {cn} AND due > {_num(c - history_days)}, FALSE) AS due_hist, "
        f"COALESCE(due > {_num(c - recent_days)}, FALSE) AS recent, "
        "CASE WHEN cleared THEN clr - due ELSE overdue END AS dbt, "
        f"{_paydex('CASE WHEN cleared THEN clr - due ELSE overdue END')} AS pts, "
        f"COALESCE(known AND inv > {_num(c - history_days)}, FALSE) AS inv_hist, "
        f"COALESCE(inv <= {_num(c - dispute_visible_days)}, FALSE) AS disp_seen, "
        f"first_amount < amount * {_num(1 - short_pay_tolerance)} AS short "
        f"FROM ({flags}) AS f"
    )

    def total(value: str, where: str) -> str:
        # A filtered sum (0 when no item passes, as `np.bincount`): DuckDB skips the rows early.
        return f"COALESCE(SUM({value}) FILTER (WHERE {where}), 0)"

    def count(where: str) -> str:
        return f"COUNT(*) FILTER (WHERE {where})"

    aggregates = {
        "known_n": count("known"),
        "inv_n": count("inv_hist"),
        "inv_amt": total("amount", "inv_hist"),
        "due_amt": total("amount", "due_hist"),
        "due_wdbt": total("amount * dbt", "due_hist"),
        "due_wpts": total("amount * pts", "due_hist"),
        "rec_amt": total("amount", "due_hist AND recent"),
        "rec_wdbt": total("amount * dbt", "due_hist AND recent"),
        "rec_wpts": total("amount * pts", "due_hist AND recent"),
        "due_n": count("due_hist"),
        "late_n": count("due_hist AND dbt > 0"),
        "over90_amt": total("amount", "due_hist AND dbt > 90"),
        "max_dbt": "MAX(dbt) FILTER (WHERE due_hist)",
        "ar_current": total("open_amt", "known AND COALESCE(overdue <= 0, FALSE)"),
        "ar_1_30": total("open_amt", "known AND COALESCE(overdue > 0 AND overdue <= 30, FALSE)"),
        "ar_31_60": total("open_amt", "known AND COALESCE(overdue > 30 AND overdue <= 60, FALSE)"),
        "ar_61_90": total("open_amt", "known AND COALESCE(overdue > 60 AND overdue <= 90, FALSE)"),
        "ar_over_90": total("open_amt", "known AND COALESCE(overdue > 90, FALSE)"),
        "open_amount": total("open_amt", "known"),
        "disp_n": count("inv_hist AND disp_seen"),
        "disp_hit": count("inv_hist AND disp_seen AND disputed"),
        "short_n": count("inv_hist AND first_paid"),
        "short_hit": count("inv_hist AND first_paid AND short"),
        "written_amt": total("amount", "known AND written"),
        "first_inv": "MIN(inv) FILTER (WHERE known)",
    }
    select = ", ".join(f"CAST({expr} AS DOUBLE) AS {name}" for name, expr in aggregates.items())
    sums = run(
        f"SELECT customer_id, {select} FROM ({derived}) AS d GROUP BY customer_id "
        f"HAVING COUNT(*) FILTER (WHERE known) > 0 ORDER BY customer_id"
    )
    s = {name: _floats(sums, name) for name in aggregates}
    out = {
        "invoice_count": s["inv_n"],
        "invoiced_amount": s["inv_amt"],
        "days_beyond_terms": _ratio(s["due_wdbt"], s["due_amt"]),
        "days_beyond_terms_recent": _ratio(s["rec_wdbt"], s["rec_amt"]),
        "paydex": _ratio(s["due_wpts"], s["due_amt"]),
        "paydex_recent": _ratio(s["rec_wpts"], s["rec_amt"]),
        "late_share": _ratio(s["late_n"], s["due_n"]),
        "share_over_90": _ratio(s["over90_amt"], s["due_amt"]),
        "max_days_beyond_terms": s["max_dbt"],
        "ar_current": s["ar_current"],
        "ar_1_30": s["ar_1_30"],
        "ar_31_60": s["ar_31_60"],
        "ar_61_90": s["ar_61_90"],
        "ar_over_90": s["ar_over_90"],
        "open_amount": s["open_amount"],
        "dispute_rate": _ratio(s["disp_hit"], s["disp_n"]),
        "short_pay_rate": _ratio(s["short_hit"], s["short_n"]),
        "written_off_amount": s["written_amt"],
        "tenure_days": c - s["first_inv"],
    }
    cols: dict[str, Any] = {"customer_id": sums.column("customer_id").cast(pa.string())}
    for name in FEATURES:
        cols[name] = pa.array(np.round(out[name], 6), pa.float64(), from_pandas=True)
    return pa.table(cols)


def delinquency_labels(
    run: Run,
    items_sql: str,
    schema: pa.Schema,
    cutoff: dt.date,
    as_of: dt.date,
    *,
    days_past_due: int = 90,
    window_days: int | None = None,
    min_share: float = 0.0,
    exclude_disputed: bool = True,
    columns: dict[str, str] | None = None,
) -> pa.Table:
    """:func:`features.delinquency_labels` with the per-item work in the engine (rows by customer id)."""
    c, last_due = outcome_window(cutoff, as_of, days_past_due, window_days)
    window = f"COALESCE(due > {_num(c)} AND due <= {_num(last_due)}, FALSE)"
    if exclude_disputed:
        window += " AND NOT disputed"
    late = (
        f"(NOT COALESCE(clr <= due + {days_past_due}, FALSE) OR COALESCE(wo <= due + {days_past_due}, FALSE))"
    )
    sums = run(
        "SELECT customer_id, "
        f"CAST(SUM(CASE WHEN {window} AND {late} THEN amount ELSE 0 END) AS DOUBLE) AS bad, "
        f"CAST(SUM(CASE WHEN {window} THEN amount ELSE 0 END) AS DOUBLE) AS due_amount, "
        f"COUNT(*) FILTER (WHERE {window}) AS due_n, "
        f"COUNT(*) FILTER (WHERE {window} AND {late}) AS late_n "
        f"FROM ({_items(items_sql, schema, columns)}) AS i GROUP BY customer_id ORDER BY customer_id"
    )
    bad, due_amount = _floats(sums, "bad"), _floats(sums, "due_amount")
    due, late_n = _floats(sums, "due_n"), _floats(sums, "late_n")
    hit = (late_n > 0) & (bad > min_share * due_amount)
    return pa.table(
        {
            "customer_id": sums.column("customer_id").cast(pa.string()),
            "label": pa.array(hit.astype(np.int64)),
            "items_due": pa.array(due.astype(np.int64)),
            "share_past_due": pa.array(np.round(_ratio(bad, due_amount), 6), from_pandas=True),
        }
    )


def _floats(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


#: Builders (``build.function``) that have an engine form here.
ENGINE_FORMS: dict[str, Callable[..., pa.Table]] = {
    "payment_features": payment_features,
    "delinquency_labels": delinquency_labels,
}

__all__ = ["ENGINE_FORMS", "Run", "delinquency_labels", "payment_features"]
