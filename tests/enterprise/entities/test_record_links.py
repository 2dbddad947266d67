"""Record links on record numbers: which records collapse into one node, and what a key edge names."""

from __future__ import annotations

import pyarrow as pa

from andmesh.enterprise.entities.resolve import resolve
from andmesh.spec.entity import EntitySpec

SPEC = {
    "apiVersion": "andmesh/v1",
    "kind": "Entity",
    "name": "customer",
    "idPrefix": "C-",
    "attributes": [{"name": "name", "standardise": "company_name"}],
    "sources": [
        {"product": "sales.accounts", "record": "account_no", "columns": {"name": "name"}},
        {"product": "billing.invoices", "record": "invoice_id", "columns": {"name": "bill_to"}},
    ],
    "links": [
        {
            "product": "billing.invoices",
            "records": {"billing.invoices": "invoice_id", "sales.accounts": "account_no"},
        },
        {"product": "ar.items", "records": {"billing.invoices": "invoice", "sales.accounts": "account"}},
        {"product": "crm.leads", "records": {"crm.leads": "lead", "sales.accounts": "account"}},
    ],
    "matching": {"blocking": [["name"]], "comparisons": [{"method": "company_name", "attribute": "name"}]},
    "products": {"xref": "enterprise.customer_xref"},
}


def test_records_alike_collapse_only_when_linked_alike_and_keys_name_their_first_link() -> None:
    tables = {
        "sales.accounts": pa.table({"account_no": ["A1", "A2"], "name": ["Acme Tools", "Acme Tools"]}),
        "billing.invoices": pa.table(
            {
                "invoice_id": ["I1", "I2", "I3", "I4"],
                "bill_to": ["Acme Tools"] * 4,
                "account_no": ["A1", "A1", "A2", "A9"],  # A9 is no account: I4 links nothing
            }
        ),
        "ar.items": pa.table({"invoice": ["I1", "I3"], "account": ["A1", "A1"]}),
        "crm.leads": pa.table({"lead": ["L1"], "account": ["A2"]}),  # leads are no source
    }
    result = resolve(EntitySpec.model_validate(SPEC), tables)
    xref = {(s, r): (e, n) for s, r, e, n in zip(*(result.xref[c].to_pylist() for c in ("source", "record_id", "entity_id", "node")), strict=True)}  # fmt: skip
    node = {key: value[1] for key, value in xref.items()}
    entity = {key: value[0] for key, value in xref.items()}
    inv, acc = "billing.invoices", "sales.accounts"
    # I1 and I2: same values, both linked to A1 only → one node. I3 is linked to A1 (AR) and
    # A2; I4 to nothing: each its own node although all four are spelt alike.
    assert node[(inv, "I1")] == node[(inv, "I2")]
    assert len({node[(inv, i)] for i in ("I1", "I3", "I4")}) == 3
    assert node[(acc, "A1")] != node[(acc, "A2")]
    assert entity[(inv, "I3")] == entity[(acc, "A1")] == entity[(acc, "A2")] == entity[(inv, "I1")]
    assert entity[(inv, "I4")] != entity[(inv, "I1")]
    keys = {
        (left, right): d
        for left, right, m, d in zip(
            *(result.evidence[c].to_pylist() for c in ("node_l", "node_r", "method", "detail")), strict=True
        )
        if m == "key"
    }
    pair = tuple(sorted((node[(inv, "I3")], node[(acc, "A1")])))
    assert keys[pair] == "ar.items"  # named by the first of its links by name
    pair = tuple(sorted((node[(inv, "I3")], node[(acc, "A2")])))
    assert keys[pair] == "billing.invoices"
    assert len(keys) == 3  # I1/I2–A1, I3–A1, I3–A2: none to a lead, none from I4
