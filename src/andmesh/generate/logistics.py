"""Order fulfillment (warehouse lines) and shipping (one shipment per order).

Once credit lets an order proceed, the warehouse releases it within 0.1–4 h; each
line is picked after ``Gamma(2, 2 h)`` (5% delayed a further 1–3 days) and packed
``Gamma(2, 0.5 h)`` later (2% a day late). ``SHORT_SHIPMENT_RATE`` of lines ship
20–95% of the quantity. When every line is packed the order ships 1–20 h later with
one carrier; transit is ``1 + Poisson(1.2)`` days (+1 in the US), 7% of shipments
are 2–8 days late, 1% end in an exception. Only DB Schenker's and Kuehne+Nagel's
feeds carry the proof-of-delivery time (the planted ``pod_signed_at`` gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.clock import AS_OF_END_US, HOUR_US, MINUTE_US, day_of, days, hours
from andmesh.generate.customers import Population
from andmesh.generate.geo import COUNTRY_CODES
from andmesh.generate.ids import Sequences
from andmesh.generate.orders import Lines, Orders
from andmesh.generate.schema import dates, ints, labels, table, timestamps
from andmesh.generate.settings import DEFECTS, DELIVERY_EXCEPTION_RATE, SHORT_SHIPMENT_RATE, WAREHOUSES
from andmesh.generate.sites import Sites
from andmesh.generate.tally import Tally
from andmesh.generate.vocab import CARRIERS

FULFILLMENT = "order_fulfillment/fulfillment_lines"
SHIPMENTS = "shipping/shipments"
DELIVERY_STATUSES = ("in_transit", "delivered", "exception")
_US = COUNTRY_CODES.index("US")


@dataclass(frozen=True)
class Fulfillment:
    """Warehouse lines: ``line`` indexes order lines; ``shipped`` is null (-1) until packed."""

    line: np.ndarray
    shipped: np.ndarray
    table: pa.Table


@dataclass(frozen=True)
class Shipments:
    """Shipped orders: ``order`` indexes orders; lateness and shortness feed disputes."""

    order: np.ndarray
    shipped_us: np.ndarray
    late: np.ndarray
    short: np.ndarray
    table: pa.Table


def fulfil(
    orders: Orders,
    lines: Lines,
    sites: Sites,
    proceed_us: np.ndarray,
    rng: np.random.Generator,
    seq: Sequences,
) -> Fulfillment:
    """Warehouse lines of every order released before the as-of date."""
    m = orders.n
    ou = rng.random((m, 2))
    release = np.where(proceed_us >= 0, proceed_us + hours(0.1 + 3.9 * ou[:, 0]), -1)
    region = sites.region[orders.site]
    warehouse = np.where(ou[:, 1] < 0.85, region, (region + 1 + (ou[:, 1] * 20).astype(np.int64)) % 4)

    n = lines.n
    lu = rng.random((n, 6))
    pick_gap = rng.gamma(2.0, 2.0, n) + (lu[:, 0] < 0.05) * (24 + 48 * lu[:, 1])
    pack_gap = rng.gamma(2.0, 0.5, n) + (lu[:, 2] < 0.02) * 24
    o = lines.order
    picked = release[o] + hours(pick_gap)
    packed = picked + hours(pack_gap)
    short = lu[:, 3] < SHORT_SHIPMENT_RATE
    shipped = np.where(
        short, np.floor(lines.ordered * (0.2 + 0.75 * lu[:, 4])).astype(np.int64), lines.ordered
    )

    rows = np.flatnonzero((release[o] >= 0) & (release[o] <= AS_OF_END_US) & lines.fulfillable)
    picked_null = picked[rows] > AS_OF_END_US
    packed_null = packed[rows] > AS_OF_END_US
    quantity = np.where(packed_null, -1, shipped[rows])
    fulfillment = table(
        FULFILLMENT,
        {
            "fulfillment_id": s.ids("FUL", seq.next("fulfillment", rows.size), 10),
            "order_id": orders.order_id.take(pa.array(o[rows])),
            "line_no": ints(lines.line_no[rows]),
            "warehouse": labels(WAREHOUSES, warehouse[o[rows]]),
            "released_at": timestamps(release[o[rows]]),
            "picked_at": timestamps(picked[rows], picked_null),
            "packed_at": timestamps(packed[rows], packed_null),
            "quantity_shipped": ints(quantity, packed_null),
        },
    )
    return Fulfillment(rows, quantity, fulfillment)


def ship(
    pop: Population,
    orders: Orders,
    sites: Sites,
    lines: Lines,
    fulfillment: Fulfillment,
    rng: np.random.Generator,
    drng: np.random.Generator | None,
    seq: Sequences,
    defects: Tally,
) -> Shipments:
    """One shipment per order whose lines are all packed (and something shipped)."""
    m = orders.n
    o = lines.order[fulfillment.line]
    lines_per_order = np.bincount(o, minlength=m)
    packed_per_order = np.bincount(o, weights=fulfillment.shipped >= 0, minlength=m)
    quantity_per_order = np.bincount(o, weights=np.maximum(fulfillment.shipped, 0), minlength=m)
    short_per_order = np.bincount(
        o,
        weights=(fulfillment.shipped >= 0) & (fulfillment.shipped < lines.ordered[fulfillment.line]),
        minlength=m,
    )
    last_pack = np.full(m, -1, dtype=np.int64)
    packed_us = fulfillment.table.column("packed_at").cast(pa.int64()).fill_null(-1).to_numpy()
    np.maximum.at(last_pack, o, packed_us)

    u = rng.random((m, 8))
    transit = rng.poisson(1.2, m)
    lead = rng.poisson(2.0, m)
    shipped_us = last_pack + hours(1 + 19 * u[:, 0])
    complete = (lines_per_order > 0) & (packed_per_order == lines_per_order) & (quantity_per_order > 0)
    rows = np.flatnonzero(complete & (shipped_us <= AS_OF_END_US))
    k = rows.size

    weights = np.array([w for _, w, _ in CARRIERS])
    carrier = np.minimum(np.searchsorted(np.cumsum(weights) / weights.sum(), u[rows, 1]), len(CARRIERS) - 1)
    has_pod = np.array([pod for _, _, pod in CARRIERS])[carrier]
    order_day = orders.day[rows]
    requested = orders.requested_day[rows]
    promised = np.where(requested >= order_day + 1, requested, order_day + 3 + lead[rows])
    delay_days = (
        1
        + transit[rows]
        + (pop.country[orders.customer[rows]] == _US)
        + (u[rows, 2] < 0.07) * (2 + 6 * u[rows, 3])
    )
    ship_us = shipped_us[rows]
    delivered = np.maximum(ship_us + days(delay_days) + hours(-4 + 8 * u[rows, 4]), ship_us + HOUR_US)
    exception = u[rows, 5] < DELIVERY_EXCEPTION_RATE
    in_transit = ~exception & (delivered > AS_OF_END_US)
    status = np.where(exception, 2, np.where(in_transit, 0, 1))
    delivered_null = status != 1
    pod = delivered + (MINUTE_US * 45 * u[rows, 6]).astype(np.int64)
    pod_null = delivered_null | ~has_pod | (pod > AS_OF_END_US)
    late = ~delivered_null & (day_of(delivered) > promised)
    if drng is not None:
        bad = (drng.random(m)[rows] < DEFECTS.delivered_before_shipped) & ~delivered_null
        delivered = np.where(bad, ship_us - hours(1 + 47 * u[rows, 7]), delivered)
        pod = np.where(bad, delivered + MINUTE_US, pod)
        defects.add(
            SHIPMENTS,
            "delivered_at",
            "before_shipped_at",
            int(bad.sum()),
            k,
            "carrier scan earlier than the shipment left the warehouse",
        )

    shipments = table(
        SHIPMENTS,
        {
            "shipment_id": s.ids("SH", seq.next("shipment", k), 9),
            "order_id": orders.order_id.take(pa.array(rows)),
            "ship_to_site_id": sites.site_id.take(pa.array(orders.site[rows])),
            "carrier": labels(tuple(c for c, _, _ in CARRIERS), carrier),
            "promised_date": dates(promised),
            "shipped_at": timestamps(ship_us),
            "delivered_at": timestamps(delivered, delivered_null),
            "pod_signed_at": timestamps(pod, pod_null),
            "delivery_status": labels(DELIVERY_STATUSES, status),
        },
    )
    return Shipments(rows, ship_us, late, short_per_order[rows] > 0, shipments)
