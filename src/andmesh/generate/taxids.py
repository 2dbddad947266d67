"""VAT-like tax identifiers: canonical form, credit's and billing's formats, validity.

Every customer gets a unique id (an eight-digit core from a keyed permutation of the
customer number, see :mod:`andmesh.generate.ids`) in its country's shape:

====  ====================  ===============
DE    ``DE`` + 9 digits      ``DE123456789``
GB    ``GB`` + 9 digits      ``GB123456789``
US    EIN                    ``12-3456789``
FR    ``FR`` + 11 digits     ``FR12123456789``
NL    ``NL`` + 9 digits B01  ``NL123456789B01``
ES    ``ES`` + letter + 8    ``ESB12345678``
IT    ``IT`` + 11 digits     ``IT12312345678``
====  ====================  ===============

Credit keys the national part in its own layout ("DE 123 456 789", "123456789",
"DE-123456789"); billing sometimes lower-cases or spaces it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from andmesh.generate import strings as s
from andmesh.generate.geo import COUNTRY_CODES
from andmesh.generate.ids import key_for, permute

# Regular expressions a valid tax id of each country matches (used by tests and docs).
PATTERNS: dict[str, str] = {
    "DE": r"^DE[0-9]{9}$",
    "GB": r"^GB[0-9]{9}$",
    "US": r"^[0-9]{2}-[0-9]{7}$",
    "FR": r"^FR[0-9]{11}$",
    "NL": r"^NL[0-9]{9}B01$",
    "ES": r"^ES[AB][0-9]{8}$",
    "IT": r"^IT[0-9]{11}$",
}


def canonical(seed: int, customer_index: np.ndarray, country: np.ndarray) -> pa.Array:
    """The registered tax id of each customer (unique across the dataset)."""
    core = permute(customer_index, 100_000_000, key_for(seed, "tax"))
    lead = 1 + (permute(customer_index, 1_000_000, key_for(seed, "tax-lead")) % 9)
    extra = permute(customer_index, 1_000_000, key_for(seed, "tax-extra"))
    eight = s.numbers(core, 8)
    nine = s.join(s.numbers(lead), eight)
    code = s.take(pa.array(list(COUNTRY_CODES)), country)
    default = s.join(code, nine)
    us = s.join(_slice(nine, 0, 2), "-", _slice(nine, 2, 9))
    fr = s.join("FR", s.numbers(extra % 100, 2), nine)
    nl = s.join("NL", nine, "B01")
    es = s.join("ES", s.where(extra % 2 == 0, "B", "A"), eight)
    it = s.join("IT", s.numbers(extra % 1000, 3), eight)
    out = default
    for name, value in (("US", us), ("FR", fr), ("NL", nl), ("ES", es), ("IT", it)):
        out = s.where(country == COUNTRY_CODES.index(name), value, out)
    return out


def registration_no(tax_id: pa.Array, country: np.ndarray, style: np.ndarray) -> pa.Array:
    """Credit's layout of the tax id: spaced (style 0), national part only (1), dashed (2)."""
    prefix = _slice(tax_id, 0, 2)
    national = _slice(tax_id, 2, 20)
    spaced = s.join(prefix, " ", _rtrim(s.regex(national, r"([0-9]{3})", r"\1 ")))
    dashed = s.join(prefix, "-", national)
    out = s.where(style == 0, spaced, s.where(style == 1, national, dashed))
    us = country == COUNTRY_CODES.index("US")
    return s.where(us, s.where(style == 1, s.regex(tax_id, "-", ""), tax_id), out)


def billing_format(tax_id: pa.Array, style: np.ndarray) -> pa.Array:
    """Billing's layout: as registered (style 0), lower case (1), or prefix + space (2)."""
    spaced = s.join(_slice(tax_id, 0, 2), " ", _slice(tax_id, 2, 20))
    return s.where(style == 1, s.lower(tax_id), s.where(style == 2, spaced, tax_id))


def is_valid(tax_id: pa.Array, country: pa.Array) -> np.ndarray:
    """Whether each tax id matches its country's pattern (nulls count as valid)."""
    ok = np.ones(len(tax_id), dtype=bool)
    codes = np.asarray(country.to_numpy(zero_copy_only=False))
    for code, pattern in PATTERNS.items():
        rows = np.flatnonzero(codes == code)
        if rows.size:
            values = tax_id.take(pa.array(rows))
            match = pc.fill_null(pc.match_substring_regex(values, pattern), True)
            ok[rows] = np.asarray(match.to_numpy(zero_copy_only=False), dtype=bool)
    return ok


def _slice(values: pa.Array, start: int, stop: int) -> pa.Array:
    return pc.utf8_slice_codeunits(values, start, stop)


def _rtrim(values: pa.Array) -> pa.Array:
    return pc.utf8_rtrim_whitespace(values)
