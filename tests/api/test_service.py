"""The service itself: OpenAPI, the offline docs page, security headers, sign-in, error bodies."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from andmesh.cli.app import app as cli
from andmesh.store.tokens import TokenStore
from tests.api.conftest import Served
from tests.helpers import token_for

PROBLEM = "application/problem+json"


def test_openapi_lists_every_family(served: Served) -> None:
    spec = served.ok(served.client.get("/api/v1/openapi.json"))
    paths = set(spec["paths"])
    for family in (
        "products",
        "access",
        "council",
        "gaps",
        "kpis",
        "entities",
        "lineage",
        "value",
        "events",
        "runs",
    ):
        assert any(p.startswith(f"/api/v1/{family}") for p in paths), family
    assert "/docs" not in paths and "/api/v1/docs" not in paths  # the docs page is not an operation


def test_docs_page_loads_nothing_from_outside(served: Served) -> None:
    page = served.client.get("/api/v1/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "http" not in csp
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(r.startswith("/api/v1/docs/assets/") for r in refs), refs
    for ref in [*refs, "/api/v1/docs/assets/start.js"]:
        asset = served.client.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 0, ref
    start = served.client.get("/api/v1/docs/assets/start.js").text
    assert "validatorUrl: null" in start and "http" not in start
    assert served.client.get("/api/v1/docs/assets/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_security_headers_on_api_answers(served: Served) -> None:
    answer = served.get("rita", "/api/v1/products")
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"


def test_no_or_bad_credentials_are_401_with_a_fix(served: Served) -> None:
    for headers in (
        {},
        {"Authorization": "Basic cml0YTpzZWNyZXQ="},
        {"Authorization": "Bearer andm_nope_nope"},
    ):
        answer = served.client.get("/api/v1/products", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["content-type"] == PROBLEM
        assert answer.headers["www-authenticate"].startswith("Bearer")
        body = answer.json()
        assert body["status"] == 401 and body["detail"] and "andmesh tokens create" in body["fix"]
    assert served.client.get("/api/v1/health").status_code == 200  # no sign-in needed


def test_a_revoked_token_no_longer_signs_in(served: Served) -> None:
    token = token_for(served.facade, "marc")
    headers = {"Authorization": f"Bearer {token}"}
    assert served.client.get("/api/v1/whoami", headers=headers).json()["username"] == "marc"
    store = TokenStore(served.facade.store.engine)
    record = store.lookup(token)
    assert record is not None
    store.revoke(record.id, "test")
    answer = served.client.get("/api/v1/whoami", headers=headers)
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]


def test_whoami_is_the_token_member(served: Served) -> None:
    me = served.ok(served.get("owner", "/api/v1/whoami"))
    assert (me["username"], me["via"], sorted(me["groups"])) == ("owner", "token", ["sales"])


def test_scopes_narrow_what_a_token_may_do(served: Served) -> None:
    answer = served.get("rita-request-only", "/api/v1/products")
    assert answer.status_code == 403
    assert "`read` scope" in answer.json()["where"]["needed"]


def test_refusal_is_403_saying_who_may(served: Served) -> None:
    request = served.ok(
        served.post(
            "rita", "/api/v1/access/requests", json={"table_id": "sales.customers", "purpose": "churn"}
        ),
        201,
    )
    answer = served.post("rita", f"/api/v1/access/requests/{request['id']}/approve")
    assert answer.status_code == 403 and answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["type"] == "urn:andmesh:error:not-permitted"
    assert "owner" in body["where"]["holders"] and "rita" in body["detail"]


def test_not_found_and_invalid_input(served: Served) -> None:
    answer = served.get("rita", "/api/v1/products/sales.custmers")
    assert answer.status_code == 404
    assert "sales.customers" in answer.json()["fix"]  # the hint names the close match
    assert served.get("rita", "/api/v1/council/proposals/9999").status_code == 404
    assert served.get("rita", "/api/v1/access/requests/9999").status_code == 404
    assert served.get("rita", "/api/v1/nothing-here").status_code == 404
    assert served.get("rita", "/api/v1/entities/nobody/review").status_code == 404
    bad_limit = served.get("rita", "/api/v1/products", params={"limit": 0})
    assert bad_limit.status_code == 422 and bad_limit.json()["where"]["problems"][0]["where"] == "query.limit"
    assert served.get("rita", "/api/v1/products", params={"cursor": "not-a-cursor"}).status_code == 422
    empty = served.post(
        "rita", "/api/v1/access/requests", json={"table_id": "sales.customers", "purpose": ""}
    )
    assert empty.status_code == 422
    unknown_port = served.post(
        "rita", "/api/v1/access/requests", json={"table_id": "sales.nope", "purpose": "x"}
    )
    assert unknown_port.status_code == 404


def test_serve_refuses_a_non_loopback_host_unless_told() -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "not a loopback address" in result.output and "--allow-remote" in result.output
