"""Treasury's payments of vendor invoices.

A matched invoice whose vendor offers an early-payment discount is paid within the
discount period with probability 0.8 (the discount taken: ``gross · pct / 100``);
every other invoice is paid on its due date (0–2 days early), or late — with
probability 0.12, 0.55 when the invoice is blocked in matching — by
``1 + Gamma(2, 4)`` days. Only payments made by the as-of date exist. A vendor with a
second bank account is paid to it 40% of the time. Payment method by currency.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.clock import AS_OF_DAY
from andmesh.generate.ids import Sequences
from andmesh.generate.procure_to_pay.masters import Payees
from andmesh.generate.procure_to_pay.payables import Invoices
from andmesh.generate.procure_to_pay.schema import table
from andmesh.generate.procure_to_pay.settings import (
    BLOCKED_LATE_PAYMENT_RATE,
    DEFECTS,
    DISCOUNT_TAKE_RATE,
    LATE_PAYMENT_RATE,
)
from andmesh.generate.procure_to_pay.vendors import Vendors
from andmesh.generate.schema import dates, floats
from andmesh.generate.tally import Tally

PAYMENTS = "treasury/payments"
_METHODS = {"EUR": "sepa_credit_transfer", "USD": "ach", "GBP": "faster_payments"}


def pay(
    v: Vendors,
    inv: Invoices,
    payees: Payees,
    rng: np.random.Generator,
    drng: np.random.Generator | None,
    seq: Sequences,
    bad: Tally,
) -> tuple[pa.Table, np.ndarray]:
    """The payments table, and per payment the row of the invoice it pays."""
    u = rng.random((inv.n, 5))
    pct = v.discount_pct[inv.vendor]
    days = v.discount_days[inv.vendor]
    early = (pct > 0) & (inv.status == 0) & (u[:, 0] < DISCOUNT_TAKE_RATE)
    window_end = inv.day + days
    room = np.maximum(window_end - inv.received_day - 1, 0)
    early_day = np.minimum(inv.received_day + 1 + (u[:, 1] * room).astype(np.int64), window_end)
    early &= inv.received_day < window_end
    late_p = np.where(inv.status == 0, LATE_PAYMENT_RATE, BLOCKED_LATE_PAYMENT_RATE)
    late = u[:, 2] < late_p
    late_days = 1 + np.ceil(rng.gamma(2.0, 4.0, inv.n))
    on_due = inv.due_day - (u[:, 3] * 3).astype(np.int64)
    day = np.where(early, early_day, np.where(late, inv.due_day + late_days, on_due)).astype(np.int64)
    day = np.maximum(day, inv.received_day)
    rows = np.flatnonzero(day <= AS_OF_DAY)
    discount = np.where(early, np.round(inv.gross * pct / 100.0, 2), 0.0)[rows]
    second = payees.second[inv.vendor[rows]]
    account = np.where((second >= 0) & (u[rows, 4] < 0.4), second, inv.vendor[rows])
    currency = v.pop.currency.take(pa.array(inv.vendor[rows]))
    method = currency
    for code, name in _METHODS.items():
        method = s.where(np.asarray(currency.to_numpy(zero_copy_only=False)) == code, name, method)
    payments = table(
        PAYMENTS,
        {
            "payment_id": s.ids("PM", seq.next("payment", rows.size), 10),
            "invoice_id": inv.invoice_id.take(pa.array(rows)),
            "payee_id": payees.payee_id.take(pa.array(account)),
            "paid_date": dates(day[rows]),
            "amount": floats(np.round(inv.gross[rows] - discount, 2)),
            "discount_taken": floats(discount),
            "currency": currency,
            "payment_method": method,
        },
    )
    paid = rows
    if drng is not None:
        again = np.flatnonzero(drng.random(rows.size) < DEFECTS.duplicate_payment)
        bad.add(PAYMENTS, "payment_id", "duplicate_row", again.size, rows.size, "payment loaded twice")
        if again.size:
            payments = pa.concat_tables([payments, payments.take(pa.array(again))])
            paid = np.concatenate([rows, rows[again]])
    return payments, paid
