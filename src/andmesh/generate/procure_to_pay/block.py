"""One block of vendors through the whole Procure-to-Pay flow.

vendors → each unit's vendor record → purchase orders and lines → goods receipts →
vendor invoices, lines and three-way match → payments; supplier certificates and
delivery scorecards. Random streams per block as in Order-to-Cash:
``[seed, block]`` (population and transactions), ``[seed, block, 1]`` (record
variations), ``[seed, block, 2]`` (defects).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from andmesh.generate.block import BlockResult
from andmesh.generate.ids import Sequences
from andmesh.generate.procure_to_pay import (
    masters,
    payables,
    purchasing,
    receiving,
    suppliers,
    treasury,
    vendors,
)
from andmesh.generate.procure_to_pay.schema import table
from andmesh.generate.settings import STREAM_DEFECTS, STREAM_VARIATION, VariationRates
from andmesh.generate.variants import Keyed

# A stream of its own for the vendor master's numbering, so P2P blocks never reuse
# Order-to-Cash's generators for the same seed and block.
STREAM_P2P = 7


def generate(
    seed: int, rates: VariationRates, defects: bool, block: int, first: int, n: int, seq: Sequences
) -> BlockResult:
    """Generate vendors ``first .. first + n - 1`` (block number ``block``)."""
    rng = np.random.default_rng([seed, STREAM_P2P, block])
    vrng = np.random.default_rng([seed, STREAM_P2P, block, STREAM_VARIATION])
    drng = np.random.default_rng([seed, STREAM_P2P, block, STREAM_DEFECTS]) if defects else None
    result = BlockResult(tables={})
    keyed = Keyed(rates, result.variations)
    bad = result.defects

    v = vendors.draw(rng, seed, first, n)
    master = masters.purchasing(v, vrng, seq, keyed, seed)
    identity = masters.payables_identity(v, vrng, keyed)
    payees = masters.payees(v, vrng, seq, keyed, seed)
    files = masters.supplier_files(v, rng, vrng, keyed, seed)

    orders, lines = purchasing.draw(v, master, rng, drng, seq, bad)
    got = receiving.receive(v, orders, lines, rng, seq)
    inv, inv_lines, matches = payables.invoice(
        v, orders, lines, got, identity, rng, vrng, drng, seq, bad, seed
    )
    payments, _ = treasury.pay(v, inv, payees, rng, drng, seq, bad)

    status = _po_status(orders, lines, got)
    ids = vendors.vendor_ids(v.number)
    result.tables = {
        "procurement/vendors": master.table,
        "procurement/purchase_orders": purchasing.orders_table(orders, status, master, v),
        "procurement/po_lines": purchasing.lines_table(lines, orders),
        "receiving/goods_receipts": got.table,
        "accounts_payable/vendor_invoices": inv.table,
        "accounts_payable/invoice_lines": inv_lines,
        "accounts_payable/match_results": matches,
        "treasury/payee_accounts": payees.table,
        "treasury/payments": payments,
        "supplier_management/supplier_files": files.table,
        "supplier_management/certifications": suppliers.certificates(v, files, rng, seq),
        "supplier_management/delivery_performance": suppliers.performance(v, files, orders, lines, got),
        "truth/vendors": vendors.truth_table(v),
        "truth/record_map": _record_map(
            ids,
            [
                ("procurement", "vendors", master.vendor_no, master.vendor),
                ("accounts_payable", "vendor_invoices", inv.invoice_id, inv.vendor),
                ("treasury", "payee_accounts", payees.payee_id, payees.vendor),
                ("supplier_management", "supplier_files", files.supplier_id, files.vendor),
            ],
        ),
    }
    return result


def _po_status(orders: purchasing.Orders, lines: purchasing.Lines, got: receiving.Receipts) -> np.ndarray:
    """open / partially_received / received / cancelled (indexes into PO_STATUSES)."""
    total = np.bincount(lines.po, minlength=orders.n)
    done = np.bincount(lines.po[got.line], minlength=orders.n)
    status = np.where(done == 0, 0, np.where(done < total, 1, 2))
    return np.where(orders.cancelled, 3, status)


def _record_map(ids: pa.Array, parts: list[tuple[str, str, pa.Array, np.ndarray]]) -> pa.Table:
    """``truth/record_map``: each unit's record of a vendor → its ``vendor_id``."""
    domain = pa.concat_arrays([pa.array([d] * len(r), pa.string()) for d, _, r, _ in parts])
    name = pa.concat_arrays([pa.array([t] * len(r), pa.string()) for _, t, r, _ in parts])
    record = pa.concat_arrays([r for _, _, r, _ in parts])
    owner = ids.take(pa.array(np.concatenate([np.asarray(c, dtype=np.int64) for _, _, _, c in parts])))
    return table(
        "truth/record_map", {"domain": domain, "table": name, "record_id": record, "vendor_id": owner}
    )
