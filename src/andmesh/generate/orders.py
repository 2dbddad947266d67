"""Sales orders and order lines, drawn from each customer's purchase rate and spend.

For customer ``c`` active for ``T`` days: ``orders ~ Poisson(purchase_rate * T / 365)``,
placed uniformly in the active window (phone, EDI and sales-rep orders moved off the
weekend); ``order value ~ spend_mean * LogNormal(-0.18, 0.6)``; ``lines = 2 +
Binomial(4, 0.4)`` (2–6); each line a catalogue SKU (Zipf popularity) with a
quantity that makes the line worth about its share of the order value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.accounts import Accounts
from andmesh.generate.clock import DAY_US, HOUR_US, weekday
from andmesh.generate.customers import Population
from andmesh.generate.ids import Sequences
from andmesh.generate.schema import dates, floats, ints, labels, table, timestamps
from andmesh.generate.settings import (
    CATALOGUE_ENTROPY,
    CHANNEL_WEIGHTS,
    CHANNELS,
    DEFECTS,
    REQUESTED_DATE_CAPTURED,
    SKU_COUNT,
)
from andmesh.generate.sites import Sites
from andmesh.generate.tally import Tally

ORDERS = "order_management/sales_orders"
LINES = "order_management/order_lines"
STATUSES = ("open", "confirmed", "cancelled", "closed")
OPEN, CONFIRMED, CANCELLED, CLOSED = range(4)
_WEB = CHANNELS.index("web")
_MAX_DISCOUNT = (25.0, 15.0, 5.0)


@dataclass(frozen=True)
class Catalogue:
    """Catalogue prices and popularity of every SKU (the same for all blocks)."""

    price: np.ndarray
    popularity: np.ndarray

    @classmethod
    def draw(cls, seed: int) -> Catalogue:
        rng = np.random.default_rng([seed, *CATALOGUE_ENTROPY])
        price = np.maximum(0.5, np.round(rng.lognormal(3.5, 1.1, SKU_COUNT), 2))
        weight = 1.0 / np.arange(1, SKU_COUNT + 1) ** 0.9
        weight = weight[rng.permutation(SKU_COUNT)]
        return cls(price=price, popularity=np.cumsum(weight) / weight.sum())


@dataclass(frozen=True)
class Orders:
    """Sales orders, sorted by time within the block."""

    customer: np.ndarray
    account: np.ndarray
    ts_us: np.ndarray
    channel: np.ndarray
    site: np.ndarray
    requested_day: np.ndarray
    order_id: pa.Array

    @property
    def n(self) -> int:
        return int(self.customer.size)

    @property
    def day(self) -> np.ndarray:
        return self.ts_us // DAY_US


@dataclass(frozen=True)
class Lines:
    """Order lines; ``quantity`` is as keyed (defective on planted rows), ``ordered`` as meant."""

    order: np.ndarray
    line_no: np.ndarray
    sku: np.ndarray
    ordered: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    discount: np.ndarray

    @property
    def n(self) -> int:
        return int(self.order.size)

    @property
    def fulfillable(self) -> np.ndarray:
        """Lines the warehouse accepts (a quantity of 0 or less is rejected at release)."""
        return self.quantity > 0


def draw(
    pop: Population,
    accounts: Accounts,
    sites: Sites,
    catalogue: Catalogue,
    rng: np.random.Generator,
    vrng: np.random.Generator,
    drng: np.random.Generator | None,
    seq: Sequences,
    defects: Tally,
) -> tuple[Orders, Lines]:
    """Orders and lines of the block's customers."""
    window = pop.active_to - pop.active_from
    count = rng.poisson(pop.purchase_rate * window / 365.0)
    cust = np.repeat(np.arange(pop.n), count)
    m = cust.size
    u = rng.random((m, 6))
    day = pop.active_from[cust] + (u[:, 0] * window[cust]).astype(np.int64)
    cum = np.cumsum(np.asarray(CHANNEL_WEIGHTS), axis=1)[pop.segment[cust]]
    channel = np.minimum((u[:, 1][:, None] > cum).sum(axis=1), len(CHANNELS) - 1)
    wd = weekday(day)
    weekend = (channel != _WEB) & (wd >= 5)
    day = np.maximum(np.where(weekend, day - (wd - 4), day), pop.active_from[cust])
    web_time = u[:, 2] * 24 * HOUR_US
    office_time = (7 + u[:, 2] * 11) * HOUR_US
    ts = day * DAY_US + np.where(channel == _WEB, web_time, office_time).astype(np.int64)
    lead = 2 + rng.poisson(5.0, m)
    value = pop.spend_mean[cust] * np.exp(0.6 * rng.standard_normal(m) - 0.18)

    order = np.argsort(ts, kind="stable")
    cust, ts, channel, u = cust[order], ts[order], channel[order], u[order]
    lead, value, day = lead[order], value[order], day[order]
    order_no = seq.next("order", m)

    # A customer with a duplicate account orders on either once the duplicate exists.
    on_duplicate = (ts >= accounts.duplicate_since_us[cust]) & (vrng.random(m) < 0.5)
    account = np.where(on_duplicate, accounts.duplicate_of[cust], cust)
    site_count = sites.count[cust]
    other = 1 + (u[:, 3] * np.maximum(site_count - 1, 1)).astype(np.int64)
    site = sites.first[cust] + np.where(
        (u[:, 4] < 0.65) | (site_count == 1), 0, np.minimum(other, site_count - 1)
    )
    captured = u[:, 5] < np.asarray(REQUESTED_DATE_CAPTURED)[channel]
    requested = np.where(captured, day + lead, -1)
    orders = Orders(cust, account, ts, channel, site, requested, s.ids("SO", order_no, 9))
    return orders, _lines(pop, orders, value, catalogue, rng, drng, defects)


def _lines(
    pop: Population,
    orders: Orders,
    value: np.ndarray,
    catalogue: Catalogue,
    rng: np.random.Generator,
    drng: np.random.Generator | None,
    defects: Tally,
) -> Lines:
    m = orders.n
    per_order = 2 + rng.binomial(4, 0.4, m)
    order = np.repeat(np.arange(m), per_order)
    first = np.concatenate([[0], np.cumsum(per_order)[:-1]]).astype(np.int64)
    n_lines = order.size
    line_no = np.arange(n_lines) - first[order] + 1
    u = rng.random((n_lines, 3))
    sku = np.minimum(np.searchsorted(catalogue.popularity, u[:, 0]), SKU_COUNT - 1)
    currency = np.asarray(pop.currency.to_numpy(zero_copy_only=False))[orders.customer]
    factor = np.where(currency == "USD", 1.1, np.where(currency == "GBP", 0.86, 1.0))[order]
    price = np.maximum(0.5, np.round(catalogue.price[sku] * factor, 2))
    target = value[order] / per_order[order] * np.exp(0.5 * rng.standard_normal(n_lines) - 0.125)
    quantity = np.clip(np.round(target / price), 1, 5000).astype(np.int64)
    top = np.asarray(_MAX_DISCOUNT)[pop.segment[orders.customer[order]]]
    discount = np.where(u[:, 1] < 0.4, 0.0, np.round(u[:, 2] * top * 2) / 2)
    keyed = quantity.copy()
    if drng is not None:
        d = drng.random((n_lines, 2))
        bad = d[:, 0] < DEFECTS.quantity_not_positive
        keyed[bad] = np.where(d[bad, 1] < 0.5, 0, -np.maximum(1, quantity[bad] // 2))
        defects.add(
            LINES,
            "quantity",
            "not_positive",
            int(bad.sum()),
            n_lines,
            "quantity keyed as 0 or negative (line is rejected by the warehouse)",
        )
    return Lines(order, line_no, sku, quantity, keyed, price, discount)


def line_net(lines: Lines, quantity: np.ndarray) -> np.ndarray:
    """Net value per line for ``quantity``, rounded to cents."""
    return np.asarray(np.round(quantity * lines.unit_price * (1 - lines.discount / 100), 2))


def orders_table(
    orders: Orders, status: np.ndarray, accounts: Accounts, sites: Sites, pop: Population
) -> pa.Table:
    """``order_management/sales_orders``."""
    return table(
        ORDERS,
        {
            "order_id": orders.order_id,
            "account_no": accounts.account_no.take(pa.array(orders.account)),
            "order_ts": timestamps(orders.ts_us),
            "requested_delivery_date": dates(orders.requested_day, orders.requested_day < 0),
            "channel": labels(CHANNELS, orders.channel),
            "currency": pop.currency.take(pa.array(orders.customer)),
            "ship_to_site_id": sites.site_id.take(pa.array(orders.site)),
            "status": labels(STATUSES, status),
        },
    )


def lines_table(lines: Lines, orders: Orders) -> pa.Table:
    """``order_management/order_lines``."""
    return table(
        LINES,
        {
            "order_id": orders.order_id.take(pa.array(lines.order)),
            "line_no": ints(lines.line_no),
            "sku": s.ids("SKU-", lines.sku, 5),
            "quantity": ints(lines.quantity),
            "unit_price": floats(lines.unit_price),
            "discount_pct": floats(lines.discount),
        },
    )
