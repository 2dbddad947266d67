"""The Arrow schema of every Procure-to-Pay table (docs/procure_to_pay.md lists them).

A table key is ``"<domain>/<table>"``, also its folder under the output. The column
builders (``dates``, ``timestamps``…) and :class:`TableSpec` are Order-to-Cash's.
"""

from __future__ import annotations

import pyarrow as pa

from andmesh.generate.schema import BOOL, DATE, F64, I64, MONEY, STR, TS, TableSpec

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
            "procurement/vendors",
            f"vendor_no:str vendor_name:str {_ADDRESS} tax_id:str email:str phone:str tier:str"
            " category:str payment_terms_days:int created_at:ts",
        ),
        _spec(
            "procurement/purchase_orders",
            "po_id:str vendor_no:str ordered_at:ts expected_delivery_date:date receiving_site:str"
            " currency:str status:str",
        ),
        _spec("procurement/po_lines", "po_id:str line_no:int item_code:str quantity:int unit_price:money"),
        _spec(
            "receiving/goods_receipts",
            "receipt_id:str po_id:str line_no:int receiving_site:str received_date:date posted_at:ts"
            " quantity_received:int",
        ),
        _spec(
            "accounts_payable/vendor_invoices",
            "invoice_id:str supplier_invoice_no:str po_id:str vendor_name:str vendor_street:str"
            " vendor_city:str vendor_postcode:str vendor_country:str vendor_tax_id:str invoice_date:date"
            " received_date:date due_date:date payment_terms_days:int discount_pct:dbl discount_days:int"
            " currency:str net_amount:money tax_amount:money gross_amount:money",
        ),
        _spec(
            "accounts_payable/invoice_lines",
            "invoice_id:str line_no:int po_line_no:int quantity:int unit_price:money line_amount:money",
        ),
        _spec(
            "accounts_payable/match_results",
            "invoice_id:str match_status:str price_variance:money quantity_variance:int checked_at:ts",
        ),
        _spec(
            "treasury/payee_accounts",
            "payee_id:str payee_name:str iban:str bank_country:str opened_date:date",
        ),
        _spec(
            "treasury/payments",
            "payment_id:str invoice_id:str payee_id:str paid_date:date amount:money discount_taken:money"
            " currency:str payment_method:str",
        ),
        _spec(
            "supplier_management/supplier_files",
            f"supplier_id:str legal_name:str registration_no:str {_ADDRESS} contact_name:str"
            " contact_email:str onboarded_date:date risk_rating:str last_assessment_date:date status:str",
            "csv",
        ),
        _spec(
            "supplier_management/certifications",
            "certificate_id:str supplier_id:str standard:str issued_date:date valid_until:date",
            "csv",
        ),
        _spec(
            "supplier_management/delivery_performance",
            "supplier_id:str quarter_start:date deliveries:int on_time:int late:int short:int",
            "csv",
        ),
        _spec(
            "truth/vendors",
            f"vendor_id:str name:str name_stem:str legal_form:str {_ADDRESS} tax_id:str tier:str"
            " financial_health:dbl on_time_propensity:dbl e_invoicing:bool discount_pct:dbl"
            " head_office_of:str shares_address_with:str active_from:date active_until:date",
        ),
        _spec("truth/record_map", "domain:str table:str record_id:str vendor_id:str"),
    )
}

SOURCE_TABLES = tuple(key for key, spec in TABLES.items() if not spec.truth)


def table(key: str, columns: dict[str, pa.Array]) -> pa.Table:
    """Build table ``key`` from named columns, in the declared order and types."""
    schema = TABLES[key].schema
    missing, extra = set(schema.names) - set(columns), set(columns) - set(schema.names)
    if missing or extra:
        raise KeyError(f"{key}: missing columns {sorted(missing)}, unexpected {sorted(extra)}")
    arrays = [
        columns[f.name] if columns[f.name].type == f.type else columns[f.name].cast(f.type) for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)
