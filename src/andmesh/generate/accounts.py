"""Order management's sales accounts, and billing's bill-to record of each account.

Every customer has one sales account; some (``duplicate_account`` × noise) have a
second one, opened later by another clerk with the name keyed differently. Orders
placed after the duplicate was opened go to either account. Billing copies each
account into a bill-to record of its own, so a duplicate account also means a
second bill-to.

Random draws are made for every customer twice (primary, potential duplicate), so
the variation stream is consumed the same way at every noise level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import names, taxids, variants
from andmesh.generate import strings as s
from andmesh.generate.clock import AS_OF_DAY, DAY_US, HOUR_US, START_DAY
from andmesh.generate.customers import Population
from andmesh.generate.geo import geo
from andmesh.generate.ids import Sequences, key_for, permute
from andmesh.generate.names import NameDraws
from andmesh.generate.schema import labels, table, timestamps
from andmesh.generate.settings import DEFECTS, REGIONS, SEGMENTS
from andmesh.generate.tally import Tally
from andmesh.generate.variants import Keyed

TABLE = "order_management/customers"
INVOICES = "customer_invoicing/invoices"


@dataclass(frozen=True)
class Accounts:
    """Sales accounts and their bill-to records (one row per account)."""

    customer: np.ndarray
    duplicate: np.ndarray
    duplicate_of: np.ndarray
    duplicate_since_us: np.ndarray
    account_no: pa.Array
    has_email: np.ndarray
    bill_to: dict[str, pa.Array]
    table: pa.Table


def draw(
    pop: Population,
    vrng: np.random.Generator,
    drng: np.random.Generator | None,
    seq: Sequences,
    keyed: Keyed,
    defects: Tally,
    seed: int,
) -> Accounts:
    """Sales accounts of the block's customers, with their bill-to records."""
    g = geo()
    n = pop.n
    u1, u2 = vrng.random((n, 18)), vrng.random((n, 18))
    d1, d2 = NameDraws.draw(vrng, n), NameDraws.draw(vrng, n)
    b1, b2 = NameDraws.draw(vrng, n), NameDraws.draw(vrng, n)
    dup = u1[:, 0] < keyed.rates.duplicate_account
    dups = np.flatnonzero(dup)
    cust = np.concatenate([np.arange(n), dups])
    is_dup = np.concatenate([np.zeros(n, dtype=bool), np.ones(dups.size, dtype=bool)])
    u = np.vstack([u1, u2[dups]])
    draws = NameDraws(
        **{k: np.concatenate([getattr(d1, k), getattr(d2, k)[dups]]) for k in d1.__dataclass_fields__}
    )
    bill_draws = NameDraws(
        **{k: np.concatenate([getattr(b1, k), getattr(b2, k)[dups]]) for k in b1.__dataclass_fields__}
    )
    # A duplicate is keyed by someone else: the legal form is there when the original
    # lacks it (and vice versa), and half get a typo, half abbreviations.
    draws.legal[is_dup] = 1.0 - d1.legal[dups]
    draws.typo[is_dup] = np.where(u[is_dup, 1] < 0.5, 0.0, draws.typo[is_dup])
    draws.abbreviate[is_dup] = np.where(u[is_dup, 1] >= 0.5, 0.0, draws.abbreviate[is_dup])
    keyed.tally.add(
        TABLE, "account_no", "duplicate_account", dups.size, n, "customer has a second sales account"
    )

    number = permute(seq.next("account", cust.size), 10_000_000, key_for(seed, "account"))
    account_no = s.ids("A", number, 7)
    stem = pop.stem.take(pa.array(cust))
    legal = pop.legal_index[cust]
    account_name = variants.name(stem, legal, draws, variants.SALES, keyed, TABLE, "account_name")
    addr = pop.address.take(cust)
    address = variants.address(addr, u[:, 2:6], keyed, TABLE)

    tax = variants.missing(
        pop.tax_id.take(pa.array(cust)),
        u[:, 6] < keyed.rates.tax_id_missing_sales,
        keyed,
        TABLE,
        "tax_id",
        "tax id not keyed",
    )
    lang = g.country_lang[pop.country[cust]]
    local = s.take(g.email_locals.values, g.email_locals.pick(lang, u[:, 7]))
    domain = s.join(s.slug(pop.stem.take(pa.array(cust))), ".", s.take(g.country_tld, pop.country[cust]))
    email = variants.missing(
        s.join(local, "@", domain),
        u[:, 8] < keyed.rates.email_missing,
        keyed,
        TABLE,
        "email",
        "no contact e-mail",
    )
    index = pop.index[cust]
    area = 10 + permute(index, 1_000_000, key_for(seed, "area")) % 90
    line = permute(index, 10_000_000, key_for(seed, "phone"))
    phone = s.join(s.take(g.country_phone, pop.country[cust]), " ", s.numbers(area), " ", s.numbers(line, 7))
    phone = variants.missing(
        phone, u[:, 9] < keyed.rates.phone_missing, keyed, TABLE, "phone", "no phone number"
    )

    if drng is not None:
        d = np.vstack([drng.random((n, 4)), drng.random((n, 4))[dups]])
        email, tax = _plant_defects(email, tax, d, defects)

    created = pop.created_day[cust]
    lo = np.maximum(created, START_DAY) + 30
    hi = AS_OF_DAY - 60
    dup_day = lo + (u[:, 10] * np.maximum(hi - lo, 0)).astype(np.int64)
    created_day = np.where(is_dup, np.minimum(dup_day, AS_OF_DAY), created)
    created_us = created_day * DAY_US + (7 * HOUR_US + u[:, 11] * 11 * HOUR_US).astype(np.int64)
    since = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    since[dups] = created_us[n:]
    duplicate_of = np.full(n, -1, dtype=np.int64)
    duplicate_of[dups] = np.arange(n, n + dups.size)

    accounts = table(
        TABLE,
        {
            "account_no": account_no,
            "account_name": account_name,
            **address,
            "tax_id": tax,
            "email": email,
            "phone": phone,
            "segment": labels(SEGMENTS, pop.segment[cust]),
            "sales_region": labels(REGIONS, addr.region),
            "created_at": timestamps(created_us),
        },
    )
    bill_to = _bill_to(pop, cust, u, bill_draws, keyed)
    return Accounts(
        customer=cust,
        duplicate=is_dup,
        duplicate_of=duplicate_of,
        duplicate_since_us=since,
        account_no=account_no,
        has_email=~np.asarray(email.is_null().to_numpy(zero_copy_only=False), dtype=bool),
        bill_to=bill_to,
        table=accounts.sort_by("account_no"),
    )


def _plant_defects(
    email: pa.Array, tax: pa.Array, d: np.ndarray, defects: Tally
) -> tuple[pa.Array, pa.Array]:
    """Malformed e-mails (no @, double @, space, no domain) and tax ids missing a character."""
    n = len(email)
    bad_email = d[:, 0] < DEFECTS.malformed_email
    bad_email &= ~np.asarray(email.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    kind = (d[:, 1] * 4).astype(np.int64)
    broken = s.where(kind == 0, s.regex(email, "@", ""), s.regex(email, "@", "@@"))
    broken = s.where(kind == 2, s.regex(email, "@", " @"), broken)
    broken = s.where(kind == 3, s.regex(email, r"\.[a-z.]+$", ""), broken)
    email = s.where(bad_email, broken, email)
    defects.add(
        TABLE,
        "email",
        "malformed",
        int(bad_email.sum()),
        n,
        "e-mail without @, with @@, with a space or without a domain suffix",
    )
    bad_tax = (d[:, 2] < DEFECTS.invalid_tax_id) & ~np.asarray(
        tax.is_null().to_numpy(zero_copy_only=False), dtype=bool
    )
    tax = s.where(bad_tax, s.regex(tax, ".$", ""), tax)
    defects.add(
        TABLE,
        "tax_id",
        "invalid_format",
        int(bad_tax.sum()),
        n,
        "tax id with its last character missing (fails the country pattern)",
    )
    return email, tax


def _bill_to(
    pop: Population, cust: np.ndarray, u: np.ndarray, draws: NameDraws, keyed: Keyed
) -> dict[str, pa.Array]:
    """Billing's copy of each account: name (sometimes "…, Accounts Payable"), address, tax id."""
    g = geo()
    stem = pop.stem.take(pa.array(cust))
    name = variants.name(
        stem, pop.legal_index[cust], draws, variants.BILLING, keyed, INVOICES, "bill_to_name"
    )
    lang = g.country_lang[pop.country[cust]]
    payable = s.join(name, ", ", s.take(g.accounts_payable, lang))
    name = s.where(u[:, 12] < 0.1, payable, name)
    address = variants.address(
        pop.address.take(cust), u[:, [13, 14, 2, 15]], keyed, INVOICES, prefix="bill_to_"
    )
    style = np.searchsorted([0.8, 0.9], u[:, 16])
    tax = taxids.billing_format(pop.tax_id.take(pa.array(cust)), style)
    missing = u[:, 17] < keyed.rates.tax_id_missing_billing
    tax = variants.missing(
        tax, missing, keyed, INVOICES, "bill_to_tax_id", "tax id not on the bill-to record"
    )
    return {"bill_to_name": name, **address, "bill_to_tax_id": tax}


def payer_names(pop: Population, vrng: np.random.Generator, keyed: Keyed) -> pa.Array:
    """The name each customer's payments show on the bank statement."""
    n = pop.n
    draws = NameDraws.draw(vrng, n)
    lengths = np.array([18, 22, 27, 35, 70])[np.searchsorted([0.2, 0.4, 0.7, 0.9], vrng.random(n))]
    value = variants.name(
        pop.stem, pop.legal_index, draws, variants.BANK, keyed, "payments_collection/payments", "payer_name"
    )
    return names.bank_name(value, lengths)
