"""The vocabulary flattened into NumPy/Arrow lookup tables, built once per process.

Per-language and per-country lists become one flat array plus ``first``/``count``
offsets, so a word can be drawn for every row at once:
``index = first[group] + floor(u * count[group])``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa

from andmesh.generate.strings import vocab
from andmesh.generate.vocab import COUNTRIES, LANGUAGES

LANG_CODES: tuple[str, ...] = tuple(LANGUAGES)
COUNTRY_CODES: tuple[str, ...] = tuple(c.code for c in COUNTRIES)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Flat:
    """A flattened list of lists: ``values[first[g] : first[g] + count[g]]`` is group g."""

    values: pa.Array
    first: np.ndarray
    count: np.ndarray

    def pick(self, group: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One index into ``values`` per row, uniform within the row's group."""
        g = np.asarray(group, dtype=np.int64)
        return self.first[g] + np.minimum((u * self.count[g]).astype(np.int64), self.count[g] - 1)


def _flat(groups: Sequence[Sequence[str]]) -> Flat:
    count = np.array([len(g) for g in groups], dtype=np.int64)
    first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    return Flat(vocab([w for g in groups for w in g]), first, count)


@dataclass(frozen=True)
class Geo:
    """Every lookup table the generator draws from."""

    country_lang: np.ndarray
    country_weight: np.ndarray
    country_currency: pa.Array
    country_vat: np.ndarray
    country_tld: pa.Array
    country_phone: pa.Array
    country_code: pa.Array
    industry_first: np.ndarray
    surnames: Flat
    industries: Flat
    places: Flat
    modifiers: Flat
    branch_labels: Flat
    site_labels: Flat
    email_locals: Flat
    accounts_payable: pa.Array
    brand_heads: pa.Array
    brand_tails: pa.Array
    street_names: Flat
    street_long: Flat
    street_short: pa.Array
    street_glued: np.ndarray
    cities: Flat
    city_country: np.ndarray
    city_region: np.ndarray
    city_alts: Flat
    city_prefixes: Flat
    legal_forms: Flat
    legal_weight: np.ndarray
    legal_variants: Flat
    postcode_letters: pa.Array


@cache
def geo() -> Geo:
    """The lookup tables (built on first use, then shared)."""
    from andmesh.generate.vocab import BRAND_HEADS, BRAND_TAILS

    langs = [LANGUAGES[c] for c in LANG_CODES]
    cities = [city for country in COUNTRIES for city in country.cities]
    city_counts = [len(c.cities) for c in COUNTRIES]
    forms = [form for country in COUNTRIES for form in country.legal_forms]
    regions = ("north", "south", "east", "west")
    return Geo(
        country_lang=np.array([LANG_CODES.index(c.language) for c in COUNTRIES], dtype=np.int64),
        country_weight=np.array([c.weight for c in COUNTRIES]) / sum(c.weight for c in COUNTRIES),
        country_currency=vocab([c.currency for c in COUNTRIES]),
        country_vat=np.array([c.vat_rate for c in COUNTRIES]),
        country_tld=vocab([c.tld for c in COUNTRIES]),
        country_phone=vocab([c.phone_prefix for c in COUNTRIES]),
        country_code=vocab(COUNTRY_CODES),
        industry_first=np.array([lang.industry_first for lang in langs]),
        surnames=_flat([lang.surnames for lang in langs]),
        industries=_flat([lang.industries for lang in langs]),
        places=_flat([lang.places for lang in langs]),
        modifiers=_flat([lang.modifiers for lang in langs]),
        branch_labels=_flat([lang.branch_labels for lang in langs]),
        site_labels=_flat([lang.site_labels for lang in langs]),
        email_locals=_flat([lang.email_locals for lang in langs]),
        accounts_payable=vocab([lang.accounts_payable for lang in langs]),
        brand_heads=vocab(BRAND_HEADS),
        brand_tails=vocab(BRAND_TAILS),
        street_names=_flat([lang.street_names for lang in langs]),
        street_long=_flat([[t.long for t in lang.street_types] for lang in langs]),
        street_short=vocab([t.short for lang in langs for t in lang.street_types]),
        street_glued=np.array([t.glued for lang in langs for t in lang.street_types]),
        cities=_flat([[city.names[0] for city in c.cities] for c in COUNTRIES]),
        city_country=np.repeat(np.arange(len(COUNTRIES)), city_counts),
        city_region=np.array([regions.index(city.region) for city in cities], dtype=np.int64),
        city_alts=_flat([city.names[1:] or (city.names[0].upper(),) for city in cities]),
        city_prefixes=_flat([city.prefixes for city in cities]),
        legal_forms=_flat([[f.canonical for f in c.legal_forms] for c in COUNTRIES]),
        legal_weight=np.array([f.weight for f in forms]),
        legal_variants=_flat([f.variants for f in forms]),
        postcode_letters=vocab([a + b for a in POSTCODE_LETTERS for b in POSTCODE_LETTERS]),
    )


def weighted_pick(flat: Flat, weight: np.ndarray, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One index per row into ``flat.values``, by ``weight`` within the row's group."""
    cum = np.zeros_like(weight)
    for k in range(flat.first.size):
        lo, hi = flat.first[k], flat.first[k] + flat.count[k]
        w = weight[lo:hi]
        cum[lo:hi] = np.cumsum(w) / w.sum()
    groups = np.asarray(group, dtype=np.int64)
    out = flat.first[groups].copy()
    # Advance while u is past the cumulative weight of the current entry (lists are short).
    last = flat.first[groups] + flat.count[groups] - 1
    for _ in range(int(flat.count.max()) - 1):
        out = out + ((u > cum[out]) & (out < last))
    return out
