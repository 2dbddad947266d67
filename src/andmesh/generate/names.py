"""Company names: the canonical name, and the way each unit keys it.

A canonical name is a *stem* ("Müller Logistik", "Transportes García",
"Novatek Engineering") plus the registered legal form ("GmbH", "S.L.", "Inc.").
Units key it differently: sales drops or abbreviates the legal form and words
("Müller Log."), credit keeps the registered form, billing adds "Accounts Payable",
the bank upper-cases and truncates. Every variation is decided by uniform draws
made for every record (:class:`NameDraws`), so raising ``noise`` only adds
variations on top of the ones a lower noise already made.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.geo import geo, weighted_pick
from andmesh.generate.vocab import ABBREVIATIONS

# Name patterns and their shares: surname + industry, two surnames, brand + industry,
# place + brand + industry, brand + modifier.
_PATTERNS = np.array([0.22, 0.15, 0.33, 0.15, 0.15])
_INITIALS = "ABCDEFGHJKLMNPRSTW"
_BRAND_MIDDLES = ("", "a", "o", "i", "ra", "lo", "ne", "ta", "ri", "ve", "co", "mi", "sa")


def draw_stems(rng: np.random.Generator, lang: np.ndarray) -> pa.Array:
    """A company name without legal form for each row's language.

    Patterns: "[J. ]Surname Industry", "Surname & Surname[ Industry]", "Brand Industry",
    "Place Brand Industry", "Brand Modifier"; French, Spanish and Italian put the
    industry word first ("Transportes García", "Logistique Novatek Atlantique").
    Brands are two or three syllables ("Nova" + ["ri"] + "tek"). An eighth of the
    names get a modifier ("Group", "Holding"…) appended.
    """
    g = geo()
    n = lang.size
    u = rng.random((n, 12))
    surname = s.take(g.surnames.values, g.surnames.pick(lang, u[:, 0]))
    surname2 = s.take(g.surnames.values, g.surnames.pick(lang, u[:, 1]))
    industry = s.take(g.industries.values, g.industries.pick(lang, u[:, 2]))
    place = s.take(g.places.values, g.places.pick(lang, u[:, 3]))
    modifier = s.take(g.modifiers.values, g.modifiers.pick(lang, u[:, 4]))
    heads = (u[:, 5] * len(g.brand_heads)).astype(np.int64)
    tails = (u[:, 6] * len(g.brand_tails)).astype(np.int64)
    middles = np.where(u[:, 9] < 0.5, 0, 1 + (u[:, 10] * (len(_BRAND_MIDDLES) - 1)).astype(np.int64))
    middle = s.take(s.vocab(_BRAND_MIDDLES), middles)
    brand = s.join(s.take(g.brand_heads, heads), middle, s.take(g.brand_tails, tails))
    initial = s.take(s.vocab([f"{c}. " for c in _INITIALS]), (u[:, 11] * len(_INITIALS)).astype(np.int64))
    first = g.industry_first[lang]

    def pair(a: pa.Array, b: pa.Array) -> pa.Array:
        return s.where(first, s.join(b, " ", a), s.join(a, " ", b))

    pattern = np.searchsorted(np.cumsum(_PATTERNS) / _PATTERNS.sum(), u[:, 7])
    partners = s.join(surname, " & ", surname2)
    partners = s.where(u[:, 8] < 0.5, pair(partners, industry), partners)
    person = s.where(u[:, 9] < 0.5, s.join(initial, surname), surname)
    stem = pair(person, industry)
    stem = s.where(pattern == 1, partners, stem)
    stem = s.where(pattern == 2, pair(brand, industry), stem)
    stem = s.where(pattern == 3, pair(s.join(place, " ", brand), industry), stem)
    stem = s.where(pattern == 4, s.join(brand, " ", modifier), stem)
    with_modifier = (pattern != 4) & (u[:, 8] > 0.875)
    return s.where(with_modifier, s.join(stem, " ", modifier), stem)


def draw_legal_forms(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    """An index into ``geo().legal_forms`` per row, by the country's weights."""
    g = geo()
    return weighted_pick(g.legal_forms, g.legal_weight, country, rng.random(country.size))


def legal_form(index: np.ndarray, variant: np.ndarray, u: np.ndarray) -> pa.Array:
    """The legal form as registered, or (``variant`` rows) another spelling of it."""
    g = geo()
    canonical = s.take(g.legal_forms.values, index)
    other = s.take(g.legal_variants.values, g.legal_variants.pick(index, u))
    return s.where(variant, other, canonical)


def with_legal_form(stem: pa.Array, form: pa.Array, mask: np.ndarray | None = None) -> pa.Array:
    """``stem`` + " " + ``form`` (only where ``mask``, if given)."""
    full = s.join(stem, " ", form)
    return full if mask is None else s.where(mask, full, stem)


@dataclass(frozen=True)
class NameDraws:
    """Uniform draws deciding each record's name variations (drawn for every record)."""

    legal: np.ndarray
    legal_variant: np.ndarray
    legal_pick: np.ndarray
    abbreviate: np.ndarray
    typo: np.ndarray
    typo_kind: np.ndarray
    typo_position: np.ndarray
    upper: np.ndarray
    extra: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int) -> NameDraws:
        u = rng.random((n, 8))
        return cls(
            legal=u[:, 0],
            legal_variant=u[:, 1],
            legal_pick=u[:, 2],
            abbreviate=u[:, 3],
            typo=u[:, 4],
            typo_kind=rng.integers(0, 4, n),
            typo_position=u[:, 5],
            upper=u[:, 6],
            extra=u[:, 7],
        )

    def take(self, rows: np.ndarray) -> NameDraws:
        return NameDraws(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


def abbreviate(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """Sales' abbreviations ("International" → "Intl", "Logistik" → "Log.") on masked rows."""
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return values
    subset = values.take(pa.array(rows))
    for old, new in ABBREVIATIONS:
        subset = s.replace_words(subset, old, new)
    subset = s.replace_words(subset, "&", "and")
    return s.scatter(
        len(values),
        [(np.flatnonzero(~mask), values.take(pa.array(np.flatnonzero(~mask)))), (rows, subset)],
    )


def typos(values: pa.Array, mask: np.ndarray, draws: NameDraws) -> pa.Array:
    """One keying error on each masked row."""
    return s.typos(values, mask, draws.typo_kind, draws.typo_position)


def bank_name(values: pa.Array, lengths: np.ndarray) -> pa.Array:
    """How a bank statement shows a name: ASCII, upper case, cut to the field length."""
    return s.truncate(s.upper(s.ascii_fold(values)), lengths)
