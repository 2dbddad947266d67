"""The Arrow schema of every table the generator writes.

This mirrors docs/order_to_cash_sources.md column for column (the tests compare the
two). A table key is ``"<domain>/<table>"``, which is also its folder under the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

STR = pa.string()
I64 = pa.int64()
F64 = pa.float64()
DATE = pa.date32()
TS = pa.timestamp("us", tz="UTC")
BOOL = pa.bool_()


@dataclass(frozen=True)
class TableSpec:
    """One output table: where it goes, its file format and its schema."""

    key: str
    schema: pa.Schema
    format: str = "parquet"

    @property
    def domain(self) -> str:
        return self.key.split("/")[0]

    @property
    def table(self) -> str:
        return self.key.split("/")[1]

    @property
    def truth(self) -> bool:
        return self.domain == "truth"


def _spec(key: str, columns: list[tuple[str, pa.DataType]], fmt: str = "parquet") -> TableSpec:
    return TableSpec(key, pa.schema([pa.field(name, dtype) for name, dtype in columns]), fmt)


_ADDRESS = [("street", STR), ("city", STR), ("postcode", STR), ("country", STR)]

TABLES: dict[str, TableSpec] = {
    spec.key: spec
    for spec in (
        _spec(
            "order_management/customers",
            [("account_no", STR), ("account_name", STR), *_ADDRESS, ("tax_id", STR), ("email", STR)]
            + [("phone", STR), ("segment", STR), ("sales_region", STR), ("created_at", TS)],
        ),
        _spec(
            "order_management/sales_orders",
            [("order_id", STR), ("account_no", STR), ("order_ts", TS), ("requested_delivery_date", DATE)]
            + [("channel", STR), ("currency", STR), ("ship_to_site_id", STR), ("status", STR)],
        ),
        _spec(
            "order_management/order_lines",
            [("order_id", STR), ("line_no", I64), ("sku", STR), ("quantity", I64), ("unit_price", F64)]
            + [("discount_pct", F64)],
        ),
        _spec(
            "credit_management/credit_files",
            [("credit_file_id", STR), ("legal_name", STR), ("registration_no", STR), *_ADDRESS]
            + [("credit_limit", F64), ("payment_terms_days", I64), ("risk_class", STR)]
            + [("last_review_date", DATE)],
            "csv",
        ),
        _spec(
            "credit_management/credit_decisions",
            [("decision_id", STR), ("order_id", STR), ("credit_file_id", STR), ("decided_at", TS)]
            + [("decision", STR), ("hold_reason", STR), ("released_at", TS)],
            "csv",
        ),
        _spec(
            "order_fulfillment/fulfillment_lines",
            [("fulfillment_id", STR), ("order_id", STR), ("line_no", I64), ("warehouse", STR)]
            + [("released_at", TS), ("picked_at", TS), ("packed_at", TS), ("quantity_shipped", I64)],
        ),
        _spec("shipping/ship_to_sites", [("ship_to_site_id", STR), ("site_name", STR), *_ADDRESS]),
        _spec(
            "shipping/shipments",
            [("shipment_id", STR), ("order_id", STR), ("ship_to_site_id", STR), ("carrier", STR)]
            + [("promised_date", DATE), ("shipped_at", TS), ("delivered_at", TS), ("pod_signed_at", TS)]
            + [("delivery_status", STR)],
        ),
        _spec(
            "customer_invoicing/invoices",
            [("invoice_id", STR), ("order_id", STR), ("bill_to_name", STR), ("bill_to_street", STR)]
            + [("bill_to_city", STR), ("bill_to_postcode", STR), ("bill_to_country", STR)]
            + [("bill_to_tax_id", STR), ("invoice_date", DATE), ("due_date", DATE)]
            + [("payment_terms_days", I64), ("currency", STR), ("net_amount", F64)]
            + [("tax_amount", F64), ("gross_amount", F64)],
        ),
        _spec(
            "accounts_receivable/open_items",
            [("item_id", STR), ("invoice_id", STR), ("debtor_ref", STR), ("debtor_name", STR)]
            + [("original_amount", F64), ("open_amount", F64), ("due_date", DATE), ("status", STR)]
            + [("dispute_flag", BOOL), ("dispute_reason", STR), ("written_off_at", DATE)],
        ),
        _spec(
            "payments_collection/payments",
            [("payment_id", STR), ("payer_name", STR), ("payer_iban_hash", STR), ("amount", F64)]
            + [("currency", STR), ("received_at", DATE), ("remittance_invoice_id", STR)]
            + [("matched_invoice_id", STR)],
        ),
        _spec(
            "payments_collection/dunning_actions",
            [("action_id", STR), ("invoice_id", STR), ("action_date", DATE), ("level", I64)]
            + [("channel", STR)],
        ),
        _spec(
            "truth/customers",
            [("customer_id", STR), ("name", STR), ("name_stem", STR), ("legal_form", STR), *_ADDRESS]
            + [("tax_id", STR), ("segment", STR), ("financial_health", F64), ("late_propensity", F64)]
            + [("default_propensity", F64), ("purchase_rate", F64), ("spend_mean", F64)]
            + [("defaulted", BOOL), ("default_date", DATE), ("head_office_of", STR)]
            + [("shares_address_with", STR), ("active_from", DATE), ("active_until", DATE)],
        ),
        _spec(
            "truth/record_map",
            [("domain", STR), ("table", STR), ("record_id", STR), ("customer_id", STR)],
        ),
    )
}

SOURCE_TABLES = tuple(key for key, spec in TABLES.items() if not spec.truth)


def table(key: str, columns: dict[str, pa.Array]) -> pa.Table:
    """Build table ``key`` from named columns, in the declared order and types."""
    schema = TABLES[key].schema
    missing = set(schema.names) - set(columns)
    extra = set(columns) - set(schema.names)
    if missing or extra:
        raise KeyError(f"{key}: missing columns {sorted(missing)}, unexpected {sorted(extra)}")
    arrays = [columns[f.name] if columns[f.name].type == f.type else columns[f.name].cast(f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _mask(null: np.ndarray | None) -> np.ndarray | None:
    return None if null is None else np.asarray(null, dtype=bool)


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Epoch day numbers as ``date32`` (null where ``null``)."""
    return pa.array(np.asarray(days, dtype=np.int32), pa.int32(), mask=_mask(null)).view(DATE)


def timestamps(us: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Epoch microseconds as ``timestamp[us, UTC]`` (null where ``null``)."""
    return pa.array(np.asarray(us, dtype=np.int64), pa.int64(), mask=_mask(null)).view(TS)


def ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), I64, mask=_mask(null))


def floats(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.float64), F64, mask=_mask(null))


def bools(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), BOOL)


def labels(words: tuple[str, ...], index: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """``words[index]`` as strings (null where ``null``)."""
    out = pa.array(list(words), STR).take(pa.array(np.asarray(index, dtype=np.int64)))
    if null is None:
        return out
    return pc.if_else(pa.array(np.asarray(null, dtype=bool)), pa.scalar(None, STR), out)
