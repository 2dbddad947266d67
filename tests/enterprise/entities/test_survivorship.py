"""Golden records: which record wins each attribute, under each survivorship rule."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from andmesh.enterprise.entities.survivorship import golden_records
from andmesh.spec.entity import EntitySpec


def spec(rules: dict[str, str]) -> EntitySpec:
    return EntitySpec.model_validate(
        {
            "apiVersion": "andmesh/v1",
            "kind": "Entity",
            "name": "customer",
            "idPrefix": "C-",
            "attributes": [
                {"name": "name", "standardise": "company_name", "survivorship": rules.get("name", "most_trusted")},
                {"name": "email", "standardise": "email", "survivorship": rules.get("email", "most_recent")},
                {"name": "phone", "standardise": "phone", "survivorship": rules.get("phone", "most_complete")},
                {"name": "street", "standardise": "street", "survivorship": rules.get("street", "most_frequent")},
                {"name": "bank", "standardise": "identifier", "golden": False},
            ],
            "sources": [
                {"product": "credit.files", "record": "id", "trust": 5, "updatedAt": "at",
                 "columns": {"name": "name", "street": "street"}},
                {"product": "sales.accounts", "record": "id", "trust": 3, "updatedAt": "at",
                 "columns": {"name": "name", "email": "email", "phone": "phone", "street": "street"}},
                {"product": "shipping.sites", "record": "id", "trust": 1,
                 "columns": {"name": "name", "street": {"column": "street", "trust": 0}}},
            ],
            "matching": {"blocking": [["name"]], "comparisons": []},
            "products": {"xref": "enterprise.customer_xref"},
        }
    )  # fmt: skip


XREF = pa.table(
    {
        "entity_id": ["C-1", "C-1", "C-1", "C-1", "C-2"],
        "source": ["credit.files", "sales.accounts", "sales.accounts", "shipping.sites", "shipping.sites"],
        "record_id": ["F1", "A1", "A2", "S1", "S2"],
    }
)
TABLES = {
    "credit.files": pa.table(
        {"id": ["F1"], "name": ["Acme  GmbH "], "street": ["Hauptstr. 1"], "at": [dt.datetime(2026, 1, 1)]}
    ),
    "sales.accounts": pa.table(
        {
            "id": ["A1", "A2"],
            "name": ["ACME", "Acme Group"],
            "email": ["Old@Acme.de", "new@acme.de"],
            "phone": ["+49 30 1", "+49 30 123 456"],
            "street": ["Hauptstraße 1", "Hauptstraße 1"],
            "at": [dt.datetime(2025, 1, 1), dt.datetime(2026, 6, 1)],
        }
    ),
    "shipping.sites": pa.table(
        {"id": ["S1", "S2"], "name": ["Acme Lager", "Solo Site"], "street": ["Lagerweg 9", "Weg 1"]}
    ),
}


def rows(rules: dict[str, str]) -> dict[str, dict[str, object]]:
    return {r["entity_id"]: r for r in golden_records(spec(rules), XREF, TABLES).to_pylist()}


def test_each_rule_picks_its_record() -> None:
    c1 = rows({})["C-1"]
    assert (c1["name"], c1["name_source"]) == ("Acme GmbH", "credit.files")  # most trusted, spaces tidied
    assert (c1["email"], c1["email_source"]) == ("new@acme.de", "sales.accounts")  # most recent, canonical
    assert c1["phone"] == "4930123456"  # most complete, digits only
    assert (c1["street"], c1["street_source"]) == ("Hauptstraße 1", "sales.accounts")  # most frequent
    assert (c1["records"], c1["sources"]) == (4, 3)
    assert "bank" not in c1, "not golden: not published"


def test_trust_zero_is_never_a_golden_value() -> None:
    c2 = rows({})["C-2"]
    assert c2["street"] is None, "a delivery address is not the customer's"
    assert (c2["name"], c2["name_source"]) == ("Solo Site", "shipping.sites")


def test_rules_can_be_changed() -> None:
    c1 = rows({"name": "most_recent", "street": "most_trusted"})["C-1"]
    assert c1["name"] == "Acme Group"
    assert (c1["street"], c1["street_source"]) == ("Hauptstr. 1", "credit.files")
    assert rows({"name": "most_complete"})["C-1"]["name"] == "Acme Group"


def test_a_tie_between_two_values_goes_to_the_best_record_of_each() -> None:
    """Two values held by two records each, equally trusted and frequent, last updated on the same
    day: the rule's first record decides — the least id among each value's latest records for the
    rules that read the update time, the least id of all for ``most_complete``. X is written two
    ways that standardise alike, Y the same way twice (records alike are counted together)."""
    new, old = dt.datetime(2026, 1, 1), dt.datetime(2025, 1, 1)
    x = {
        "name": ["Xco", " Xco "],
        "email": ["x@a.de", "X@A.de"],
        "phone": ["+49 1", "(49) 1"],
        "street": ["X-Weg 1", "X-Weg  1"],
    }
    y = {"name": "Yco", "email": "y@a.de", "phone": "+49 2", "street": "Y-Weg 1"}
    rows = []
    # C-1: Y's latest record (B0) comes before X's (B1); C-2: X's latest (D1) before Y's (D3),
    # but Y holds the first record of all (D0).
    for ids, dates, values in (
        (["B0", "B1", "B2", "B3"], [new, new, old, old], ["y", "x0", "x1", "y"]),
        (["D0", "D1", "D2", "D3"], [old, new, old, new], ["y", "x0", "x1", "y"]),
    ):
        for record, at, v in zip(ids, dates, values, strict=True):
            row = {k: (y[k] if v == "y" else x[k][int(v[1])]) for k in y}
            rows.append({"id": record, "at": at, **row})
    accounts = pa.Table.from_pylist(rows)
    xref = pa.table(
        {
            "entity_id": ["C-1"] * 4 + ["C-2"] * 4,
            "source": ["sales.accounts"] * 8,
            "record_id": [r["id"] for r in rows],
        }
    )
    got = {
        r["entity_id"]: r for r in golden_records(spec({}), xref, {"sales.accounts": accounts}).to_pylist()
    }
    assert [got["C-1"][a] for a in ("name", "email", "street", "phone")] == [
        "Yco",
        "y@a.de",
        "Y-Weg 1",
        "492",
    ]
    assert [got["C-2"][a] for a in ("name", "email", "street", "phone")] == [
        "Xco",
        "x@a.de",
        "X-Weg 1",
        "492",
    ]
