"""The YAML files in ``truth/``: manifest, planted gaps, defects and variations.

Gap counts are measured on the written rows (not taken from the generator's
intentions), so ``truth/gaps.yaml`` states exactly what a scan of the data finds.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from andmesh.generate.settings import (
    AS_OF,
    BLOCK_CUSTOMERS,
    DEFECTS,
    GENERATOR_VERSION,
    HISTORY_START,
    VARIATIONS,
)
from andmesh.generate.tally import Tally

# (table, column, which rows count, what the enterprise needs, what is wrong)
GAPS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "order_management/sales_orders",
        "requested_delivery_date",
        "all orders",
        "on-time-in-full (OTIF) delivery needs the date the customer asked for",
        "order entry only captures it on some channels (EDI mostly, phone rarely)",
    ),
    (
        "shipping/shipments",
        "pod_signed_at",
        "delivered shipments",
        "disputes and delivery KPIs need the proof-of-delivery time",
        "only two carriers' feeds (DB Schenker, Kuehne+Nagel) carry it",
    ),
    (
        "accounts_receivable/open_items",
        "dispute_reason",
        "disputed items (dispute_flag = true)",
        "root-cause analysis of disputes needs a coded reason",
        "free text, left empty by most collectors",
    ),
    (
        "payments_collection/payments",
        "remittance_invoice_id",
        "all payments",
        "cash application needs the invoice a payment settles",
        "many customers' remittances quote no invoice number",
    ),
)

# How a quality check finds each defect kind.
CHECKS: dict[str, str] = {
    "not_positive": "quantity >= 1",
    "malformed": "email matches ^[a-z0-9._-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}$",
    "invalid_format": "tax_id matches the country's pattern (see docs/generator.md)",
    "not_net_plus_tax": "abs(gross_amount - (net_amount + tax_amount)) < 0.005",
    "duplicate_row": "payment_id is unique",
    "before_shipped_at": "delivered_at >= shipped_at",
}

# Every defect kind, registered up front so defects.yaml lists all of them (count 0
# when ``defects=False``).
DEFECT_KINDS: tuple[tuple[str, str, str, float], ...] = (
    ("order_management/order_lines", "quantity", "not_positive", DEFECTS.quantity_not_positive),
    ("order_management/customers", "email", "malformed", DEFECTS.malformed_email),
    ("order_management/customers", "tax_id", "invalid_format", DEFECTS.invalid_tax_id),
    ("customer_invoicing/invoices", "gross_amount", "not_net_plus_tax", DEFECTS.gross_mismatch),
    ("payments_collection/payments", "payment_id", "duplicate_row", DEFECTS.duplicate_payment),
    ("shipping/shipments", "delivered_at", "before_shipped_at", DEFECTS.delivered_before_shipped),
)


def gap_tally(tables: dict[str, pa.Table]) -> Tally:
    """Count each gap's missing values in one block's tables."""
    tally = Tally()
    orders = tables["order_management/sales_orders"]
    _gap(tally, 0, orders.column("requested_delivery_date"), None)
    shipments = tables["shipping/shipments"]
    _gap(
        tally,
        1,
        shipments.column("pod_signed_at"),
        pc.equal(shipments.column("delivery_status"), "delivered"),
    )
    items = tables["accounts_receivable/open_items"]
    _gap(tally, 2, items.column("dispute_reason"), items.column("dispute_flag"))
    payments = tables["payments_collection/payments"]
    _gap(tally, 3, payments.column("remittance_invoice_id"), None)
    return tally


def _gap(tally: Tally, which: int, column: pa.ChunkedArray, rows: pa.ChunkedArray | None) -> None:
    key, name, scope, _, problem = GAPS[which]
    missing = pc.or_(pc.is_null(column), pc.equal(pc.fill_null(column.cast(pa.string()), ""), ""))
    if rows is not None:
        missing = pc.and_(missing, rows)
        considered = int(pc.sum(rows).as_py() or 0)
    else:
        considered = len(column)
    tally.add(key, name, scope, int(pc.sum(missing).as_py() or 0), considered, problem)


GapSpec = tuple[str, str, str, str, str]  # table key, column, scope, requirement, problem
DefectKind = tuple[str, str, str, float]  # table key, column, kind, target rate


def gaps_document(tally: Tally, gaps: tuple[GapSpec, ...] = GAPS) -> dict[str, Any]:
    """``truth/gaps.yaml``: each planted gap (a dataset's own ``gaps``) with what was measured."""
    entries = []
    for (key, column, scope, need, problem), entry in zip(gaps, tally, strict=True):
        domain, table = key.split("/")
        entries.append(
            {
                "domain": domain,
                "table": table,
                "column": column,
                "requirement": need,
                "problem": problem,
                "measured_on": scope,
                "missing": entry.count,
                "rows": entry.rows,
                "rate": round(entry.rate, 6),
            }
        )
    return {"as_of": AS_OF.isoformat(), "gaps": entries}


def defects_document(
    tally: Tally,
    planted: bool,
    kinds: tuple[DefectKind, ...] = DEFECT_KINDS,
    checks: dict[str, str] = CHECKS,
) -> dict[str, Any]:
    """``truth/defects.yaml``: each defect kind (a dataset's own ``kinds``), its check and its count."""
    entries = []
    for key, column, kind, rate in kinds:
        entry = tally.entries.get((key, column, kind))
        domain, table = key.split("/")
        entries.append(
            {
                "domain": domain,
                "table": table,
                "column": column,
                "kind": kind,
                "description": entry.description if entry else "",
                "check": checks[kind],
                "target_rate": rate if planted else 0.0,
                "count": entry.count if entry else 0,
                "rows": entry.rows if entry else 0,
                "rate": round(entry.rate, 6) if entry else 0.0,
            }
        )
    return {"planted": planted, "defects": entries}


def variations_document(tally: Tally, noise: float) -> dict[str, Any]:
    entries = []
    for entry in sorted(tally, key=lambda e: (e.table, e.column, e.kind)):
        domain, table = entry.table.split("/")
        entries.append(
            {
                "domain": domain,
                "table": table,
                "column": entry.column,
                "kind": entry.kind,
                "description": entry.description,
                "count": entry.count,
                "records": entry.rows,
                "rate": round(entry.rate, 6),
            }
        )
    base = {name: getattr(VARIATIONS, name) for name in VARIATIONS.__dataclass_fields__}
    return {"noise": noise, "base_rates": base, "variations": entries}


def manifest(
    seed: int,
    customers: int,
    noise: float,
    defects: bool,
    rows: dict[str, int],
    parts: dict[str, int],
    formats: dict[str, str],
) -> dict[str, Any]:
    return {
        "generator": "andmesh.generate.order_to_cash",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "customers": customers,
        "noise": noise,
        "defects": defects,
        "as_of": AS_OF.isoformat(),
        "history_start": HISTORY_START.isoformat(),
        "block_customers": BLOCK_CUSTOMERS,
        "tables": {
            key: {"rows": rows[key], "parts": parts.get(key, 0), "format": formats[key]} for key in rows
        },
    }
