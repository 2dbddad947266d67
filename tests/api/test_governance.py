"""Access with purpose and the council through the API, as the owner, the requester and the chair
would click through it; the events feed; pagination that loses and repeats nothing."""

from __future__ import annotations

from andmesh.security.keys import workspace_key
from andmesh.security.masking import mask_value
from tests.api.conftest import Served

PORT = "sales.customers"
CLEAR = "buyer@acme.example"


def first_email(served: Served, who: str) -> str:
    return str(
        served.ok(served.get(who, f"/api/v1/products/{PORT}/rows", params={"limit": 1}))["items"][0]["email"]
    )


def test_request_approve_vote_read_clear_then_revoke(served: Served) -> None:
    masked = mask_value(CLEAR, workspace_key(served.facade.workspace.root, "masking"))
    assert first_email(served, "marc") == masked
    request = served.ok(
        served.post("marc", "/api/v1/access/requests", json={"table_id": PORT, "purpose": "dunning letters"}),
        201,
    )
    assert (request["status"], request["consumer"], request["pii"]) == ("pending", "marc", True)

    approved = served.ok(
        served.post("owner", f"/api/v1/access/requests/{request['id']}/approve", json={"days": 30})
    )
    assert approved["status"] == "awaiting_council" and approved["proposal_id"]
    inbox = served.ok(served.get("eve", "/api/v1/council/proposals"))["items"]
    assert approved["proposal_id"] in [p["id"] for p in inbox]
    assert first_email(served, "marc") == masked  # the council has not decided yet

    refused = served.post(
        "marc", f"/api/v1/council/proposals/{approved['proposal_id']}/votes", json={"decision": "approve"}
    )
    assert refused.status_code == 403  # the requester holds no council role
    voted = served.ok(
        served.post(
            "eve",
            f"/api/v1/council/proposals/{approved['proposal_id']}/votes",
            json={"decision": "approve", "comment": "legitimate purpose"},
        )
    )
    assert voted["proposal"]["status"] == "approved" and voted["tally"]["status"] == "approved"
    assert served.ok(served.get("marc", f"/api/v1/access/requests/{request['id']}"))["status"] == "granted"
    assert first_email(served, "marc") == CLEAR
    assert first_email(served, "rita") == masked  # a grant is for its consumer only
    grants = served.ok(served.get("marc", "/api/v1/access/grants/mine"))["items"]
    assert [g["id"] for g in grants] == [request["id"]]
    consumers = served.ok(served.get("rita", f"/api/v1/products/{PORT}/consumers"))
    assert request["id"] in [g["id"] for g in consumers["grants"]]

    revoked = served.ok(served.post("eve", f"/api/v1/access/requests/{request['id']}/revoke"))
    assert revoked["status"] == "revoked"
    assert first_email(served, "marc") == masked
    # Those reads went through the service's caches (the port's versions, its protected columns):
    # what is cached is never who may read, so the grant and the revoke applied at once.
    assert served.client.app.state.facade.warehouse.hits > 0  # type: ignore[attr-defined]
    assert served.ok(served.get("marc", "/api/v1/access/grants/mine"))["items"] == []

    events = served.ok(
        served.get("rita", "/api/v1/events", params={"subject": f"access:{request['id']}", "limit": 500})
    )["items"]
    assert [e["action"] for e in events] == [
        "access.requested",
        "access.owner_approved",
        "access.granted",
        "access.revoked",
    ]


def test_reject(served: Served) -> None:
    request = served.ok(
        served.post("rita", "/api/v1/access/requests", json={"table_id": PORT, "purpose": "newsletter"}), 201
    )
    rejected = served.ok(served.post("owner", f"/api/v1/access/requests/{request['id']}/reject"))
    assert rejected["status"] == "rejected"
    again = served.post("owner", f"/api/v1/access/requests/{request['id']}/revoke")
    assert again.status_code == 422 and "nothing to revoke" in again.json()["detail"]


def test_a_service_account_requests_for_its_team_but_does_not_decide(served: Served) -> None:
    request = served.ok(
        served.post(
            "ingest-bot",
            "/api/v1/access/requests",
            json={"table_id": PORT, "purpose": "sync", "consumer": "sales", "kind": "team"},
        ),
        201,
    )
    assert request["consumer_kind"] == "team"
    answer = served.post("ingest-bot", f"/api/v1/access/requests/{request['id']}/approve")
    assert answer.status_code == 403 and "owner" in answer.json()["where"]["needed"]


def collect(served: Served, url: str, limit: int, **params: str) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        page = served.ok(served.get("rita", url, params=query))
        ids.extend(item["id"] for item in page["items"])
        cursor = page["next"]
        if cursor is None or not page["items"]:
            return ids


def test_pages_lose_and_repeat_nothing_even_while_rows_are_added(served: Served) -> None:
    for n in range(7):
        served.ok(
            served.post("rita", "/api/v1/access/requests", json={"table_id": PORT, "purpose": f"p{n}"}), 201
        )
    every = [r.id for r in served.facade.access().requests()]
    assert collect(served, "/api/v1/access/requests", 3) == sorted(every)

    # Rows added between two pages come later, after the ones already sent; none is lost or repeated.
    first = served.ok(served.get("rita", "/api/v1/access/requests", params={"limit": 4}))
    added = served.ok(
        served.post("rita", "/api/v1/access/requests", json={"table_id": PORT, "purpose": "late"}), 201
    )
    rest = collect(served, "/api/v1/access/requests", 4, cursor=first["next"])
    seen = [r["id"] for r in first["items"]] + rest
    assert seen == sorted([*every, added["id"]]) and len(seen) == len(set(seen))


def test_events_feed_is_followed_by_its_cursor(served: Served) -> None:
    page = served.ok(served.get("rita", "/api/v1/events", params={"limit": 500}))
    assert page["next"] and page["items"]
    actions = {e["action"] for e in page["items"]}
    assert "access.requested" in actions
    while page["items"]:
        page = served.ok(served.get("rita", "/api/v1/events", params={"limit": 500, "cursor": page["next"]}))
    tail = page["next"]
    served.ok(served.post("rita", "/api/v1/access/requests", json={"table_id": PORT, "purpose": "feed"}), 201)
    new = served.ok(served.get("rita", "/api/v1/events", params={"cursor": tail}))
    assert [e["action"] for e in new["items"]] == ["access.requested"]
