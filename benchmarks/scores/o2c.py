"""Order-to-Cash generator data → the plain tables the score methods read, keyed by TRUE customer.

Every record is mapped to its true ``customer_id`` through ``truth/record_map``: the
benchmark measures the accuracy of the scores alone, not that of entity resolution
(Customer 360 will feed the same methods from its resolved profile).

Tables (pyarrow):

* ``items`` — one row per invoice: ``customer_id``, ``invoice_date``, ``due_date``,
  ``amount`` (gross), ``first_paid_date``/``first_paid_amount`` (earliest payment day,
  all payments of that day), ``cleared_date`` (day the cumulative payments reached the
  gross amount − 0.01), ``disputed`` (AR's dispute flag), ``written_off_date``.
  Payments are de-duplicated on ``payment_id`` (the generator plants loaded-twice rows)
  and applied to ``matched_invoice_id``, else to ``remittance_invoice_id``.
* ``transactions`` — one row per invoice: ``customer_id``, ``date`` (invoice date),
  ``amount`` (net amount). No cost is generated, so margin = revenue (margin_rate 1).
* ``credit`` — ``customer_id``, ``credit_limit``, ``risk_class`` (credit's own A–E).
* ``truth`` — the generator's latent truth per customer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa

AS_OF = dt.date(2026, 9, 30)
CUTOFF = dt.date(2025, 9, 30)


def connect(data: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    views = {
        "invoices": "customer_invoicing/invoices/*.parquet",
        "payments": "payments_collection/payments/*.parquet",
        "open_items": "accounts_receivable/open_items/*.parquet",
        "record_map": "truth/record_map/*.parquet",
        "truth": "truth/customers/*.parquet",
    }
    for name, glob in views.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{data / glob}')")
    con.execute(
        f"CREATE VIEW credit_files AS SELECT * FROM read_csv('{data}/credit_management/credit_files/*.csv', "
        "header = true, types = {'credit_limit': 'DOUBLE', 'registration_no': 'VARCHAR', 'postcode': 'VARCHAR'})"
    )
    return con


ITEMS_SQL = """
WITH inv AS (
    SELECT i.invoice_id, m.customer_id, i.invoice_date, i.due_date, i.gross_amount, i.net_amount
    FROM invoices i
    JOIN record_map m
      ON m.domain = 'customer_invoicing' AND m."table" = 'invoices' AND m.record_id = i.invoice_id
),
pay AS (
    SELECT DISTINCT ON (payment_id) payment_id,
           coalesce(matched_invoice_id, remittance_invoice_id) AS invoice_id, amount, received_at
    FROM payments
),
per_day AS (
    SELECT invoice_id, received_at, sum(amount) AS amount FROM pay WHERE invoice_id IS NOT NULL GROUP BY ALL
),
running AS (
    SELECT d.*, sum(d.amount) OVER (PARTITION BY d.invoice_id ORDER BY d.received_at) AS paid_to_date,
           row_number() OVER (PARTITION BY d.invoice_id ORDER BY d.received_at) AS k
    FROM per_day d
),
settle AS (
    SELECT r.invoice_id,
           min(r.received_at) FILTER (WHERE r.k = 1) AS first_paid_date,
           min(r.amount) FILTER (WHERE r.k = 1) AS first_paid_amount,
           min(r.received_at) FILTER (WHERE r.paid_to_date >= inv.gross_amount - 0.01) AS cleared_date
    FROM running r JOIN inv USING (invoice_id)
    GROUP BY r.invoice_id
)
SELECT inv.customer_id, inv.invoice_id, inv.invoice_date, inv.due_date,
       inv.gross_amount AS amount, inv.net_amount,
       s.first_paid_date, s.first_paid_amount, s.cleared_date,
       coalesce(o.dispute_flag, false) AS disputed, o.written_off_at AS written_off_date
FROM inv
LEFT JOIN settle s USING (invoice_id)
LEFT JOIN open_items o USING (invoice_id)
"""

CREDIT_SQL = """
SELECT m.customer_id, max(c.credit_limit) AS credit_limit, max(c.risk_class) AS risk_class
FROM credit_files c
JOIN record_map m
  ON m.domain = 'credit_management' AND m."table" = 'credit_files' AND m.record_id = c.credit_file_id
GROUP BY m.customer_id
"""


def items(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(ITEMS_SQL).to_arrow_table()


def transactions(items_table: pa.Table) -> pa.Table:
    return pa.table(
        {
            "customer_id": items_table["customer_id"],
            "date": items_table["invoice_date"],
            "amount": items_table["net_amount"],
        }
    )


def credit(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(CREDIT_SQL).to_arrow_table()


def truth(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        "SELECT customer_id, segment, financial_health, late_propensity, default_propensity, purchase_rate, "
        "spend_mean, defaulted, CAST(default_date AS DATE) AS default_date, "
        "CAST(active_from AS DATE) AS active_from, CAST(active_until AS DATE) AS active_until FROM truth"
    ).to_arrow_table()


#: The scorecard's characteristics (all from payment behaviour, plus the credit file).
CREDIT_FEATURES = [
    "days_beyond_terms",
    "days_beyond_terms_recent",
    "late_share",
    "share_over_90",
    "max_days_beyond_terms",
    "ar_61_90",
    "ar_over_90",
    "dispute_rate",
    "short_pay_rate",
    "utilisation",
    "tenure_days",
    "credit_limit",
    "risk_class",
]


def ensure_data(data: Path | None, customers: int, seed: int, root: Path) -> Path:
    """``data`` when given, else generated data under ``root`` (kept between runs)."""
    import subprocess
    import sys

    if data is not None:
        return data
    target = root / f"o2c-{customers}-{seed}"
    if not (target / "truth" / "manifest.yaml").exists():
        subprocess.run(
            [sys.executable, "-m", "andmesh.cli", "generate", "order-to-cash", "--customers", str(customers),
             "--seed", str(seed), "--out", str(target), "--overwrite"],
            check=True,
        )  # fmt: skip
    return target


def features_at(items_table: pa.Table, credit_table: pa.Table, cutoff: dt.date) -> pa.Table:
    """Payment features at ``cutoff`` plus the credit file's limit, class and utilisation."""
    import numpy as np
    import pyarrow.compute as pc

    from andmesh.enterprise.scores.features import payment_features

    f = payment_features(items_table, cutoff).join(credit_table, "customer_id", join_type="left outer")
    limit = f["credit_limit"].to_numpy(zero_copy_only=False).astype(float)
    open_amount = f["open_amount"].to_numpy(zero_copy_only=False).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        util = np.where(limit > 0, open_amount / limit, np.nan)
    f = f.append_column("utilisation", pa.array(util, from_pandas=True))
    return f.sort_by("customer_id").combine_chunks() if pc.count(f["customer_id"]).as_py() else f
