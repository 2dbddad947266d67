"""Contracts through the API: ODCS YAML out, and in — linted like `andmesh lint` (problems with their
lines), compared with the contract in force; a breaking change becomes the council's proposal."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Served

URL = "/api/v1/products/sales.customers/contract"
YAML = {"Content-Type": "application/yaml"}


def current(served: Served) -> str:
    response = served.get("rita", URL)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/yaml")
    return str(response.text)


def put(served: Served, who: str, text: str) -> Any:
    return served.client.put(URL, content=text.encode(), headers={**served.headers(who), **YAML})


def without_credit_limit(text: str, version: str) -> str:
    start = text.index("      - name: credit_limit")
    end = text.index("      - name: created_on")
    return (text[:start] + text[end:]).replace("version: 1.0.0", f"version: {version}")


def test_a_breaking_change_becomes_a_council_proposal_once(served: Served) -> None:
    text = without_credit_limit(current(served), "2.0.0")
    answer = served.ok(put(served, "owner", text), 201)
    assert answer["council"] == "proposed" and answer["diff"]["breaking"] is True
    assert "credit_limit" in str(answer["diff"]["changes"])
    proposal = answer["proposal"]
    assert (proposal["kind"], proposal["subject"], proposal["status"]) == (
        "breaking_change",
        "sales.customers",
        "open",
    )
    assert proposal["details"]["new_version"] == "2.0.0" and proposal["details"]["contract"] == text
    assert proposal["created_by"] == "owner"
    listed = served.ok(served.get("eve", f"/api/v1/council/proposals/{proposal['id']}"))
    assert listed["kind"] == "breaking_change"
    # Asking again for the same version finds the same proposal (POST is the same operation).
    again = served.client.post(URL, content=text.encode(), headers={**served.headers("owner"), **YAML})
    assert again.status_code == 200 and again.json()["council"] == "already_proposed"
    assert again.json()["proposal"]["id"] == proposal["id"]
    assert current(served) != text  # nothing is written to the mesh's files


def test_a_compatible_change_needs_no_decision(served: Served) -> None:
    text = (
        current(served)
        .replace("version: 1.0.0", "version: 1.0.1")
        .replace(
            "purpose: The customer accounts sales serves.", "purpose: Every customer account sales serves."
        )
    )
    answer = served.ok(put(served, "owner", text))
    assert answer["council"] == "not_needed" and answer["proposal"] is None
    assert answer["diff"]["breaking"] is False and answer["diff"]["new_version"] == "1.0.1"


def test_an_invalid_contract_is_refused_with_its_lines(served: Served) -> None:
    text = current(served).replace("logicalType: number", "logicalType: numbr")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "numbr" in row)
    answer = put(served, "owner", text)
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    problems = answer.json()["where"]["problems"]
    assert any(
        p["file"] == "domains/sales/products/customers/contract.yaml" and p["line"] == line for p in problems
    ), problems
    broken = put(served, "owner", "schema: [unclosed")
    assert broken.status_code == 422 and broken.json()["where"]["problems"][0]["line"] == 1


def test_a_breaking_change_must_announce_itself(served: Served) -> None:
    text = without_credit_limit(current(served), "1.1.0")
    answer = put(served, "owner", text)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert "major" in body["detail"] and "contract.yaml:5: version" in body["detail"] and body["fix"]


def test_only_the_products_team_may_propose(served: Served) -> None:
    text = without_credit_limit(current(served), "3.0.0")
    refused = put(served, "rita", text)
    assert refused.status_code == 403 and refused.json()["where"]["action"] == "products.publish"
    assert "owner" in refused.json()["where"]["holders"]
    assert put(served, "rita-request-only", text).status_code == 403
    proposed = {
        p.details.get("new_version") for p in served.facade.proposals(None) if p.kind == "breaking_change"
    }
    assert "3.0.0" not in proposed  # a refusal changes nothing
    missing = served.client.put(
        "/api/v1/products/sales.custmers/contract",
        content=text.encode(),
        headers={**served.headers("owner"), **YAML},
    )
    assert missing.status_code == 404
    no_port = served.client.put(
        URL, params={"port": "custmers"}, content=text.encode(), headers={**served.headers("owner"), **YAML}
    )
    assert no_port.status_code == 422 and "customers" in no_port.json()["fix"]
