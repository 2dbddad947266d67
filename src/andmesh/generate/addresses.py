"""Postal addresses: drawn once as numbers, rendered as each system writes them.

An address is kept as components (city, street name, street type, house number,
postcode digits…), so the same place can be rendered in the canonical form
("Schillerstraße 12", "10115") or in a variant another unit keyed
("Schillerstr. 12", "D-10115") without any string parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.geo import COUNTRY_CODES, LANG_CODES, geo

_DE, _GB, _US, _FR, _NL, _ES, _IT = (
    COUNTRY_CODES.index(c) for c in ("DE", "GB", "US", "FR", "NL", "ES", "IT")
)
_LETTER_PREFIX = {_DE: "D-", _FR: "F-", _ES: "E-", _IT: "I-"}


@dataclass(frozen=True)
class Addresses:
    """Address components, one row per address; indexes point into :func:`geo` tables."""

    country: np.ndarray
    city: np.ndarray
    prefix: np.ndarray
    post_digits: np.ndarray
    post_letters: np.ndarray
    street_name: np.ndarray
    street_type: np.ndarray
    number: np.ndarray
    suite: np.ndarray

    def __len__(self) -> int:
        return int(self.country.size)

    def take(self, rows: np.ndarray) -> Addresses:
        """The addresses at ``rows`` (repeats allowed)."""
        return Addresses(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    def replace(self, rows: np.ndarray, other: Addresses) -> Addresses:
        """A copy with ``rows`` taken from ``other`` (same length as ``rows``)."""
        values = {}
        for f in fields(self):
            column = getattr(self, f.name).copy()
            column[rows] = getattr(other, f.name)
            values[f.name] = column
        return Addresses(**values)

    @property
    def region(self) -> np.ndarray:
        """Sales region index (north, south, east, west) of the city."""
        return geo().city_region[self.city]


def draw(rng: np.random.Generator, country: np.ndarray) -> Addresses:
    """A random business address in each row's country."""
    g = geo()
    n = country.size
    u = rng.random((n, 7))
    lang = g.country_lang[country]
    city = g.cities.pick(country, u[:, 0])
    street_type = g.street_long.pick(lang, u[:, 3])
    number = np.where(
        country == _US, 100 + (u[:, 4] * 9900).astype(np.int64), 1 + (u[:, 4] ** 2 * 180).astype(np.int64)
    )
    suite = np.where((country == _US) & (u[:, 5] < 0.25), 100 + (u[:, 6] * 900).astype(np.int64), 0)
    return Addresses(
        country=country,
        city=city,
        prefix=g.city_prefixes.pick(city, u[:, 1]),
        post_digits=rng.integers(0, 10_000, n),
        post_letters=rng.integers(0, len(g.postcode_letters), n),
        street_name=g.street_names.pick(lang, u[:, 2]),
        street_type=street_type,
        number=number.astype(np.int64),
        suite=suite.astype(np.int64),
    )


def street(a: Addresses, variant: np.ndarray) -> pa.Array:
    """The street line; ``variant`` rows use the abbreviated style of their language."""
    g = geo()
    lang = g.country_lang[a.country]
    name = s.take(g.street_names.values, a.street_name)
    long = s.take(g.street_long.values, a.street_type)
    short = s.take(g.street_short, a.street_type)
    kind = s.where(variant, short, long)
    num = s.numbers(a.number)
    glued = s.join(name, kind, " ", num)
    suite = s.where(variant, s.join(", Ste ", s.numbers(a.suite)), s.join(", Suite ", s.numbers(a.suite)))
    english = s.join(num, " ", name, " ", kind)
    english = s.where(a.suite > 0, s.join(english, suite), english)
    french = s.where(variant, s.join(num, ", ", kind, " ", name), s.join(num, " ", kind, " ", name))
    spanish = s.where(variant, s.join(kind, " ", name, " ", num), s.join(kind, " ", name, ", ", num))
    italian = s.where(variant, s.join(kind, " ", name, ", ", num), s.join(kind, " ", name, " ", num))
    out = glued
    for code, text in (("en", english), ("fr", french), ("es", spanish), ("it", italian)):
        out = s.where(lang == LANG_CODES.index(code), text, out)
    return out


def city(a: Addresses, variant: np.ndarray, u: np.ndarray) -> pa.Array:
    """The city name; ``variant`` rows use another spelling (``u`` picks which)."""
    g = geo()
    canonical = s.take(g.cities.values, a.city)
    alt = s.take(g.city_alts.values, g.city_alts.pick(a.city, u))
    return s.where(variant, alt, canonical)


def postcode(a: Addresses, variant: np.ndarray) -> pa.Array:
    """The postcode in its country's format; ``variant`` rows use an older or looser style."""
    g = geo()
    prefix = s.take(g.city_prefixes.values, a.prefix)
    letters = s.take(g.postcode_letters, a.post_letters)
    five = s.join(prefix, s.numbers(a.post_digits % 1000, 3))
    us = s.join(prefix, s.numbers(a.post_digits % 100, 2))
    us_variant = s.join(us, "-", s.numbers((a.post_digits * 7919) % 10_000, 4))
    nl = s.join(prefix, s.numbers(a.post_digits % 100, 2), " ", letters)
    nl_variant = s.join(prefix, s.numbers(a.post_digits % 100, 2), letters)
    gb = s.join(prefix, " ", s.numbers(a.post_digits % 10), letters)
    gb_variant = s.join(prefix, s.numbers(a.post_digits % 10), letters)
    canonical = s.where(a.country == _US, us, five)
    canonical = s.where(a.country == _NL, nl, canonical)
    canonical = s.where(a.country == _GB, gb, canonical)
    other = canonical
    for country, letter in _LETTER_PREFIX.items():
        other = s.where(a.country == country, s.join(letter, five), other)
    other = s.where(a.country == _US, us_variant, other)
    other = s.where(a.country == _NL, nl_variant, other)
    other = s.where(a.country == _GB, gb_variant, other)
    return s.where(variant, other, canonical)


def country_code(a: Addresses) -> pa.Array:
    """ISO-2 country code."""
    return s.take(geo().country_code, a.country)
