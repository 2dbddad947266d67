"""Payments collection: bank payments received, and dunning of overdue items.

Each payment shows the payer as the bank statement does (upper case, ASCII, cut to
18–70 characters) and a hash of the paying account: 8% of customers pay from a
second account for 40% of their payments. ``REMITTANCE_MISSING_RATE`` of payments
quote no invoice; cash application still matches 80% of those (99% of the others).

Dunning: an item unpaid ``DUNNING_OFFSETS`` (7, 21, 35, 60) days after its due date
gets level 1–4 (e-mail — a letter if the account has no e-mail —, letter, call,
collection agency), 0–2 days after the offset, unless it is disputed by then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.accounts import Accounts
from andmesh.generate.clock import AS_OF_DAY
from andmesh.generate.customers import Population
from andmesh.generate.ids import Sequences, key_for, permute
from andmesh.generate.invoicing import Invoices
from andmesh.generate.orders import Orders
from andmesh.generate.receivables import NEVER, Settlement
from andmesh.generate.schema import dates, floats, ints, labels, table
from andmesh.generate.settings import DEFECTS, DUNNING_CHANNELS, DUNNING_OFFSETS, REMITTANCE_MISSING_RATE
from andmesh.generate.tally import Tally

PAYMENTS = "payments_collection/payments"
DUNNING = "payments_collection/dunning_actions"
_SECOND_ACCOUNT_RATE = 0.08


@dataclass(frozen=True)
class Payments:
    """Payment rows (with planted duplicates) and, per distinct payment, its customer."""

    payment_id: pa.Array
    customer: np.ndarray
    table: pa.Table


def iban_hashes(pop: Population, seed: int) -> tuple[pa.Array, pa.Array]:
    """Two stable account hashes per customer (16 hex digits each)."""
    first = permute(pop.index, 1 << 32, key_for(seed, "iban-a")).astype(np.uint64)
    second = permute(pop.index, 1 << 32, key_for(seed, "iban-b")).astype(np.uint64)
    third = permute(pop.index, 1 << 32, key_for(seed, "iban-c")).astype(np.uint64)
    return _hex((first << np.uint64(32)) | second), _hex((second << np.uint64(32)) | third)


def pay(
    pop: Population,
    orders: Orders,
    inv: Invoices,
    settlement: Settlement,
    payer: pa.Array,
    ibans: tuple[pa.Array, pa.Array],
    rng: np.random.Generator,
    drng: np.random.Generator | None,
    seq: Sequences,
    defects: Tally,
) -> Payments:
    """Payments received by the as-of date, one or two per invoice."""
    m = orders.n
    first = np.flatnonzero(settlement.first_day < NEVER)
    second = np.flatnonzero(settlement.second_day < NEVER)
    invoice = np.concatenate([first, second])
    which = np.concatenate([np.zeros(first.size, dtype=np.int64), np.ones(second.size, dtype=np.int64)])
    day = np.concatenate([settlement.first_day[first], settlement.second_day[second]])
    amount = np.concatenate(
        [settlement.first_amount[first], np.round(inv.gross[second] - settlement.first_amount[second], 2)]
    )
    order = np.lexsort((which, invoice, day))
    invoice, which, day, amount = invoice[order], which[order], day[order], amount[order]
    n = invoice.size
    c = inv.customer[invoice]

    # Draws per (order, payment number): independent of how many invoices exist.
    cu = rng.random(pop.n)
    u = rng.random((m, 2, 3))[inv.order[invoice], which]
    second_account = (cu[c] < _SECOND_ACCOUNT_RATE) & (u[:, 0] < 0.4)
    iban = s.where(second_account, ibans[1].take(pa.array(c)), ibans[0].take(pa.array(c)))
    remitted = u[:, 1] >= REMITTANCE_MISSING_RATE
    matched = np.where(remitted, u[:, 2] < 0.99, u[:, 2] < 0.8)
    invoice_id = inv.invoice_id.take(pa.array(invoice))
    payment_id = s.ids("PAY", seq.next("payment", n), 10)
    payments = table(
        PAYMENTS,
        {
            "payment_id": payment_id,
            "payer_name": payer.take(pa.array(c)),
            "payer_iban_hash": iban,
            "amount": floats(amount),
            "currency": inv.currency.take(pa.array(invoice)),
            "received_at": dates(day),
            "remittance_invoice_id": s.null_where(~remitted, invoice_id),
            "matched_invoice_id": s.null_where(~matched, invoice_id),
        },
    )
    if drng is not None:
        dup = drng.random((m, 2))[inv.order[invoice], which] < DEFECTS.duplicate_payment
        rows = np.sort(np.concatenate([np.arange(n), np.flatnonzero(dup)]))
        payments = payments.take(pa.array(rows))
        defects.add(
            PAYMENTS,
            "payment_id",
            "duplicate_row",
            int(dup.sum()),
            n,
            "payment row loaded twice (same payment_id)",
        )
    return Payments(payment_id, c, payments)


def dun(
    inv: Invoices,
    settlement: Settlement,
    orders: Orders,
    accounts: Accounts,
    rng: np.random.Generator,
    seq: Sequences,
) -> pa.Table:
    """Dunning actions for items still unpaid at each level's date."""
    jitter = rng.integers(0, 3, (orders.n, len(DUNNING_OFFSETS)))[inv.order]
    stop = np.minimum(np.minimum(settlement.cleared_day, settlement.dispute_day), AS_OF_DAY + 1)
    when = inv.due_day[:, None] + np.asarray(DUNNING_OFFSETS)[None, :] + jitter
    act = when < stop[:, None]
    rows, level = np.nonzero(act)
    has_email = accounts.has_email[orders.account[inv.order[rows]]]
    channel = np.where((level == 0) & ~has_email, 1, level)
    return table(
        DUNNING,
        {
            "action_id": s.ids("DUN", seq.next("dunning", rows.size), 9),
            "invoice_id": inv.invoice_id.take(pa.array(rows)),
            "action_date": dates(when[rows, level]),
            "level": ints(level + 1),
            "channel": labels(DUNNING_CHANNELS, channel),
        },
    )


def _hex(values: np.ndarray) -> pa.Array:
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = (values[:, None] >> shifts[None, :]) & np.uint64(15)
    chars = digits[nibbles.astype(np.int64)]
    text = np.ascontiguousarray(chars).view("S16").ravel()
    return pa.array(text.astype(object), pa.binary()).cast(pa.string())
