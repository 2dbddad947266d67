"""Each unit's record of a vendor, keyed its own way (the vendor entity's sources).

* procurement: the purchasing vendor master — keyed like Order-to-Cash's sales accounts
  (legal form on half, abbreviations, typos, upper case, a second record for
  ``duplicate_account`` × noise of vendors, tax id missing on 12%);
* accounts payable: the vendor as printed on its invoices and keyed by AP clerks
  (billing's style: legal form on 85%, tax id as printed — lower case or spaced —,
  missing on 15%), one identity per vendor copied onto each of its invoices;
* treasury: the payee account at the bank — upper-case ASCII name cut to the bank's
  field length, an IBAN; 6% of vendors have a second account;
* supplier management: the onboarding file — registered name, registration number in
  credit's layouts, half the address-variation rates, a contact person.

Every random draw is made for every vendor (and potential duplicate), so the
variation stream is consumed the same way at every noise level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import names, taxids, variants
from andmesh.generate import strings as s
from andmesh.generate.clock import AS_OF_DAY, DAY_US, HOUR_US, START_DAY
from andmesh.generate.geo import COUNTRY_CODES, geo
from andmesh.generate.ids import Sequences, key_for, permute
from andmesh.generate.names import NameDraws
from andmesh.generate.procure_to_pay.schema import table
from andmesh.generate.procure_to_pay.settings import (
    CATEGORIES,
    RISK_RATINGS,
    SECOND_BANK_ACCOUNT_RATE,
    SUPPLIER_FILE_RATE,
    TIERS,
)
from andmesh.generate.procure_to_pay.vendors import Vendors
from andmesh.generate.procure_to_pay.vocab import FIRST_NAMES
from andmesh.generate.schema import dates, ints, labels, timestamps
from andmesh.generate.variants import Keyed

VENDORS = "procurement/vendors"
INVOICES = "accounts_payable/vendor_invoices"
PAYEES = "treasury/payee_accounts"
FILES = "supplier_management/supplier_files"


@dataclass(frozen=True)
class PurchasingVendors:
    """Vendor master rows (one per vendor record; duplicates after the originals)."""

    vendor: np.ndarray
    vendor_no: pa.Array
    duplicate_since_day: np.ndarray
    duplicate_row: np.ndarray
    table: pa.Table


def purchasing(
    v: Vendors, vrng: np.random.Generator, seq: Sequences, keyed: Keyed, seed: int
) -> PurchasingVendors:
    """Procurement's vendor master, with duplicate records opened later by another buyer."""
    g, pop, n = geo(), v.pop, v.n
    u1, u2 = vrng.random((n, 12)), vrng.random((n, 12))
    d1, d2 = NameDraws.draw(vrng, n), NameDraws.draw(vrng, n)
    dups = np.flatnonzero(u1[:, 0] < keyed.rates.duplicate_account)
    rows = np.concatenate([np.arange(n), dups])
    is_dup = np.concatenate([np.zeros(n, dtype=bool), np.ones(dups.size, dtype=bool)])
    u = np.vstack([u1, u2[dups]])
    draws = NameDraws(
        **{k: np.concatenate([getattr(d1, k), getattr(d2, k)[dups]]) for k in d1.__dataclass_fields__}
    )
    # Another buyer keys the duplicate: legal form toggled, a typo or abbreviations.
    draws.legal[is_dup] = 1.0 - d1.legal[dups]
    draws.typo[is_dup] = np.where(u[is_dup, 1] < 0.5, 0.0, draws.typo[is_dup])
    keyed.tally.add(
        VENDORS, "vendor_no", "duplicate_record", dups.size, n, "vendor has a second vendor record"
    )

    number = permute(seq.next("vendor", rows.size), 10_000_000, key_for(seed, "vendor-no"))
    vendor_no = s.ids("VN", number, 7)
    stem = pop.stem.take(pa.array(rows))
    name = variants.name(stem, pop.legal_index[rows], draws, variants.SALES, keyed, VENDORS, "vendor_name")
    address = variants.address(pop.address.take(rows), u[:, 2:6], keyed, VENDORS)
    tax = variants.missing(
        pop.tax_id.take(pa.array(rows)), u[:, 6] < keyed.rates.tax_id_missing_sales, keyed, VENDORS, "tax_id",
        "tax id not keyed",
    )  # fmt: skip
    country = pop.country[rows]
    lang = g.country_lang[country]
    local = s.take(g.email_locals.values, g.email_locals.pick(lang, u[:, 7]))
    domain = s.join(s.slug(stem), ".", s.take(g.country_tld, country))
    email = variants.missing(
        s.join(local, "@", domain), u[:, 8] < keyed.rates.email_missing, keyed, VENDORS, "email", "no e-mail"
    )
    index = pop.index[rows]
    area = 10 + permute(index % 100_000_000, 100_000_000, key_for(seed, "v-area")) % 90
    line = permute(index % 10_000_000, 10_000_000, key_for(seed, "v-phone"))
    phone = s.join(s.take(g.country_phone, country), " ", s.numbers(area), " ", s.numbers(line, 7))
    phone = variants.missing(phone, u[:, 9] < keyed.rates.phone_missing, keyed, VENDORS, "phone", "no phone")

    created = pop.created_day[rows]
    lo = np.maximum(created, START_DAY) + 30
    dup_day = np.minimum(lo + (u[:, 10] * np.maximum(AS_OF_DAY - 60 - lo, 0)).astype(np.int64), AS_OF_DAY)
    created_day = np.where(is_dup, dup_day, created)
    created_us = created_day * DAY_US + (7 * HOUR_US + u[:, 11] * 10 * HOUR_US).astype(np.int64)
    since = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    since[dups] = dup_day[n:]
    dup_row = np.full(n, -1, dtype=np.int64)
    dup_row[dups] = np.arange(n, n + dups.size)
    master = table(
        VENDORS,
        {
            "vendor_no": vendor_no,
            "vendor_name": name,
            **address,
            "tax_id": tax,
            "email": email,
            "phone": phone,
            "tier": labels(TIERS, v.tier[rows]),
            "category": labels(CATEGORIES, v.category[rows]),
            "payment_terms_days": ints(v.terms[rows]),
            "created_at": timestamps(created_us),
        },
    )
    return PurchasingVendors(rows, vendor_no, since, dup_row, master.sort_by("vendor_no"))


def payables_identity(v: Vendors, vrng: np.random.Generator, keyed: Keyed) -> dict[str, pa.Array]:
    """How AP keys each vendor from its invoices: name, address, tax id (one per vendor)."""
    pop, n = v.pop, v.n
    u = vrng.random((n, 8))
    draws = NameDraws.draw(vrng, n)
    name = variants.name(pop.stem, pop.legal_index, draws, variants.BILLING, keyed, INVOICES, "vendor_name")
    address = variants.address(pop.address, u[:, 0:4], keyed, INVOICES, prefix="vendor_")
    style = np.searchsorted([0.8, 0.9], u[:, 4])
    tax = taxids.billing_format(pop.tax_id, style)
    tax = variants.missing(
        tax, u[:, 5] < keyed.rates.tax_id_missing_billing, keyed, INVOICES, "vendor_tax_id",
        "tax id not printed on the invoice or not keyed",
    )  # fmt: skip
    return {"vendor_name": name, **address, "vendor_tax_id": tax}


@dataclass(frozen=True)
class Payees:
    """Treasury's payee accounts: one per vendor, a second for some."""

    vendor: np.ndarray
    payee_id: pa.Array
    second: np.ndarray  # per vendor: row of its second account, -1 when none
    table: pa.Table


def payees(v: Vendors, vrng: np.random.Generator, seq: Sequences, keyed: Keyed, seed: int) -> Payees:
    pop, n = v.pop, v.n
    u = vrng.random((n, 4))
    draws = NameDraws.draw(vrng, n)
    two = np.flatnonzero(u[:, 0] < SECOND_BANK_ACCOUNT_RATE)
    rows = np.concatenate([np.arange(n), two])
    lengths = np.array([18, 22, 27, 35, 70])[np.searchsorted([0.2, 0.4, 0.7, 0.9], u[:, 1])]
    value = variants.name(pop.stem, pop.legal_index, draws, variants.BANK, keyed, PAYEES, "payee_name")
    name = names.bank_name(value, lengths).take(pa.array(rows))
    number = seq.next("payee", rows.size)
    payee_id = s.ids("PY-", permute(number, 10_000_000, key_for(seed, "payee")), 7)
    country = pop.country[rows]
    opened = np.maximum(pop.created_day[rows], START_DAY - 3000) + (u[rows, 2] * 20).astype(np.int64)
    opened[n:] = np.maximum(START_DAY, pop.active_from[two]) + (u[two, 3] * 400).astype(np.int64)
    second = np.full(n, -1, dtype=np.int64)
    second[two] = np.arange(n, rows.size)
    accounts = table(
        PAYEES,
        {
            "payee_id": payee_id,
            "payee_name": name,
            "iban": iban(country, permute(number, 10**10, key_for(seed, "iban")), key_for(seed, "bank")),
            "bank_country": s.take(geo().country_code, country),
            "opened_date": dates(np.minimum(opened, AS_OF_DAY)),
        },
    )
    return Payees(rows, payee_id, second, accounts.sort_by("payee_id"))


def iban(country: np.ndarray, account: np.ndarray, bank_key: int) -> pa.Array:
    """An IBAN-shaped string: country, ISO 13616 check digits, 8-digit bank code, 10-digit account.

    The check digits are right (mod 97 of the rearranged IBAN is 1), the layout is
    simplified to one 18-digit BBAN for every country (the US has no IBAN: its payees
    get one of this shape too).

    >>> code = iban(np.array([COUNTRY_CODES.index("DE")]), np.array([123]), 1).to_pylist()[0]
    >>> code
    'DE89164424500000000123'
    >>> int("".join(str(int(c, 36)) for c in code[4:] + code[:4])) % 97  # ISO 13616 / ISO 7064 check
    1
    """
    # forty banks per country, numbered from the seed
    bank = 10_000_000 + (np.asarray(account) % 40 * 2_147_483 + bank_key) % 89_999_999
    letters = np.array([_letters(c) for c in COUNTRY_CODES], dtype=np.int64)[country]
    r = bank % 97
    for piece, width in (
        (np.asarray(account) // 100_000, 5),
        (np.asarray(account) % 100_000, 5),
        (letters, 4),
    ):
        r = (r * 10**width + piece) % 97
    check = 98 - (r * 100) % 97
    return s.join(
        s.take(geo().country_code, country), s.numbers(check, 2), s.numbers(bank, 8), s.numbers(account, 10)
    )


def _letters(code: str) -> int:
    return int("".join(str(ord(c) - 55) for c in code))


@dataclass(frozen=True)
class SupplierFiles:
    """Supplier management's onboarding files, for the vendors that have one."""

    vendor: np.ndarray
    supplier_id: pa.Array
    table: pa.Table


def supplier_files(
    v: Vendors, rng: np.random.Generator, vrng: np.random.Generator, keyed: Keyed, seed: int
) -> SupplierFiles:
    g, pop, n = geo(), v.pop, v.n
    u = rng.random((n, 6))
    vu = vrng.random((n, 8))
    draws = NameDraws.draw(vrng, n)
    has = np.flatnonzero(u[:, 0] < np.asarray(SUPPLIER_FILE_RATE)[v.tier])
    rows = pa.array(has)
    name = variants.name(
        pop.stem.take(rows),
        pop.legal_index[has],
        draws.take(has),
        variants.CREDIT,
        keyed,
        FILES,
        "legal_name",
    )
    country = pop.country[has]
    tax = pop.tax_id.take(rows)
    registration = taxids.registration_no(tax, country, np.searchsorted([0.4, 0.75], vu[has, 0]))
    address = variants.address(pop.address.take(has), vu[has, 1:5], keyed, FILES, scale=0.5)
    lang = g.country_lang[country]
    first = s.take(FIRST_NAMES.values, FIRST_NAMES.pick(lang, vu[has, 5]))
    last = s.take(g.surnames.values, g.surnames.pick(lang, vu[has, 6]))
    domain = s.join(s.slug(pop.stem.take(rows)), ".", s.take(g.country_tld, country))
    email = s.join(s.slug(first), ".", s.slug(last), "@", domain)
    onboarded = np.minimum(
        np.maximum(pop.created_day, START_DAY - 2000) + (u[:, 1] * 30).astype(np.int64), AS_OF_DAY
    )
    score = (1.0 - pop.health) + 0.12 * rng.standard_normal(n)
    risk = np.searchsorted([0.3, 0.5, 0.7], score)
    assessed = np.maximum(AS_OF_DAY - (u[:, 2] * 700).astype(np.int64), onboarded)
    status = np.where(
        risk == 3, np.where(u[:, 3] < 0.5, 2, 1), np.where(risk == 2, (u[:, 3] < 0.3).astype(int), 0)
    )
    supplier_id = s.ids("S-", permute(v.number[has], 1_000_000, key_for(seed, "supplier")), 6)
    files = table(
        FILES,
        {
            "supplier_id": supplier_id,
            "legal_name": name,
            "registration_no": registration,
            **address,
            "contact_name": s.join(first, " ", last),
            "contact_email": email,
            "onboarded_date": dates(onboarded[has]),
            "risk_rating": labels(RISK_RATINGS, risk[has]),
            "last_assessment_date": dates(assessed[has]),
            "status": labels(("approved", "conditional", "blocked"), status[has]),
        },
    )
    return SupplierFiles(has, supplier_id, files.sort_by("supplier_id"))
