"""Customer invoicing: one invoice per shipment, for the quantities shipped.

``invoice_date = ship date + Poisson(0.8) days`` (5% of invoices 3–15 days later);
``net = Σ round(quantity_shipped * unit_price * (1 - discount_pct / 100), 2)``,
``tax = round(net * VAT rate of the customer's country, 2)``, ``gross = net + tax``;
terms come from the credit file, ``due_date = invoice_date + terms``. The bill-to
block is billing's copy of the order's sales account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from andmesh.generate import strings as s
from andmesh.generate.accounts import Accounts
from andmesh.generate.clock import AS_OF_DAY, day_of
from andmesh.generate.credit import CreditFiles
from andmesh.generate.customers import Population
from andmesh.generate.geo import geo
from andmesh.generate.ids import Sequences
from andmesh.generate.logistics import Fulfillment, Shipments
from andmesh.generate.orders import Lines, Orders, line_net
from andmesh.generate.schema import dates, floats, ints, table
from andmesh.generate.settings import DEFECTS
from andmesh.generate.tally import Tally

INVOICES = "customer_invoicing/invoices"


@dataclass(frozen=True)
class Invoices:
    """Invoices; ``order``/``shipment`` index the block's orders and shipments."""

    order: np.ndarray
    shipment: np.ndarray
    customer: np.ndarray
    invoice_id: pa.Array
    invoice_day: np.ndarray
    due_day: np.ndarray
    terms: np.ndarray
    gross: np.ndarray
    currency: pa.Array
    table: pa.Table

    @property
    def n(self) -> int:
        return int(self.order.size)


def invoice(
    pop: Population,
    orders: Orders,
    lines: Lines,
    accounts: Accounts,
    files: CreditFiles,
    fulfillment: Fulfillment,
    shipments: Shipments,
    rng: np.random.Generator,
    drng: np.random.Generator | None,
    seq: Sequences,
    defects: Tally,
) -> Invoices:
    """Invoices for shipments whose invoice date is on or before the as-of date."""
    # Draws per order (not per shipment), so defects that drop a shipment shift nothing else.
    u = rng.random((orders.n, 2))[shipments.order]
    lag = rng.poisson(0.8, orders.n)[shipments.order] + (u[:, 0] < 0.05) * (
        3 + (12 * u[:, 1]).astype(np.int64)
    )
    invoice_day = day_of(shipments.shipped_us) + lag
    keep = np.flatnonzero(invoice_day <= AS_OF_DAY)
    order = shipments.order[keep]
    invoice_day = invoice_day[keep]
    c = orders.customer[order]

    shipped = np.maximum(fulfillment.shipped, 0)
    net_line = line_net(_take(lines, fulfillment.line), shipped)
    net_order = np.round(np.bincount(lines.order[fulfillment.line], weights=net_line, minlength=orders.n), 2)
    net = net_order[order]
    tax = np.round(net * geo().country_vat[pop.country[c]], 2)
    gross = np.round(net + tax, 2)
    if drng is not None:
        d = drng.random((orders.n, 2))[order]
        bad = d[:, 0] < DEFECTS.gross_mismatch
        delta = np.round(np.where(d[:, 1] < 0.5, -1, 1) * (1 + 99 * d[:, 1]), 2)
        gross = np.where(bad, np.round(gross + delta, 2), gross)
        defects.add(
            INVOICES,
            "gross_amount",
            "not_net_plus_tax",
            int(bad.sum()),
            keep.size,
            "gross_amount differs from net_amount + tax_amount by 1–100",
        )
    terms = files.terms[c]
    due_day = invoice_day + terms
    currency = pop.currency.take(pa.array(c))
    invoice_id = s.ids("INV", seq.next("invoice", keep.size), 9)
    account = pa.array(orders.account[order])
    bill_to = {name: column.take(account) for name, column in accounts.bill_to.items()}
    invoices = table(
        INVOICES,
        {
            "invoice_id": invoice_id,
            "order_id": orders.order_id.take(pa.array(order)),
            **bill_to,
            "invoice_date": dates(invoice_day),
            "due_date": dates(due_day),
            "payment_terms_days": ints(terms),
            "currency": currency,
            "net_amount": floats(net),
            "tax_amount": floats(tax),
            "gross_amount": floats(gross),
        },
    )
    return Invoices(order, keep, c, invoice_id, invoice_day, due_day, terms, gross, currency, invoices)


def _take(lines: Lines, rows: np.ndarray) -> Lines:
    return Lines(
        order=lines.order[rows],
        line_no=lines.line_no[rows],
        sku=lines.sku[rows],
        ordered=lines.ordered[rows],
        quantity=lines.quantity[rows],
        unit_price=lines.unit_price[rows],
        discount=lines.discount[rows],
    )
