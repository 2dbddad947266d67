"""Records read with and without grouping, values standardised once across sources."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from andmesh.enterprise.entities.records import load_records
from andmesh.spec.entity import EntitySpec

SPEC = EntitySpec.model_validate(
    {
        "apiVersion": "andmesh/v1",
        "kind": "Entity",
        "name": "customer",
        "idPrefix": "C-",
        "attributes": [
            {"name": "name", "standardise": "company_name"},
            {"name": "tax_id", "standardise": "tax_id", "identifying": True},
            {"name": "country", "standardise": "country"},
        ],
        "sources": [
            {
                "product": "sales.accounts",
                "record": "id",
                "columns": {"name": "name", "tax_id": "vat", "country": "cc"},
            },
            # AR items: several rows per debtor (grouped, least value per column)
            {"product": "ar.items", "record": "debtor", "columns": {"name": "debtor_name"}},
            # sites: the same raw name, standardised another way (a site label cut off)
            {
                "product": "shipping.sites",
                "record": "site",
                "columns": {"name": {"column": "site_name", "standardise": "site_name"}},
            },
        ],
        "matching": {
            "blocking": [["name"]],
            "comparisons": [{"method": "company_name", "attribute": "name"}],
        },
        "products": {"xref": "enterprise.customer_xref"},
    }
)


def test_repeated_record_ids_are_grouped_unique_ones_read_as_they_are() -> None:
    tables = {
        "sales.accounts": pa.table(
            {
                "id": ["1", "2"],
                "name": ["Acme Lager GmbH", "Bolt Ltd"],
                "vat": ["123456789", None],
                "cc": ["DE", "GB"],
            }
        ),
        "ar.items": pa.table(
            {"debtor": ["D1", "D1", "D1", "D2"], "debtor_name": ["ZETA", "Acme", "acme", "Bolt"]}
        ),
        "shipping.sites": pa.table({"site": ["S1"], "site_name": ["Acme Lager GmbH"]}),
    }
    con = duckdb.connect()
    load_records(con, SPEC, tables)
    rows = con.execute(
        """SELECT r.source, r.record_id, t.name, t.tax_id FROM am_records r JOIN am_tuples t USING (tuple)
        ORDER BY 1, 2"""
    ).fetchall()
    assert rows == [
        # D1's three rows are one record with the least name ("Acme" < "ZETA" < "acme")
        ("ar.items", "D1", "acme", None),
        ("ar.items", "D2", "bolt", None),
        # the country's VAT prefix is added: the tax id is standardised per (value, country)
        ("sales.accounts", "1", "acme lager", "DE123456789"),
        ("sales.accounts", "2", "bolt", None),
        # the same raw name as account 1, standardised as a site name: the label is cut
        ("shipping.sites", "S1", "acme", None),
    ]
