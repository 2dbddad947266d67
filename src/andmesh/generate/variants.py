"""How a unit keys a customer's name and address, with every variation counted.

A :class:`NameStyle` says how one system writes names (does it keep the legal form,
does it abbreviate, how careful are its clerks); the random part of each variation
is scaled by ``noise``. Each changed value is counted in a :class:`Tally`, which
ends up in ``truth/variations.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import addresses, names
from andmesh.generate import strings as s
from andmesh.generate.addresses import Addresses
from andmesh.generate.names import NameDraws
from andmesh.generate.settings import VariationRates
from andmesh.generate.tally import Tally


@dataclass(frozen=True)
class NameStyle:
    """One system's way of keying names: shares and multipliers of the noise rates."""

    legal_share: float
    legal_variant: float = 1.0
    abbreviation: float = 0.0
    typo: float = 1.0
    upper: float = 0.0


SALES = NameStyle(legal_share=0.5, abbreviation=1.0, upper=1.0)
CREDIT = NameStyle(legal_share=1.0, typo=0.3)
SHIPPING = NameStyle(legal_share=0.3, legal_variant=0.5, abbreviation=0.5, typo=0.8, upper=0.5)
BILLING = NameStyle(legal_share=0.85, abbreviation=0.3, typo=0.5, upper=0.3)
RECEIVABLES = NameStyle(legal_share=0.8, legal_variant=0.5, abbreviation=0.3, typo=0.5)
BANK = NameStyle(legal_share=0.5, legal_variant=0.0, typo=0.5)


@dataclass(frozen=True)
class Keyed:
    """Where the variations go: the rates in force and the tally to count them in."""

    rates: VariationRates
    tally: Tally


def name(
    stem: pa.Array,
    legal_index: np.ndarray,
    draws: NameDraws,
    style: NameStyle,
    keyed: Keyed,
    table: str,
    column: str,
) -> pa.Array:
    """The name as ``style`` keys it, variations counted under ``table``.``column``."""
    r = keyed.rates
    n = len(stem)
    with_legal = draws.legal < style.legal_share
    canonical_form = names.legal_form(legal_index, np.zeros(n, dtype=bool), draws.legal_pick)
    variant = draws.legal_variant < r.legal_form_variant * style.legal_variant
    form = names.legal_form(legal_index, variant, draws.legal_pick)
    value = names.with_legal_form(stem, form, with_legal)
    if style.legal_variant:
        _count(
            keyed,
            table,
            column,
            "legal_form_variant",
            names.with_legal_form(stem, canonical_form, with_legal),
            value,
            "legal form spelled differently (Ltd/Limited, GmbH/Gmbh…)",
        )
    if style.abbreviation:
        before = value
        value = names.abbreviate(value, draws.abbreviate < r.name_abbreviation * style.abbreviation)
        _count(
            keyed,
            table,
            column,
            "abbreviation",
            before,
            value,
            "words abbreviated (International → Intl, & → and…)",
        )
    if style.typo:
        before = value
        value = names.typos(value, draws.typo < r.name_typo * style.typo, draws)
        _count(
            keyed, table, column, "typo", before, value, "one character dropped, swapped, doubled or mistyped"
        )
    if style.upper:
        before = value
        value = s.where(draws.upper < r.name_upper * style.upper, s.upper(value), value)
        _count(keyed, table, column, "upper_case", before, value, "keyed in upper case")
    return value


def address(
    a: Addresses, u: np.ndarray, keyed: Keyed, table: str, prefix: str = "", scale: float = 1.0
) -> dict[str, pa.Array]:
    """Street, city, postcode and country columns, with street/city/postcode variants.

    ``u`` holds four uniform draws per row (street, city, city spelling, postcode).
    """
    r = keyed.rates
    none = np.zeros(len(a), dtype=bool)
    street = addresses.street(a, u[:, 0] < r.street_variant * scale)
    city = addresses.city(a, u[:, 1] < r.city_variant * scale, u[:, 2])
    postcode = addresses.postcode(a, u[:, 3] < r.postcode_variant * scale)
    _count(
        keyed,
        table,
        prefix + "street",
        "format_variant",
        addresses.street(a, none),
        street,
        "street type abbreviated or laid out differently",
    )
    _count(
        keyed,
        table,
        prefix + "city",
        "spelling_variant",
        addresses.city(a, none, u[:, 2]),
        city,
        "other spelling of the city (Munich/München, upper case…)",
    )
    _count(
        keyed,
        table,
        prefix + "postcode",
        "format_variant",
        addresses.postcode(a, none),
        postcode,
        "postcode with country letter, without space or ZIP+4",
    )
    return {
        prefix + "street": street,
        prefix + "city": city,
        prefix + "postcode": postcode,
        prefix + "country": addresses.country_code(a),
    }


def missing(
    values: pa.Array, mask: np.ndarray, keyed: Keyed, table: str, column: str, description: str
) -> pa.Array:
    """``values`` with nulls on ``mask``, counted as a variation."""
    out = s.null_where(mask, values)
    keyed.tally.add(
        table, column, "missing", int(out.null_count - values.null_count), len(values), description
    )
    return out


def _count(
    keyed: Keyed, table: str, column: str, kind: str, before: pa.Array, after: pa.Array, description: str
) -> None:
    keyed.tally.add(table, column, kind, s.changed(before, after), len(before), description)
