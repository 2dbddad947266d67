"""Products through the API: list, search, show, versions, contract, checks, consumers, rows masked."""

from __future__ import annotations

import yaml

from andmesh.security.keys import workspace_key
from andmesh.security.masking import mask_value
from tests.api.conftest import Served

PRODUCT = "sales.customers"


def test_list_search_show_versions(served: Served) -> None:
    page = served.ok(served.get("rita", "/api/v1/products"))
    assert [p["product_id"] for p in page["items"]] == [PRODUCT] and page["next"] is None
    assert page["items"][0]["current_version"] >= 1 and page["items"][0]["checks"]["passed"] > 0
    assert served.ok(served.get("rita", "/api/v1/products", params={"domain": "shipping"}))["items"] == []

    hits = served.ok(served.get("rita", "/api/v1/products/search", params={"q": "EMAIL"}))["items"]
    assert hits[0]["product_id"] == PRODUCT and "column:email" in hits[0]["matched"]
    assert served.ok(served.get("rita", "/api/v1/products/search", params={"q": "zebra"}))["items"] == []

    detail = served.ok(served.get("rita", f"/api/v1/products/{PRODUCT}"))
    assert detail["owner"] == "owner" and {c["name"] for c in detail["columns"]} >= {"email", "segment"}
    versions = served.ok(served.get("rita", f"/api/v1/products/{PRODUCT}/versions"))["items"]
    assert [v["version"] for v in versions] == list(range(1, len(versions) + 1)) and versions[0]["rows"] > 0


def test_contract_out_as_odcs_yaml(served: Served) -> None:
    answer = served.get("rita", f"/api/v1/products/{PRODUCT}/contract")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/yaml")
    contract = yaml.safe_load(answer.text)
    assert (contract["kind"], contract["id"], contract["apiVersion"]) == ("DataContract", PRODUCT, "v3.1.0")
    published = served.get("rita", f"/api/v1/products/{PRODUCT}/contract", params={"version": 1})
    assert yaml.safe_load(published.text)["id"] == PRODUCT
    missing = served.get("rita", f"/api/v1/products/{PRODUCT}/contract", params={"version": 99})
    assert missing.status_code == 404 and "versions" in missing.json()["fix"]


def test_checks_and_incidents(served: Served) -> None:
    checks = served.ok(served.get("rita", f"/api/v1/products/{PRODUCT}/checks", params={"limit": 500}))
    assert checks["items"] and {c["table_id"] for c in checks["items"]} == {PRODUCT}
    assert {c["status"] for c in checks["items"]} <= {"passed", "warning", "skipped"}
    assert served.ok(served.get("rita", "/api/v1/incidents"))["items"] == []  # the sample data is clean


def test_rows_are_masked_unless_the_reader_may_see_them(served: Served) -> None:
    key = workspace_key(served.facade.workspace.root, "masking")
    mine = served.ok(served.get("owner", f"/api/v1/products/{PRODUCT}/rows", params={"purpose": "check"}))
    theirs = served.ok(served.get("marc", f"/api/v1/products/{PRODUCT}/rows"))
    clear = mine["items"][0]
    assert clear["email"] == "buyer@acme.example"  # the producing team reads its own data in clear
    masked = theirs["items"][0]
    assert masked["email"] == mask_value("buyer@acme.example", key)
    assert masked["customer_name"] == mask_value(clear["customer_name"], key)
    assert masked["segment"] == clear["segment"]  # not classified: in clear
    assert len(mine["items"]) == len(theirs["items"]) > 1


def test_row_pages_lose_and_repeat_nothing(served: Served) -> None:
    everything = served.ok(served.get("owner", f"/api/v1/products/{PRODUCT}/rows", params={"limit": 1000}))
    assert everything["next"] is None
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = served.ok(served.get("owner", f"/api/v1/products/{PRODUCT}/rows", params=params))
        seen.extend(r["customer_id"] for r in page["items"])
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [r["customer_id"] for r in everything["items"]]
    # A cursor belongs to its list: a rows cursor is refused by the events feed.
    refused = served.get("owner", "/api/v1/events", params={"cursor": page_cursor(served)})
    assert refused.status_code == 422 and "another list" in refused.json()["detail"]


def page_cursor(served: Served) -> str:
    """A rows cursor (the first page's `next`), to show it is refused by another list."""
    page = served.ok(served.get("owner", f"/api/v1/products/{PRODUCT}/rows", params={"limit": 1}))
    assert page["next"]
    return str(page["next"])


def test_consumers_show_downstream_and_grants(served: Served) -> None:
    consumers = served.ok(served.get("rita", f"/api/v1/products/{PRODUCT}/consumers"))
    assert consumers["downstream"] == [] and isinstance(consumers["grants"], list)
