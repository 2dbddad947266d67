"""Credit management: one credit file per customer, one credit decision per order.

Credit file: ``payment_terms_days`` by segment (shorter for unhealthy customers),
``credit_limit = spend_mean * max(2, purchase_rate * (terms + 30) / 365) * U(1, 3) *
(0.4 + health)`` (rounded; 0 for 30% of customers with health < 0.2), ``risk_class`` = credit's own rating of ``health + N(0, 0.1)``.

Decision for an order worth ``v`` against limit ``L``, customer health ``h``, late
propensity ``p``, ``distress`` = within 180 days before a default:

* ``P(hold) = sigmoid(-4.2 + 2.5 (1 - h) + 3 max(0, v / L - 0.4) + 2 distress
  + 0.6 review_due + p)`` (0.9 when ``L = 0``)
* a hold is a rejection with ``P = 0.03 + 0.35 (1 - h)^2 + 0.4 distress``;
  otherwise it is released after ``Gamma(2, 12 h)`` with ``P = 0.8 + 0.15 h - 0.3 distress``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate import taxids, variants
from andmesh.generate.clock import AS_OF_DAY, AS_OF_END_US, DAY_US, MINUTE_US, hours
from andmesh.generate.customers import Population, sigmoid
from andmesh.generate.ids import Sequences, key_for, permute
from andmesh.generate.names import NameDraws
from andmesh.generate.orders import CANCELLED, CONFIRMED, OPEN, Orders
from andmesh.generate.schema import dates, floats, ints, labels, table, timestamps
from andmesh.generate.settings import CANCEL_RATE, PAYMENT_TERMS
from andmesh.generate.variants import Keyed

FILES = "credit_management/credit_files"
DECISIONS = "credit_management/credit_decisions"
RISK_CLASSES = ("A", "B", "C", "D", "E")
DECISION_KINDS = ("approved", "held", "rejected")
HOLD_REASONS = ("over_limit", "overdue_items", "review_due")
_TERMS_WEIGHTS = ((0.0, 0.2, 0.25, 0.4, 0.15), (0.15, 0.5, 0.2, 0.15, 0.0), (0.4, 0.55, 0.05, 0.0, 0.0))


@dataclass(frozen=True)
class CreditFiles:
    """Per customer: credit file id, limit, terms, review date."""

    file_id: pa.Array
    limit: np.ndarray
    terms: np.ndarray
    review_day: np.ndarray
    table: pa.Table


@dataclass(frozen=True)
class Decisions:
    """Per order: what credit decided and when the order may proceed (-1: never/not yet)."""

    proceed_us: np.ndarray
    status: np.ndarray
    table: pa.Table


def draw_files(
    pop: Population, rng: np.random.Generator, vrng: np.random.Generator, keyed: Keyed, seed: int
) -> CreditFiles:
    """The credit file of every customer (attributes from the main stream, spellings from the variation stream)."""
    n = pop.n
    u = rng.random((n, 5))
    cum = np.cumsum(np.asarray(_TERMS_WEIGHTS), axis=1)[pop.segment]
    terms = np.asarray(PAYMENT_TERMS)[
        np.minimum((u[:, 0][:, None] > cum).sum(axis=1), len(PAYMENT_TERMS) - 1)
    ]
    terms = np.where(pop.health < 0.3, np.minimum(terms, 30), terms)
    exposure = pop.spend_mean * np.maximum(2.0, pop.purchase_rate * (terms + 30) / 365.0)
    limit = _round_limit(exposure * (1.0 + 2.0 * u[:, 1]) * (0.4 + pop.health))
    limit = np.where((pop.health < 0.2) & (u[:, 2] < 0.3), 0.0, limit)
    score = pop.health + 0.1 * rng.standard_normal(n)
    risk = np.searchsorted(-np.array([0.8, 0.65, 0.5, 0.35]), -score, side="right")
    review_day = AS_OF_DAY - (u[:, 3] * 540).astype(np.int64)

    vu = vrng.random((n, 7))
    draws = NameDraws.draw(vrng, n)
    legal_name = variants.name(pop.stem, pop.legal_index, draws, variants.CREDIT, keyed, FILES, "legal_name")
    style = np.searchsorted([0.4, 0.75], vu[:, 0])
    registration = taxids.registration_no(pop.tax_id, pop.country, style)
    typo = vu[:, 1] < keyed.rates.registration_no_typo
    keyed_registration = s.typos(registration, typo, np.ones(n, dtype=np.int64), vu[:, 2])
    keyed.tally.add(
        FILES,
        "registration_no",
        "typo",
        s.changed(registration, keyed_registration),
        n,
        "two digits transposed",
    )
    address = variants.address(pop.address, vu[:, 3:7], keyed, FILES, scale=0.5)
    file_id = s.ids("CF-", permute(pop.index, 1_000_000, key_for(seed, "credit")), 6)
    files = table(
        FILES,
        {
            "credit_file_id": file_id,
            "legal_name": legal_name,
            "registration_no": keyed_registration,
            **address,
            "credit_limit": floats(limit),
            "payment_terms_days": ints(terms),
            "risk_class": labels(RISK_CLASSES, risk),
            "last_review_date": dates(review_day),
        },
    )
    return CreditFiles(file_id, limit, terms, review_day, files.sort_by("credit_file_id"))


def _round_limit(value: np.ndarray) -> np.ndarray:
    """Round like a credit analyst: to 500 below 10k, 1,000 below 100k, else 5,000.

    >>> _round_limit(np.array([3_240.0, 48_700.0, 312_000.0])).tolist()
    [3000.0, 49000.0, 310000.0]
    """
    step = np.where(value < 10_000, 500.0, np.where(value < 100_000, 1_000.0, 5_000.0))
    return np.asarray(np.maximum(500.0, np.round(value / step) * step))


def decide(
    pop: Population,
    files: CreditFiles,
    orders: Orders,
    order_value: np.ndarray,
    rng: np.random.Generator,
    seq: Sequences,
) -> Decisions:
    """One credit decision per order placed early enough to have been checked."""
    m = orders.n
    c = orders.customer
    u = rng.random((m, 8))
    gap = rng.gamma(2.0, 12.0, m)
    health, late = pop.health[c], pop.late[c]
    limit = files.limit[c]
    ratio = order_value / np.maximum(limit, 1.0)
    distress = pop.distress(orders.day, c).astype(np.float64)
    review_due = (AS_OF_DAY - files.review_day[c] > 365).astype(np.float64)
    over = np.maximum(0.0, ratio - 0.4)
    p_hold = sigmoid(-4.2 + 2.5 * (1 - health) + 3.0 * over + 2.0 * distress + 0.6 * review_due + 1.0 * late)
    p_hold = np.where(limit <= 0, 0.9, p_hold)
    held = u[:, 0] < p_hold
    rejected = held & (u[:, 1] < 0.03 + 0.35 * (1 - health) ** 2 + 0.4 * distress)
    kind = np.where(rejected, 2, np.where(held, 1, 0))

    weights = np.stack(
        [0.2 + 3.0 * over + 5.0 * (limit <= 0), 0.2 + 1.5 * late + 2.0 * distress, 0.1 + review_due], axis=1
    )
    cum = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    reason = np.minimum((u[:, 2][:, None] > cum).sum(axis=1), 2)

    decided = orders.ts_us + (MINUTE_US * (1 + 19 * u[:, 3])).astype(np.int64)
    exists = decided <= AS_OF_END_US
    release_p = 0.8 + 0.15 * health - 0.3 * distress
    released = (kind == 1) & (u[:, 4] < release_p)
    released_us = decided + hours(gap)
    released_known = released & (released_us <= AS_OF_END_US)
    cancelled_by_customer = (kind == 0) & (u[:, 5] < CANCEL_RATE)
    proceed = np.where(
        (kind == 0) & ~cancelled_by_customer, decided, np.where(released_known, released_us, -1)
    )
    proceed = np.where(exists, proceed, -1)
    stale = (kind == 1) & ~released & (decided < AS_OF_END_US - 14 * DAY_US)
    status = np.where(proceed >= 0, CONFIRMED, OPEN)
    status = np.where(exists & ((kind == 2) | stale | cancelled_by_customer), CANCELLED, status)

    rows = np.flatnonzero(exists)
    decision_id = s.ids("CD", seq.next("decision", rows.size), 9)
    decisions = table(
        DECISIONS,
        {
            "decision_id": decision_id,
            "order_id": orders.order_id.take(pa.array(rows)),
            "credit_file_id": files.file_id.take(pa.array(c[rows])),
            "decided_at": timestamps(decided[rows]),
            "decision": labels(DECISION_KINDS, kind[rows]),
            "hold_reason": labels(HOLD_REASONS, reason[rows], kind[rows] != 1),
            "released_at": timestamps(released_us[rows], ~released_known[rows]),
        },
    )
    return Decisions(proceed, status, decisions)
