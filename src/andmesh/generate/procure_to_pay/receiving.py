"""Receiving's goods receipts: one per PO line delivered by the as-of date.

A PO arrives in one delivery: on time (0–3 days early) with the vendor's ``on_time``
probability, otherwise ``1 + Gamma(2, late_scale)`` days after the expected date; 10%
of lines are back-ordered a further 1–10 days. A line is short (50–95% of the
quantity) with the vendor's ``short`` probability. Cancelled POs and lines with a
quantity below 1 receive nothing.

The planted gap: the two sites that key receipts from paper delivery notes capture the
delivery date on only 30% of them (``received_date`` null); every receipt has its
posting time (manual sites post 1–3 days after the delivery).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.clock import AS_OF_DAY, DAY_US, HOUR_US
from andmesh.generate.ids import Sequences
from andmesh.generate.procure_to_pay.purchasing import Lines, Orders
from andmesh.generate.procure_to_pay.schema import table
from andmesh.generate.procure_to_pay.settings import MANUAL_DATE_CAPTURED, MANUAL_SITES, SITES
from andmesh.generate.procure_to_pay.vendors import Vendors
from andmesh.generate.schema import dates, ints, timestamps

RECEIPTS = "receiving/goods_receipts"
_MANUAL = np.array([site in MANUAL_SITES for site in SITES])


@dataclass(frozen=True)
class Receipts:
    """Per PO line: whether it was received, when, how much (rows of ``line``)."""

    line: np.ndarray  # PO line of each receipt
    day: np.ndarray  # true delivery day
    quantity: np.ndarray
    short: np.ndarray
    on_time: np.ndarray
    table: pa.Table


def receive(v: Vendors, o: Orders, lines: Lines, rng: np.random.Generator, seq: Sequences) -> Receipts:
    pu = rng.random((o.n, 2))
    late = pu[:, 0] >= v.on_time[o.vendor]
    delay = np.where(
        late,
        1 + np.ceil(rng.gamma(2.0, v.late_scale[o.vendor])),
        -np.floor(pu[:, 1] * 4),
    ).astype(np.int64)
    lu = rng.random((lines.n, 5))
    backorder = np.where(lu[:, 0] < 0.1, 1 + (lu[:, 1] * 10).astype(np.int64), 0)
    day = o.expected_day[lines.po] + delay[lines.po] + backorder
    vendor = o.vendor[lines.po]
    site = o.site[lines.po]
    manual = _MANUAL[site]
    post_day = day + np.where(manual, 1 + (lu[:, 2] * 3).astype(np.int64), 0)
    received = ~o.cancelled[lines.po] & (lines.quantity >= 1) & (post_day <= AS_OF_DAY)
    short = lu[:, 3] < v.short[vendor]
    quantity = np.where(
        short, np.maximum(1, np.floor(lines.quantity * (0.5 + 0.45 * lu[:, 4]))), lines.quantity
    ).astype(np.int64)
    short &= quantity < lines.quantity
    captured = ~manual | (rng.random(lines.n) < MANUAL_DATE_CAPTURED)
    hour = rng.random(lines.n)
    rows = np.flatnonzero(received)
    posted = post_day[rows] * DAY_US + (7 * HOUR_US + hour[rows] * 10 * HOUR_US).astype(np.int64)
    receipts = table(
        RECEIPTS,
        {
            "receipt_id": s.ids("GR", seq.next("receipt", rows.size), 10),
            "po_id": o.po_id.take(pa.array(lines.po[rows])),
            "line_no": ints(lines.line_no[rows]),
            "receiving_site": s.take(s.vocab(SITES), site[rows]),
            "received_date": dates(day[rows], ~captured[rows]),
            "posted_at": timestamps(posted),
            "quantity_received": ints(quantity[rows]),
        },
    )
    expected = o.expected_day[lines.po[rows]]
    return Receipts(rows, day[rows], quantity[rows], short[rows], day[rows] <= expected, receipts)
