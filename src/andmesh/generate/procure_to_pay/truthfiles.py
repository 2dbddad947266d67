"""``truth/gaps.yaml``, ``truth/defects.yaml`` and ``truth/manifest.yaml`` for Procure-to-Pay.

Gap counts are measured on the written rows, so the file states exactly what a scan of
the data finds. The variations file is Order-to-Cash's
(:func:`andmesh.generate.truthfiles.variations_document`).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from andmesh.generate import truthfiles as o2c_truth
from andmesh.generate.procure_to_pay.settings import DEFECTS, GENERATOR_VERSION
from andmesh.generate.settings import AS_OF, BLOCK_CUSTOMERS, HISTORY_START
from andmesh.generate.tally import Tally

# (table, column, which rows count, what the enterprise needs, what is wrong)
GAPS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "receiving/goods_receipts",
        "received_date",
        "all goods receipts",
        "supplier on-time delivery is measured from the date the goods arrived",
        "the two sites that key paper delivery notes (RC-MAN, RC-MIL) leave it empty on most receipts",
    ),
    (
        "accounts_payable/vendor_invoices",
        "po_id",
        "all vendor invoices",
        "three-way match (PO, receipt, invoice) needs the PO an invoice bills",
        "paper invoices often quote no PO number, and AP keys none",
    ),
)

CHECKS: dict[str, str] = {
    "not_positive": "quantity >= 1",
    "not_net_plus_tax": "abs(gross_amount - (net_amount + tax_amount)) < 0.005",
    "duplicate_row": "payment_id is unique",
}

DEFECT_KINDS: tuple[tuple[str, str, str, float], ...] = (
    ("procurement/po_lines", "quantity", "not_positive", DEFECTS.quantity_not_positive),
    ("accounts_payable/vendor_invoices", "gross_amount", "not_net_plus_tax", DEFECTS.gross_mismatch),
    ("treasury/payments", "payment_id", "duplicate_row", DEFECTS.duplicate_payment),
)


def gap_tally(tables: dict[str, pa.Table]) -> Tally:
    """Count each gap's missing values in one block's tables."""
    tally = Tally()
    for key, column, scope, _, problem in GAPS:
        values = tables[key].column(column)
        tally.add(key, column, scope, int(values.null_count), len(values), problem)
    return tally


def gaps_document(tally: Tally) -> dict[str, Any]:
    return o2c_truth.gaps_document(tally, GAPS)


def defects_document(tally: Tally, planted: bool) -> dict[str, Any]:
    return o2c_truth.defects_document(tally, planted, DEFECT_KINDS, CHECKS)


def manifest(
    seed: int,
    vendors: int,
    noise: float,
    defects: bool,
    rows: dict[str, int],
    parts: dict[str, int],
    formats: dict[str, str],
) -> dict[str, Any]:
    return {
        "generator": "andmesh.generate.procure_to_pay",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "vendors": vendors,
        "noise": noise,
        "defects": defects,
        "as_of": AS_OF.isoformat(),
        "history_start": HISTORY_START.isoformat(),
        "block_vendors": BLOCK_CUSTOMERS,
        "tables": {
            key: {"rows": rows[key], "parts": parts.get(key, 0), "format": formats[key]} for key in rows
        },
    }
