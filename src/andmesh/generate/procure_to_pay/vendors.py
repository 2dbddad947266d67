"""The vendor population: identity by the Order-to-Cash company model, plus vendor latents.

A vendor is a company like a customer: :func:`andmesh.generate.customers.draw` gives
its name, legal form, address, tax id, tier (the segment), financial health, head
office/branch structure and activity window. On top, per vendor (``e ~ N(0, 1)``):

* ``on_time = sigmoid(1.0 + 3 (health − 0.6) + 0.7 e₁)``: probability a line arrives by
  its expected date; a late one arrives ``1 + Gamma(2, 1 + 4 (1 − health))`` days late
* ``short = 0.01 + 0.06 (1 − health)``: probability a line is delivered short
* ``e_invoicing`` by tier (55% / 35% / 15%); paper invoices lack the PO number on 30%
* discount terms (2/10, 1.5/14 or 3/10) offered by 45% / 40% / 30% by tier
* payment terms 30/45/60 days, category, by tier
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import addresses, customers, names
from andmesh.generate import strings as s
from andmesh.generate.customers import Population, sigmoid
from andmesh.generate.geo import geo
from andmesh.generate.procure_to_pay.schema import table
from andmesh.generate.procure_to_pay.settings import (
    CATEGORY_WEIGHTS,
    DISCOUNT_OFFERED,
    DISCOUNT_TERMS,
    DISCOUNT_TERMS_WEIGHTS,
    E_INVOICING,
    PAYMENT_TERMS,
    TERMS_WEIGHTS,
    TIERS,
    VENDOR_INDEX_OFFSET,
)
from andmesh.generate.schema import bools, dates, floats, labels


@dataclass(frozen=True)
class Vendors:
    """One block of vendors; ``pop`` holds the company identity, row ``i`` is vendor ``number[i]``."""

    pop: Population
    number: np.ndarray
    on_time: np.ndarray
    late_scale: np.ndarray
    short: np.ndarray
    e_invoicing: np.ndarray
    terms: np.ndarray
    category: np.ndarray
    discount_pct: np.ndarray
    discount_days: np.ndarray

    @property
    def n(self) -> int:
        return self.pop.n

    @property
    def tier(self) -> np.ndarray:
        return self.pop.segment


def vendor_ids(number: np.ndarray) -> pa.Array:
    """``V-`` + six digits (truth only: no unit knows this number)."""
    return s.ids("V-", number, 6)


def draw(rng: np.random.Generator, seed: int, first: int, n: int) -> Vendors:
    """Vendors ``first .. first + n - 1``."""
    pop = customers.draw(rng, seed, VENDOR_INDEX_OFFSET + first, n)
    u = rng.random((n, 6))
    e = rng.standard_normal(n)
    tier = pop.segment
    on_time = sigmoid(1.0 + 3.0 * (pop.health - 0.6) + 0.7 * e)
    terms = np.asarray(PAYMENT_TERMS)[_pick(np.asarray(TERMS_WEIGHTS)[tier], u[:, 0])]
    category = _pick(np.asarray(CATEGORY_WEIGHTS)[tier], u[:, 1])
    offered = u[:, 2] < np.asarray(DISCOUNT_OFFERED)[tier]
    which = _pick(np.tile(np.asarray(DISCOUNT_TERMS_WEIGHTS), (n, 1)), u[:, 3])
    pct = np.where(offered, np.asarray([t[0] for t in DISCOUNT_TERMS])[which], 0.0)
    days = np.where(offered, np.asarray([t[1] for t in DISCOUNT_TERMS])[which], 0)
    return Vendors(
        pop=pop,
        number=np.arange(first, first + n, dtype=np.int64),
        on_time=on_time,
        late_scale=1.0 + 4.0 * (1.0 - pop.health),
        short=0.01 + 0.06 * (1.0 - pop.health),
        e_invoicing=u[:, 4] < np.asarray(E_INVOICING)[tier],
        terms=terms.astype(np.int64),
        category=category,
        discount_pct=pct,
        discount_days=days.astype(np.int64),
    )


def _pick(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise weighted choice: the index whose cumulative weight first exceeds ``u``."""
    cum = np.cumsum(weights, axis=1)
    return np.minimum((u[:, None] * cum[:, -1:] > cum).sum(axis=1), weights.shape[1] - 1)


def truth_table(v: Vendors) -> pa.Table:
    """``truth/vendors``: canonical identity and latent truth of every vendor."""
    pop, a = v.pop, v.pop.address
    no = np.zeros(v.n, dtype=bool)
    form = s.take(geo().legal_forms.values, pop.legal_index)
    ids = vendor_ids(v.number)
    first = int(v.number[0]) if v.n else 0
    head = vendor_ids(np.maximum(pop.head_office, 0) + first)
    shares = vendor_ids(np.maximum(pop.shares_address_with, 0) + first)
    return table(
        "truth/vendors",
        {
            "vendor_id": ids,
            "name": names.with_legal_form(pop.stem, form),
            "name_stem": pop.stem,
            "legal_form": form,
            "street": addresses.street(a, no),
            "city": addresses.city(a, no, np.zeros(v.n)),
            "postcode": addresses.postcode(a, no),
            "country": addresses.country_code(a),
            "tax_id": pop.tax_id,
            "tier": labels(TIERS, v.tier),
            "financial_health": floats(np.round(pop.health, 6)),
            "on_time_propensity": floats(np.round(v.on_time, 6)),
            "e_invoicing": bools(v.e_invoicing),
            "discount_pct": floats(v.discount_pct),
            "head_office_of": s.null_where(pop.head_office < 0, head),
            "shares_address_with": s.null_where(pop.shares_address_with < 0, shares),
            "active_from": dates(pop.active_from),
            "active_until": dates(pop.active_to - 1),
        },
    )
