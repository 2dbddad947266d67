"""Shipping's ship-to sites: where each customer takes deliveries.

Each customer has ``1 + Poisson(λ)`` sites (λ = 2.0 enterprise, 0.6 mid-market,
0.15 small business; at most 8). The first site is the customer's own address in 70%
of cases (otherwise another street in the same city); further sites are elsewhere in
the country and named after the customer plus a site label ("Lager", "Warehouse",
"Entrepôt") and often the city. Counts and addresses come from the main stream;
name and address spellings from the variation stream.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from andmesh.generate import addresses, variants
from andmesh.generate import strings as s
from andmesh.generate.customers import Population
from andmesh.generate.geo import geo
from andmesh.generate.ids import Sequences, key_for, permute
from andmesh.generate.names import NameDraws
from andmesh.generate.schema import table
from andmesh.generate.variants import Keyed

TABLE = "shipping/ship_to_sites"
_EXTRA_SITES = (2.0, 0.6, 0.15)
_MAX_SITES = 8


@dataclass(frozen=True)
class Sites:
    """Ship-to sites, grouped by customer (``first[c] .. first[c] + count[c] - 1``)."""

    customer: np.ndarray
    first: np.ndarray
    count: np.ndarray
    site_id: pa.Array
    region: np.ndarray
    table: pa.Table


def draw(
    pop: Population,
    rng: np.random.Generator,
    vrng: np.random.Generator,
    seq: Sequences,
    keyed: Keyed,
    seed: int,
) -> Sites:
    """The ship-to sites of the block's customers."""
    g = geo()
    n = pop.n
    count = 1 + np.minimum(rng.poisson(np.asarray(_EXTRA_SITES)[pop.segment]), _MAX_SITES - 1)
    first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    cust = np.repeat(np.arange(n), count)
    rank = np.arange(cust.size) - first[cust]
    m = cust.size
    u = rng.random((m, 3))

    fresh = addresses.draw(rng, pop.country[cust])
    own = pop.address.take(cust)
    main = rank == 0
    same_city = main & (u[:, 0] >= 0.7)
    moved = replace(
        fresh,
        city=np.where(same_city, own.city, fresh.city),
        prefix=np.where(same_city, own.prefix, fresh.prefix),
    )
    at_home = np.flatnonzero(main & (u[:, 0] < 0.7))
    site_address = moved.replace(at_home, own.take(at_home))

    # Spellings: drawn per customer slot (up to 8 sites), so noise never shifts the stream.
    vu = vrng.random((n, _MAX_SITES, 4)).reshape(n * _MAX_SITES, 4)
    slot = cust * _MAX_SITES + rank
    draws = NameDraws.draw(vrng, n * _MAX_SITES).take(slot)
    stem = pop.stem.take(pa.array(cust))
    name = variants.name(stem, pop.legal_index[cust], draws, variants.SHIPPING, keyed, TABLE, "site_name")
    lang = g.country_lang[pop.country[cust]]
    label = s.take(g.site_labels.values, g.site_labels.pick(lang, u[:, 1]))
    city = s.take(g.cities.values, site_address.city)
    labelled = s.where(u[:, 2] < 0.5, s.join(stem, " ", label, " ", city), s.join(stem, " - ", label))
    name = s.where(~main | (u[:, 2] > 0.8), labelled, name)
    columns = variants.address(site_address, vu[slot], keyed, TABLE)

    number = permute(seq.next("site", m), 10_000_000, key_for(seed, "site"))
    site_id = s.ids("ST-", number, 7)
    sites = table(TABLE, {"ship_to_site_id": site_id, "site_name": name, **columns})
    return Sites(
        customer=cust,
        first=first,
        count=count,
        site_id=site_id,
        region=site_address.region,
        table=sites.sort_by("ship_to_site_id"),
    )
