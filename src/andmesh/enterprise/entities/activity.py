"""The generated profile of an entity: where and when each enterprise id is recorded.

A hand-written profile holds the value chain's facts (orders, invoices, payments of a
customer); an Entity declaring ``products.profile`` without writing one gets this
generic profile: per enterprise id, how many records each source holds, and the first and
last time any of them was updated (from the sources' ``updatedAt``).

>>> import pyarrow as pa
>>> from andmesh.spec.entity import EntitySpec
>>> spec = EntitySpec.model_validate({
...     "apiVersion": "andmesh/v1", "kind": "Entity", "name": "vendor", "idPrefix": "EV-",
...     "attributes": [{"name": "name"}],
...     "sources": [{"product": "ap.vendors", "record": "id", "updatedAt": "at", "columns": {"name": "n"}},
...                 {"product": "po.suppliers", "record": "no", "columns": {"name": "n"}}],
...     "matching": {"blocking": [["name"]], "comparisons": []},
...     "products": {"xref": "enterprise.vendor_xref", "profile": "enterprise.vendor_profile"}})
>>> xref = pa.table({"entity_id": ["EV-1", "EV-1", "EV-1"], "source": ["ap.vendors", "ap.vendors", "po.suppliers"],
...                  "record_id": ["1", "2", "S1"]})
>>> vendors = pa.table({"id": [1, 2], "at": pa.array([10, 20], pa.timestamp("s"))})
>>> row = activity_profile(spec, xref, {"ap.vendors": vendors}).to_pylist()[0]
>>> row["records"], row["sources"], row["ap_vendors_records"], row["po_suppliers_records"], str(row["last_seen"])
(3, 2, 2, 1, '1970-01-01 00:00:20')
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from andmesh.spec.entity import EntitySpec


def records_column(product_id: str) -> str:
    """The profile's count column for one source: ``<domain>_<product>_records``.

    >>> records_column("accounts_payable.vendors")
    'accounts_payable_vendors_records'
    """
    return product_id.replace(".", "_") + "_records"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def activity_profile(spec: EntitySpec, xref: pa.Table, tables: Mapping[str, pa.Table]) -> pa.Table:
    """One row per enterprise id: records, sources, records per source, first and last seen."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("xref", xref.select(["entity_id", "source", "record_id"]))
        seen = []
        for index, source in enumerate(spec.sources):
            table = tables.get(source.product)
            if source.updatedAt is None or table is None:
                continue
            con.register(f"src_{index}", table)
            seen.append(
                f"SELECT {_lit(source.product)} AS source, CAST({_q(source.record)} AS VARCHAR) AS record_id, "
                f"CAST({_q(source.updatedAt)} AS TIMESTAMP) AS updated_at FROM src_{index}"
            )
        if not seen:
            seen.append(
                "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS record_id, NULL::TIMESTAMP AS updated_at"
            )
        counts = "".join(
            f", count(*) FILTER (WHERE x.source = {_lit(s.product)}) AS {_q(records_column(s.product))}"
            for s in spec.sources
        )
        return con.execute(
            f"""WITH seen AS (SELECT source, record_id, min(updated_at) AS first_at, max(updated_at) AS last_at
                              FROM ({" UNION ALL ".join(seen)}) GROUP BY 1, 2)
                SELECT x.entity_id, count(*) AS records, count(DISTINCT x.source) AS sources{counts},
                       min(s.first_at) AS first_seen, max(s.last_at) AS last_seen
                FROM xref x LEFT JOIN seen s ON s.source = x.source AND s.record_id = x.record_id
                GROUP BY x.entity_id ORDER BY x.entity_id"""
        ).to_arrow_table()
    finally:
        con.close()
