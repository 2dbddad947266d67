"""How each invoice gets paid (or not), and the AR ledger's open items at the as-of date.

For an invoice of customer ``c`` (health ``h``, late propensity ``p``) due on day ``D``
with terms ``T``; ``distress`` = due within 180 days before the customer's default:

* late with probability ``min(0.97, 0.05 + 0.85 p + 0.3 distress)``; a late payment
  arrives ``1 + Gamma(2, 1) * (3 + 25 p + 15 (1 - h)) * (1 + distress)`` days after
  ``D``; otherwise on ``D`` or (60%) up to ``0.3 T`` days early.
* disputed with probability ``0.01 + 0.04 (1 - h) + 0.06 late_delivery + 0.10
  short_shipment``, raised 3–22 days after the invoice; 70% are resolved 10–70 days
  later and then paid, the rest stay open.
* a defaulted customer pays nothing due from 75 days before its default date on;
  those items are written off 45–180 days after the default.
* ``0.03 + 0.05 p`` of payers pay 30–80% first and the rest 15–60 days later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate import variants
from andmesh.generate.clock import AS_OF_DAY
from andmesh.generate.customers import Population
from andmesh.generate.ids import Sequences, key_for, permute
from andmesh.generate.invoicing import Invoices
from andmesh.generate.logistics import Shipments
from andmesh.generate.names import NameDraws
from andmesh.generate.schema import bools, dates, floats, labels, table
from andmesh.generate.settings import DISPUTE_REASON_CAPTURED, PARTIAL_PAYMENT_BASE
from andmesh.generate.variants import Keyed
from andmesh.generate.vocab import DISPUTE_REASONS

ITEMS = "accounts_receivable/open_items"
ITEM_STATUSES = ("open", "paid", "partially_paid", "written_off", "disputed")
OPEN, PAID, PARTIAL, WRITTEN_OFF, DISPUTED = range(5)
NEVER = np.iinfo(np.int64).max // 4
_AR_FIELD_LENGTH = 35


@dataclass(frozen=True)
class Debtors:
    """AR's debtor master: one debtor per customer (AR merged duplicate accounts)."""

    ref: pa.Array
    name: pa.Array


@dataclass(frozen=True)
class Settlement:
    """Per invoice: payment days (``NEVER`` when not by the as-of date) and the AR state."""

    first_day: np.ndarray
    first_amount: np.ndarray
    second_day: np.ndarray
    cleared_day: np.ndarray
    dispute_day: np.ndarray
    written_off_day: np.ndarray
    status: np.ndarray
    open_amount: np.ndarray
    table: pa.Table


def debtors(pop: Population, vrng: np.random.Generator, keyed: Keyed, seed: int) -> Debtors:
    """Debtor numbers and names: upper case in 30% of records, cut to 35 characters."""
    n = pop.n
    draws = NameDraws.draw(vrng, n)
    upper = vrng.random(n) < 0.3
    name = variants.name(pop.stem, pop.legal_index, draws, variants.RECEIVABLES, keyed, ITEMS, "debtor_name")
    name = s.where(upper, s.upper(name), name)
    name = s.truncate(name, np.full(n, _AR_FIELD_LENGTH))
    ref = s.ids("D", permute(pop.index, 1_000_000, key_for(seed, "debtor")), 6)
    return Debtors(ref, name)


def settle(
    pop: Population,
    inv: Invoices,
    shipments: Shipments,
    debtors: Debtors,
    order_count: int,
    rng: np.random.Generator,
    seq: Sequences,
) -> Settlement:
    """Payment behaviour of every invoice and the open item AR shows for it."""
    k = inv.n
    c = inv.customer
    # Draws per order (not per invoice), so defects that drop an invoice shift nothing else.
    m = order_count
    u = rng.random((m, 14))[inv.order]
    spread = rng.gamma(2.0, 1.0, m)[inv.order]
    h, p = pop.health[c], pop.late[c]
    due = inv.due_day
    distress = pop.distress(due, c).astype(np.float64)

    late = u[:, 0] < np.minimum(0.97, 0.05 + 0.85 * p + 0.3 * distress)
    scale = (3 + 25 * p + 15 * (1 - h)) * (1 + distress)
    early = np.where(u[:, 2] < 0.6, np.floor(u[:, 1] * 0.3 * inv.terms), 0).astype(np.int64)
    pay_day = due + np.where(late, 1 + np.round(spread * scale).astype(np.int64), -early)
    pay_day = np.maximum(pay_day, inv.invoice_day)

    late_delivery = shipments.late[inv.shipment]
    short = shipments.short[inv.shipment]
    p_dispute = 0.01 + 0.04 * (1 - h) + 0.06 * late_delivery + 0.10 * short
    raised = inv.invoice_day + 3 + (u[:, 4] * 20).astype(np.int64)
    disputed = (u[:, 3] < p_dispute) & (raised <= AS_OF_DAY)
    resolved_day = np.where(disputed & (u[:, 5] < 0.7), raised + 10 + (u[:, 6] * 60).astype(np.int64), NEVER)
    pay_day = np.where(disputed, np.maximum(pay_day, resolved_day + (u[:, 7] * 10).astype(np.int64)), pay_day)

    defaulted = pop.defaulted[c] & (due >= pop.default_day[c] - 75)
    write_off = np.where(defaulted, pop.default_day[c] + 45 + (u[:, 8] * 135).astype(np.int64), NEVER)
    pay_day = np.where(defaulted, NEVER, pay_day)

    partial = ~defaulted & (u[:, 9] < PARTIAL_PAYMENT_BASE + 0.05 * p)
    first_amount = np.where(partial, np.round(inv.gross * (0.3 + 0.5 * u[:, 10]), 2), inv.gross)
    second_day = np.where(partial & (pay_day < NEVER), pay_day + 15 + (u[:, 11] * 45).astype(np.int64), NEVER)
    first_day = np.where(pay_day <= AS_OF_DAY, pay_day, NEVER)
    second_day = np.where(second_day <= AS_OF_DAY, second_day, NEVER)
    cleared = np.where(partial, second_day, first_day)
    written_off = write_off <= AS_OF_DAY

    status = np.full(k, OPEN)
    open_dispute = disputed & (resolved_day > AS_OF_DAY)
    status = np.where(open_dispute & (first_day == NEVER), DISPUTED, status)
    status = np.where(partial & (first_day < NEVER), PARTIAL, status)
    status = np.where(cleared < NEVER, PAID, status)
    status = np.where(written_off, WRITTEN_OFF, status)
    open_amount = np.where(status == PARTIAL, np.round(inv.gross - first_amount, 2), inv.gross)
    open_amount = np.where((status == PAID) | (status == WRITTEN_OFF), 0.0, open_amount)

    reason = (u[:, 12] * len(DISPUTE_REASONS)).astype(np.int64)
    no_reason = ~disputed | (u[:, 13] >= DISPUTE_REASON_CAPTURED)
    items = table(
        ITEMS,
        {
            "item_id": s.ids("OI", seq.next("item", k), 10),
            "invoice_id": inv.invoice_id,
            "debtor_ref": debtors.ref.take(pa.array(c)),
            "debtor_name": debtors.name.take(pa.array(c)),
            "original_amount": floats(inv.gross),
            "open_amount": floats(open_amount),
            "due_date": dates(due),
            "status": labels(ITEM_STATUSES, status),
            "dispute_flag": bools(disputed),
            "dispute_reason": labels(DISPUTE_REASONS, reason, no_reason),
            "written_off_at": dates(np.where(written_off, write_off, 0), ~written_off),
        },
    )
    return Settlement(
        first_day=first_day,
        first_amount=first_amount,
        second_day=np.where(partial, second_day, NEVER),
        cleared_day=np.where(written_off, write_off, cleared),
        dispute_day=np.where(disputed, raised, NEVER),
        written_off_day=np.where(written_off, write_off, NEVER),
        status=status,
        open_amount=open_amount,
        table=items,
    )
