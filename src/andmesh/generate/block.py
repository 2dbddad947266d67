"""One block of customers through the whole Order-to-Cash flow.

A block is ``BLOCK_CUSTOMERS`` customers with their own random streams, generated
start to finish: customers → master records of every unit → orders → credit →
fulfillment → shipping → invoicing → receivables → payments and dunning. The result
is one Arrow table per output table, plus what was planted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from andmesh.generate import (
    accounts,
    collection,
    credit,
    customers,
    invoicing,
    logistics,
    orders,
    receivables,
    sites,
)
from andmesh.generate.ids import Sequences
from andmesh.generate.orders import CLOSED, Catalogue, line_net
from andmesh.generate.schema import table
from andmesh.generate.settings import STREAM_DEFECTS, STREAM_VARIATION, VariationRates
from andmesh.generate.tally import Tally
from andmesh.generate.variants import Keyed


@dataclass(frozen=True)
class Plan:
    """What every block shares: seed, rates, whether to plant defects, the catalogue."""

    seed: int
    rates: VariationRates
    defects: bool
    catalogue: Catalogue


@dataclass
class BlockResult:
    """The tables of one block and the variations and defects planted in it."""

    tables: dict[str, pa.Table]
    variations: Tally = field(default_factory=Tally)
    defects: Tally = field(default_factory=Tally)


def generate(plan: Plan, block: int, first: int, n: int, seq: Sequences) -> BlockResult:
    """Generate customers ``first .. first + n - 1`` (block number ``block``)."""
    seed = plan.seed
    rng = np.random.default_rng([seed, block])
    vrng = np.random.default_rng([seed, block, STREAM_VARIATION])
    drng = np.random.default_rng([seed, block, STREAM_DEFECTS]) if plan.defects else None
    result = BlockResult(tables={})
    keyed = Keyed(plan.rates, result.variations)
    bad = result.defects

    pop = customers.draw(rng, seed, first, n)
    acc = accounts.draw(pop, vrng, drng, seq, keyed, bad, seed)
    site = sites.draw(pop, rng, vrng, seq, keyed, seed)
    files = credit.draw_files(pop, rng, vrng, keyed, seed)
    debtors = receivables.debtors(pop, vrng, keyed, seed)
    payer = accounts.payer_names(pop, vrng, keyed)
    ibans = collection.iban_hashes(pop, seed)

    order, lines = orders.draw(pop, acc, site, plan.catalogue, rng, vrng, drng, seq, bad)
    value = np.bincount(lines.order, weights=line_net(lines, lines.ordered), minlength=order.n)
    decisions = credit.decide(pop, files, order, value, rng, seq)
    fulfilled = logistics.fulfil(order, lines, site, decisions.proceed_us, rng, seq)
    shipped = logistics.ship(pop, order, site, lines, fulfilled, rng, drng, seq, bad)
    invoices = invoicing.invoice(pop, order, lines, acc, files, fulfilled, shipped, rng, drng, seq, bad)
    settlement = receivables.settle(pop, invoices, shipped, debtors, order.n, rng, seq)
    payments = collection.pay(pop, order, invoices, settlement, payer, ibans, rng, drng, seq, bad)
    dunning = collection.dun(invoices, settlement, order, acc, rng, seq)

    status = decisions.status.copy()
    status[invoices.order] = CLOSED
    ids = customers.customer_ids(pop.index)
    result.tables = {
        "order_management/customers": acc.table,
        "order_management/sales_orders": orders.orders_table(order, status, acc, site, pop),
        "order_management/order_lines": orders.lines_table(lines, order),
        "credit_management/credit_files": files.table,
        "credit_management/credit_decisions": decisions.table,
        "order_fulfillment/fulfillment_lines": fulfilled.table,
        "shipping/ship_to_sites": site.table,
        "shipping/shipments": shipped.table,
        "customer_invoicing/invoices": invoices.table,
        "accounts_receivable/open_items": settlement.table,
        "payments_collection/payments": payments.table,
        "payments_collection/dunning_actions": dunning,
        "truth/customers": customers.truth_table(pop),
        "truth/record_map": _record_map(
            ids,
            [
                ("order_management", "customers", acc.account_no, acc.customer),
                ("credit_management", "credit_files", files.file_id, np.arange(n)),
                ("shipping", "ship_to_sites", site.site_id, site.customer),
                ("customer_invoicing", "invoices", invoices.invoice_id, invoices.customer),
                ("accounts_receivable", "open_items", debtors.ref, np.arange(n)),
                ("payments_collection", "payments", payments.payment_id, payments.customer),
            ],
        ),
    }
    return result


def _record_map(ids: pa.Array, parts: list[tuple[str, str, pa.Array, np.ndarray]]) -> pa.Table:
    """``truth/record_map``: each domain record of a customer → its ``customer_id``."""
    domain = pa.concat_arrays([pa.array([d] * len(r), pa.string()) for d, _, r, _ in parts])
    name = pa.concat_arrays([pa.array([t] * len(r), pa.string()) for _, t, r, _ in parts])
    record = pa.concat_arrays([r for _, _, r, _ in parts])
    owner = ids.take(pa.array(np.concatenate([np.asarray(c, dtype=np.int64) for _, _, _, c in parts])))
    return table(
        "truth/record_map", {"domain": domain, "table": name, "record_id": record, "customer_id": owner}
    )
