"""The customer population: latent truth, canonical identity, group structure.

Each customer has a latent financial health that drives everything downstream.
With ``z ~ N(0, 1)`` per customer and independent noises ``e``:

* ``financial_health = sigmoid(0.7 + 1.1 z + shift[segment])``
  (shift: enterprise +0.35, mid-market 0, small business -0.25)
* ``late_propensity = sigmoid(-1.0 - 1.4 z + 0.9 e_late)``
* ``default_propensity = sigmoid(-4.6 - 1.5 z + 0.6 e_default)``, the probability of
  defaulting within the two-year history; ``defaulted ~ Bernoulli(default_propensity)``
* ``purchase_rate = rate[segment] * exp(0.6 e_rate) * (0.7 + 0.6 health)`` orders/year
* ``spend_mean = spend[segment] * exp(0.5 e_spend)``, the mean order value

>>> round(float(sigmoid(np.array([0.7]))[0]), 3)  # health of an average mid-market customer
0.668

Structure: about 6% of customers are *branches* of a head office in the same block
(a different customer: own id, own tax id; name = head office's stem + the branch
city; 35% registered at the head office's address; health correlated 0.7 with the
head office's). About 3% share the street address of an unrelated company in the
same country (two companies in one building).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import addresses, names, taxids
from andmesh.generate import strings as s
from andmesh.generate.addresses import Addresses
from andmesh.generate.clock import AS_OF_DAY, START_DAY
from andmesh.generate.geo import geo
from andmesh.generate.schema import bools, dates, floats, labels, table
from andmesh.generate.settings import (
    SEGMENT_HEALTH_SHIFT,
    SEGMENT_PURCHASE_RATE,
    SEGMENT_SPEND,
    SEGMENT_WEIGHTS,
    SEGMENTS,
)

BRANCH_RATE = 0.06
BRANCH_AT_HEAD_OFFICE = 0.35
CO_LOCATED_RATE = 0.03
NEW_CUSTOMER_RATE = 0.2
CHURN_RATE = 0.12


def sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


@dataclass(frozen=True)
class Population:
    """One block of customers. Row ``i`` is customer number ``index[i]``."""

    index: np.ndarray
    segment: np.ndarray
    country: np.ndarray
    health: np.ndarray
    late: np.ndarray
    default_p: np.ndarray
    purchase_rate: np.ndarray
    spend_mean: np.ndarray
    defaulted: np.ndarray
    default_day: np.ndarray
    active_from: np.ndarray
    active_to: np.ndarray
    created_day: np.ndarray
    head_office: np.ndarray
    shares_address_with: np.ndarray
    stem: pa.Array
    legal_index: np.ndarray
    address: Addresses
    tax_id: pa.Array

    @property
    def n(self) -> int:
        return int(self.index.size)

    @property
    def lang(self) -> np.ndarray:
        return geo().country_lang[self.country]

    @property
    def currency(self) -> pa.Array:
        return s.take(geo().country_currency, self.country)

    def distress(self, day: np.ndarray, rows: np.ndarray, window: int = 180) -> np.ndarray:
        """Whether ``day`` falls in the ``window`` days before the customer's default."""
        d = self.default_day[rows]
        return self.defaulted[rows] & (day >= d - window) & (day < d + 1)


def customer_ids(index: np.ndarray) -> pa.Array:
    """``C-`` + six digits, numbered from 0 so one million customers fit the format."""
    return s.ids("C-", index, 6)


def draw(rng: np.random.Generator, seed: int, first: int, n: int) -> Population:
    """Draw customers ``first .. first + n - 1``."""
    g = geo()
    u = rng.random((n, 16))
    z = rng.standard_normal((n, 5))
    index = np.arange(first, first + n, dtype=np.int64)
    segment = np.searchsorted(np.cumsum(SEGMENT_WEIGHTS), u[:, 0] * sum(SEGMENT_WEIGHTS)).astype(np.int64)
    country = np.searchsorted(np.cumsum(g.country_weight), u[:, 1] * g.country_weight.sum()).astype(np.int64)
    country = np.minimum(country, g.country_weight.size - 1)
    segment = np.minimum(segment, len(SEGMENTS) - 1)

    # Branches: a different customer hanging off a head office in the same block.
    branch = u[:, 2] < BRANCH_RATE
    candidates = np.flatnonzero(~branch & (segment < 2))
    if candidates.size == 0:
        branch[:] = False
    head = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(branch)
    if rows.size:
        head[rows] = candidates[(u[rows, 3] * candidates.size).astype(np.int64)]
        country[rows] = country[head[rows]]
        segment[rows] = np.minimum(2, segment[head[rows]] + (u[rows, 4] < 0.5))
        z[rows, 0] = 0.7 * z[head[rows], 0] + np.sqrt(1 - 0.49) * z[rows, 0]

    shift = np.asarray(SEGMENT_HEALTH_SHIFT)[segment]
    health = sigmoid(0.7 + 1.1 * z[:, 0] + shift)
    late = sigmoid(-1.0 - 1.4 * z[:, 0] + 0.9 * z[:, 1])
    default_p = sigmoid(-4.6 - 1.5 * z[:, 0] + 0.6 * z[:, 2])
    purchase_rate = np.asarray(SEGMENT_PURCHASE_RATE)[segment] * np.exp(0.6 * z[:, 3]) * (0.7 + 0.6 * health)
    spend_mean = np.asarray(SEGMENT_SPEND)[segment] * np.exp(0.5 * z[:, 4])

    # Activity window [active_from, active_to) in epoch days.
    end = AS_OF_DAY + 1
    new = u[:, 5] < NEW_CUSTOMER_RATE
    active_from = np.where(new, START_DAY + (u[:, 6] * 700).astype(np.int64), START_DAY)
    created_day = np.where(
        new, active_from - (u[:, 7] * 14).astype(np.int64), START_DAY - 30 - (u[:, 7] * 4000).astype(np.int64)
    )
    span = end - active_from
    churn = (u[:, 8] < CHURN_RATE) & (span > 60)
    active_to = np.where(churn, active_from + 30 + (u[:, 9] * np.maximum(span - 30, 1)).astype(np.int64), end)
    lower = np.maximum(active_from + 60, START_DAY + 90)
    defaulted = (u[:, 10] < default_p) & (lower < AS_OF_DAY)
    default_day = np.where(
        defaulted, lower + (u[:, 11] * np.maximum(AS_OF_DAY - lower, 1)).astype(np.int64), -1
    )
    active_to = np.where(defaulted, np.minimum(active_to, default_day), active_to)

    # Identity.
    stem = names.draw_stems(rng, g.country_lang[country])
    legal_index = names.draw_legal_forms(rng, country)
    address = addresses.draw(rng, country)
    if rows.size:
        at_head = rows[u[rows, 12] < BRANCH_AT_HEAD_OFFICE]
        address = address.replace(at_head, address.take(head[at_head]))
        city = s.take(g.cities.values, address.city[rows])
        stem = s.scatter(
            n,
            [
                (np.flatnonzero(~branch), stem.take(pa.array(np.flatnonzero(~branch)))),
                (rows, s.join(stem.take(pa.array(head[rows])), " ", city)),
            ],
        )
        same_form = u[rows, 13] < 0.7
        legal_index[rows] = np.where(same_form, legal_index[head[rows]], legal_index[rows])

    shares = np.full(n, -1, dtype=np.int64)
    order = np.argsort(country, kind="stable")
    counts = np.bincount(country, minlength=g.country_weight.size)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    is_head = np.zeros(n, dtype=bool)
    is_head[head[rows]] = True
    co = np.flatnonzero(~branch & ~is_head & (u[:, 14] < CO_LOCATED_RATE))
    partner = order[starts[country[co]] + (u[co, 15] * counts[country[co]]).astype(np.int64)]
    is_co = np.zeros(n, dtype=bool)
    is_co[co] = True
    keep = (partner != co) & ~branch[partner] & ~is_co[partner]
    co, partner = co[keep], partner[keep]
    if co.size:
        address = address.replace(co, address.take(partner))
        shares[co] = partner

    return Population(
        index=index,
        segment=segment,
        country=country,
        health=health,
        late=late,
        default_p=default_p,
        purchase_rate=purchase_rate,
        spend_mean=spend_mean,
        defaulted=defaulted,
        default_day=default_day,
        active_from=active_from,
        active_to=active_to,
        created_day=created_day,
        head_office=head,
        shares_address_with=shares,
        stem=stem,
        legal_index=legal_index,
        address=address,
        tax_id=taxids.canonical(seed, index, country),
    )


def truth_table(pop: Population) -> pa.Table:
    """``truth/customers``: canonical identity and latent truth of every customer."""
    a = pop.address
    no = np.zeros(pop.n, dtype=bool)
    form = s.take(geo().legal_forms.values, pop.legal_index)
    ids = customer_ids(pop.index)
    head = ids.take(pa.array(np.maximum(pop.head_office, 0)))
    shares = ids.take(pa.array(np.maximum(pop.shares_address_with, 0)))
    return table(
        "truth/customers",
        {
            "customer_id": ids,
            "name": names.with_legal_form(pop.stem, form),
            "name_stem": pop.stem,
            "legal_form": form,
            "street": addresses.street(a, no),
            "city": addresses.city(a, no, np.zeros(pop.n)),
            "postcode": addresses.postcode(a, no),
            "country": addresses.country_code(a),
            "tax_id": pop.tax_id,
            "segment": labels(SEGMENTS, pop.segment),
            "financial_health": floats(np.round(pop.health, 6)),
            "late_propensity": floats(np.round(pop.late, 6)),
            "default_propensity": floats(np.round(pop.default_p, 6)),
            "purchase_rate": floats(np.round(pop.purchase_rate, 4)),
            "spend_mean": floats(np.round(pop.spend_mean, 2)),
            "defaulted": bools(pop.defaulted),
            "default_date": dates(pop.default_day, ~pop.defaulted),
            "head_office_of": s.null_where(pop.head_office < 0, head),
            "shares_address_with": s.null_where(pop.shares_address_with < 0, shares),
            "active_from": dates(pop.active_from),
            "active_until": dates(pop.active_to - 1),
        },
    )
