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
# Money: exact cents, as an ERP stores them (a double would sum with float noise).
MONEY = pa.decimal128(15, 2)
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


_TYPES = {"str": STR, "int": I64, "dbl": F64, "money": MONEY, "date": DATE, "ts": TS, "bool": BOOL}
_ADDRESS = "street:str city:str postcode:str country:str"


def _spec(key: str, columns: str, fmt: str = "parquet") -> TableSpec:
    """``columns`` is ``"name:type name:type …"`` with the types of ``_TYPES``."""
    fields = [pa.field(name, _TYPES[kind]) for name, kind in (c.split(":") for c in columns.split())]
    return TableSpec(key, pa.schema(fields), fmt)


TABLES: dict[str, TableSpec] = {
    spec.key: spec
    for spec in (
        _spec(
            "order_management/customers",
            f"account_no:str account_name:str {_ADDRESS} tax_id:str email:str phone:str segment:str"
            " sales_region:str created_at:ts",
        ),
        _spec(
            "order_management/sales_orders",
            "order_id:str account_no:str order_ts:ts requested_delivery_date:date channel:str currency:str"
            " ship_to_site_id:str status:str",
        ),
        _spec(
            "order_management/order_lines",
            "order_id:str line_no:int sku:str quantity:int unit_price:money discount_pct:dbl",
        ),
        _spec(
            "credit_management/credit_files",
            f"credit_file_id:str legal_name:str registration_no:str {_ADDRESS} credit_limit:money"
            " payment_terms_days:int risk_class:str last_review_date:date",
            "csv",
        ),
        _spec(
            "credit_management/credit_decisions",
            "decision_id:str order_id:str credit_file_id:str decided_at:ts decision:str hold_reason:str"
            " released_at:ts",
            "csv",
        ),
        _spec(
            "order_fulfillment/fulfillment_lines",
            "fulfillment_id:str order_id:str line_no:int warehouse:str released_at:ts picked_at:ts"
            " packed_at:ts quantity_shipped:int",
        ),
        _spec("shipping/ship_to_sites", f"ship_to_site_id:str site_name:str {_ADDRESS}"),
        _spec(
            "shipping/shipments",
            "shipment_id:str order_id:str ship_to_site_id:str carrier:str promised_date:date shipped_at:ts"
            " delivered_at:ts pod_signed_at:ts delivery_status:str",
        ),
        _spec(
            "customer_invoicing/invoices",
            "invoice_id:str order_id:str bill_to_name:str bill_to_street:str bill_to_city:str"
            " bill_to_postcode:str bill_to_country:str bill_to_tax_id:str invoice_date:date due_date:date"
            " payment_terms_days:int currency:str net_amount:money tax_amount:money gross_amount:money",
        ),
        _spec(
            "accounts_receivable/open_items",
            "item_id:str invoice_id:str debtor_ref:str debtor_name:str original_amount:money open_amount:money"
            " due_date:date status:str dispute_flag:bool dispute_reason:str written_off_at:date",
        ),
        _spec(
            "payments_collection/payments",
            "payment_id:str payer_name:str payer_iban_hash:str amount:money currency:str received_at:date"
            " remittance_invoice_id:str matched_invoice_id:str",
        ),
        _spec(
            "payments_collection/dunning_actions",
            "action_id:str invoice_id:str action_date:date level:int channel:str",
        ),
        _spec(
            "truth/customers",
            f"customer_id:str name:str name_stem:str legal_form:str {_ADDRESS} tax_id:str segment:str"
            " financial_health:dbl late_propensity:dbl default_propensity:dbl purchase_rate:dbl"
            " spend_mean:dbl defaulted:bool default_date:date head_office_of:str shares_address_with:str"
            " active_from:date active_until:date",
        ),
        _spec("truth/record_map", "domain:str table:str record_id:str customer_id:str"),
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
    arrays = [
        columns[f.name] if columns[f.name].type == f.type else columns[f.name].cast(f.type) for f in schema
    ]
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
