"""Accounts payable: vendor invoices, their lines, and the three-way match of each.

One invoice per PO with received lines, for what was received: dated ``last delivery
+ Poisson(4)`` days, received by AP ``Poisson(2)`` days later (only invoices AP has by
the as-of date exist); due after the vendor's payment terms; early-payment discount
terms as the vendor offers them. 3% of invoices bill every line 1–8% above the PO
price; half the short deliveries are billed at the ordered quantity. Net from the
lines, VAT by the vendor's country.

The planted gap: a paper invoice (vendors without e-invoicing) lacks the PO number on
30% of them (``po_id`` null).

The AP system's three-way match (PO, receipt, invoice): ``missing_po`` when the
invoice names no PO, ``price_variance``, ``quantity_variance``, else ``matched``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.clock import AS_OF_DAY, AS_OF_END_US, DAY_US, HOUR_US
from andmesh.generate.geo import geo
from andmesh.generate.ids import Sequences, key_for, permute
from andmesh.generate.procure_to_pay.purchasing import Lines, Orders
from andmesh.generate.procure_to_pay.receiving import Receipts
from andmesh.generate.procure_to_pay.schema import table
from andmesh.generate.procure_to_pay.settings import (
    DEFECTS,
    INVOICE_DELAY_POISSON,
    PO_REFERENCE_MISSING_PAPER,
    PRICE_VARIANCE_RATE,
    QUANTITY_VARIANCE_SHARE,
)
from andmesh.generate.procure_to_pay.vendors import Vendors
from andmesh.generate.schema import dates, floats, ints, labels, timestamps
from andmesh.generate.tally import Tally

INVOICES = "accounts_payable/vendor_invoices"
LINES = "accounts_payable/invoice_lines"
MATCHES = "accounts_payable/match_results"
MATCH_STATUSES = ("matched", "price_variance", "quantity_variance", "missing_po")


@dataclass(frozen=True)
class Invoices:
    """One row per invoice: its PO, vendor, dates, amounts, match status."""

    po: np.ndarray
    vendor: np.ndarray
    invoice_id: pa.Array
    day: np.ndarray
    received_day: np.ndarray
    due_day: np.ndarray
    gross: np.ndarray
    status: np.ndarray
    table: pa.Table

    @property
    def n(self) -> int:
        return int(self.po.size)


def invoice(
    v: Vendors,
    o: Orders,
    lines: Lines,
    got: Receipts,
    identity: dict[str, pa.Array],
    rng: np.random.Generator,
    vrng: np.random.Generator,
    drng: np.random.Generator | None,
    seq: Sequences,
    bad: Tally,
    seed: int,
) -> tuple[Invoices, pa.Table, pa.Table]:
    po_of = lines.po[got.line]
    last = np.full(o.n, -1, dtype=np.int64)
    np.maximum.at(last, po_of, got.day)
    pu = rng.random((o.n, 4))
    day = last + rng.poisson(INVOICE_DELAY_POISSON, o.n)
    received = day + rng.poisson(2.0, o.n)
    pos = np.flatnonzero((last >= 0) & (received <= AS_OF_DAY))
    index = np.full(o.n, -1, dtype=np.int64)
    index[pos] = np.arange(pos.size)
    vendor = o.vendor[pos]
    n = pos.size

    # Lines: the received lines of each invoiced PO.
    keep = index[po_of] >= 0
    rline = np.flatnonzero(keep)
    inv_of = index[po_of[rline]]
    line = got.line[rline]
    qty_var = got.short[rline] & (rng.random(rline.size) < QUANTITY_VARIANCE_SHARE)
    quantity = np.where(qty_var, lines.quantity[line], got.quantity[rline])
    price_var = pu[pos, 0] < PRICE_VARIANCE_RATE
    uplift = np.where(price_var, 1.01 + 0.07 * pu[pos, 1], 1.0)
    price = np.round(lines.price[line] * uplift[inv_of], 2)
    amount = np.round(quantity * price, 2)
    net = np.round(np.bincount(inv_of, weights=amount, minlength=n), 2)
    tax = np.round(net * geo().country_vat[v.pop.country[vendor]], 2)
    gross = np.round(net + tax, 2)
    if drng is not None:
        d = drng.random((n, 2))
        wrong = d[:, 0] < DEFECTS.gross_mismatch
        gross = np.where(wrong, np.round(gross + 1 + 99 * d[:, 1], 2), gross)
        bad.add(
            INVOICES, "gross_amount", "not_net_plus_tax", int(wrong.sum()), n, "gross ≠ net + tax by 1–100"
        )

    missing_po = ~v.e_invoicing[vendor] & (pu[pos, 2] < PO_REFERENCE_MISSING_PAPER)
    has_qty_var = np.bincount(inv_of, weights=qty_var, minlength=n) > 0
    status = np.where(missing_po, 3, np.where(price_var, 1, np.where(has_qty_var, 2, 0)))
    price_gap = np.round(np.bincount(inv_of, weights=amount - quantity * lines.price[line], minlength=n), 2)
    qty_gap = np.bincount(inv_of, weights=quantity - got.quantity[rline], minlength=n).astype(np.int64)

    terms = v.terms[vendor]
    offered = v.discount_pct[vendor] > 0
    invoice_id = s.ids("VI", seq.next("invoice", n), 9)
    vu = vrng.random(n)
    own_no = permute(seq.next("supplier-invoice", n), 100_000_000, key_for(seed, "supplier-invoice"))
    supplier_no = s.join(s.where(vu < 0.5, "RE-", "INV-"), s.numbers(own_no, 8))
    who = pa.array(vendor)
    invoices = table(
        INVOICES,
        {
            "invoice_id": invoice_id,
            "supplier_invoice_no": supplier_no,
            "po_id": s.null_where(missing_po, o.po_id.take(pa.array(pos))),
            **{name: values.take(who) for name, values in identity.items()},
            "invoice_date": dates(day[pos]),
            "received_date": dates(received[pos]),
            "due_date": dates(day[pos] + terms),
            "payment_terms_days": ints(terms),
            "discount_pct": floats(v.discount_pct[vendor], ~offered),
            "discount_days": ints(v.discount_days[vendor], ~offered),
            "currency": v.pop.currency.take(who),
            "net_amount": floats(net),
            "tax_amount": floats(tax),
            "gross_amount": floats(gross),
        },
    )
    # lines numbered within their invoice, in PO line order
    order = np.lexsort((lines.line_no[line], inv_of))
    inv_sorted = inv_of[order]
    starts = np.searchsorted(inv_sorted, np.arange(n))
    invoice_lines = table(
        LINES,
        {
            "invoice_id": invoice_id.take(pa.array(inv_sorted)),
            "line_no": ints(np.arange(order.size) - starts[inv_sorted] + 1),
            "po_line_no": ints(lines.line_no[line][order]),
            "quantity": ints(quantity[order]),
            "unit_price": floats(price[order]),
            "line_amount": floats(amount[order]),
        },
    )
    checked = received[pos] * DAY_US + (9 * HOUR_US + pu[pos, 3] * 20 * HOUR_US).astype(np.int64)
    matches = table(
        MATCHES,
        {
            "invoice_id": invoice_id,
            "match_status": labels(MATCH_STATUSES, status),
            "price_variance": floats(np.where(status == 3, 0.0, price_gap), status == 3),
            "quantity_variance": ints(np.where(status == 3, 0, qty_gap), status == 3),
            "checked_at": timestamps(np.minimum(checked, AS_OF_END_US)),
        },
    )
    result = Invoices(
        po=pos,
        vendor=vendor,
        invoice_id=invoice_id,
        day=day[pos],
        received_day=received[pos],
        due_day=day[pos] + terms,
        gross=gross,
        status=status,
        table=invoices,
    )
    return result, invoice_lines, matches
