"""Procurement's purchase orders and PO lines.

Per vendor, ``Poisson(purchase_rate · active days / 365)`` POs, uniform over its active
window (the Order-to-Cash purchase rate: 22 / 9 / 3.5 a year by tier); PO value
``spend_mean · LogNormal(−0.18, 0.6)``; ``1 + Binomial(5, 0.4)`` lines, each an item of
an 8,000-item catalogue (popularity ∝ u²) at the item's list price, the quantity its
share of the PO value; expected delivery ``order day + 5 + Poisson(7)`` days; 2% of POs
are cancelled. After a vendor got a duplicate record, half its POs use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.clock import DAY_US, HOUR_US
from andmesh.generate.ids import Sequences
from andmesh.generate.procure_to_pay.masters import PurchasingVendors
from andmesh.generate.procure_to_pay.schema import table
from andmesh.generate.procure_to_pay.settings import (
    DEFECTS,
    ITEM_COUNT,
    LEAD_DAYS,
    LEAD_POISSON,
    PO_CANCEL_RATE,
    SITE_WEIGHTS,
    SITES,
)
from andmesh.generate.procure_to_pay.vendors import Vendors
from andmesh.generate.schema import dates, floats, ints, timestamps
from andmesh.generate.tally import Tally

POS = "procurement/purchase_orders"
LINES = "procurement/po_lines"


@dataclass(frozen=True)
class Orders:
    """Purchase orders of a block, in time order."""

    vendor: np.ndarray
    record: np.ndarray  # row of the vendor record (purchasing master) the PO names
    day: np.ndarray
    ordered_us: np.ndarray
    expected_day: np.ndarray
    site: np.ndarray
    cancelled: np.ndarray
    po_id: pa.Array

    @property
    def n(self) -> int:
        return int(self.vendor.size)


@dataclass(frozen=True)
class Lines:
    """PO lines: the PO they belong to, number, item, quantity, price."""

    po: np.ndarray
    line_no: np.ndarray
    item: np.ndarray
    quantity: np.ndarray
    price: np.ndarray

    @property
    def n(self) -> int:
        return int(self.po.size)


def item_price(item: np.ndarray) -> np.ndarray:
    """The list price of each item (deterministic: 2 to ~3,000 in the PO currency)."""
    frac = (np.asarray(item, dtype=np.float64) * 0.6180339887) % 1.0
    return np.round(np.exp(0.7 + 7.3 * frac**1.5), 2)


def draw(
    v: Vendors,
    master: PurchasingVendors,
    rng: np.random.Generator,
    drng: np.random.Generator | None,
    seq: Sequences,
    defects: Tally,
) -> tuple[Orders, Lines]:
    pop = v.pop
    span = np.maximum(pop.active_to - pop.active_from, 0)
    count = rng.poisson(pop.purchase_rate * span / 365.0)
    vendor = np.repeat(np.arange(v.n), count)
    u = rng.random((vendor.size, 7))
    day = pop.active_from[vendor] + (u[:, 0] * span[vendor]).astype(np.int64)
    order = np.lexsort((vendor, day))
    vendor, day, u = vendor[order], day[order], u[order]
    n = vendor.size
    ordered_us = day * DAY_US + (8 * HOUR_US + u[:, 1] * 9 * HOUR_US).astype(np.int64)
    dup = master.duplicate_row[vendor]
    use_dup = (dup >= 0) & (day >= master.duplicate_since_day[vendor]) & (u[:, 2] < 0.5)
    record = np.where(use_dup, dup, vendor)
    expected = day + LEAD_DAYS + rng.poisson(LEAD_POISSON, n)
    cum = np.cumsum(SITE_WEIGHTS)
    site = np.minimum(np.searchsorted(cum / cum[-1], u[:, 3]), len(SITES) - 1)
    orders = Orders(
        vendor=vendor,
        record=record,
        day=day,
        ordered_us=ordered_us,
        expected_day=expected,
        site=site,
        cancelled=u[:, 4] < PO_CANCEL_RATE,
        po_id=s.ids("PO", seq.next("po", n), 9),
    )

    per_po = 1 + rng.binomial(5, 0.4, n)
    po = np.repeat(np.arange(n), per_po)
    starts = np.concatenate([[0], np.cumsum(per_po)[:-1]])
    line_no = np.arange(po.size) - starts[po] + 1
    lu = rng.random((po.size, 2))
    item = np.minimum((lu[:, 0] ** 2 * ITEM_COUNT).astype(np.int64), ITEM_COUNT - 1)
    price = item_price(item)
    value = pop.spend_mean[vendor] * np.exp(-0.18 + 0.6 * rng.standard_normal(n))
    weight = 0.2 + lu[:, 1]
    share = weight / np.bincount(po, weights=weight, minlength=n)[po]
    quantity = np.maximum(1, np.round(value[po] * share / price)).astype(np.int64)
    if drng is not None:
        d = drng.random((po.size, 2))
        bad = d[:, 0] < DEFECTS.quantity_not_positive
        quantity = np.where(bad, -(d[:, 1] * 3).astype(np.int64), quantity)
        defects.add(LINES, "quantity", "not_positive", int(bad.sum()), po.size, "quantity of 0 or less keyed")
    return orders, Lines(po=po, line_no=line_no, item=item, quantity=quantity, price=price)


def orders_table(o: Orders, status: np.ndarray, master: PurchasingVendors, v: Vendors) -> pa.Table:
    return table(
        POS,
        {
            "po_id": o.po_id,
            "vendor_no": master.vendor_no.take(pa.array(o.record)),
            "ordered_at": timestamps(o.ordered_us),
            "expected_delivery_date": dates(o.expected_day),
            "receiving_site": s.take(s.vocab(SITES), o.site),
            "currency": v.pop.currency.take(pa.array(o.vendor)),
            "status": s.take(s.vocab(PO_STATUSES), status),
        },
    )


PO_STATUSES = ("open", "partially_received", "received", "cancelled")


def lines_table(lines: Lines, o: Orders) -> pa.Table:
    return table(
        LINES,
        {
            "po_id": o.po_id.take(pa.array(lines.po)),
            "line_no": ints(lines.line_no),
            "item_code": s.ids("MAT-", lines.item, 5),
            "quantity": ints(lines.quantity),
            "unit_price": floats(lines.price),
        },
    )
