"""The portal through its HTML: sign-in, the four-figure home page, masking on the product page,
CSRF on every form, readable refusals, search, inboxes, use cases, the vendored htmx."""

from __future__ import annotations

import hashlib
import re

from fastapi.testclient import TestClient

from andmesh.security.keys import workspace_key
from andmesh.security.masking import mask_value
from andmesh.web.render import STATIC
from tests.web.conftest import Portal

PRODUCT = "sales.customers"
CLEAR = "buyer@acme.example"


def test_pages_need_a_session_and_show_the_sign_in_form(portal: Portal) -> None:
    anonymous = TestClient(portal.app, follow_redirects=False)
    for url in ("/", f"/products/{PRODUCT}", "/search", "/access", "/council", "/grants", "/usecases"):
        page = anonymous.get(url)
        assert page.status_code == 401, url
        assert 'action="/signin"' in page.text and "andmesh API token" in page.text
    assert "/auth/login" not in anonymous.get("/signin").text  # no OIDC configured
    portal.app.state.oidc = object()
    try:
        assert 'href="/auth/login' in anonymous.get("/signin").text
        # Single sign-on comes back to the page that asked for it.
        assert (
            'href="/auth/login?next=/gaps%3Fusecase%3Dgrow_segments"'
            in anonymous.get("/gaps?usecase=grow_segments").text
        )
    finally:
        portal.app.state.oidc = None


def test_sign_in_refuses_what_the_api_refuses_and_narrowed_tokens(portal: Portal) -> None:
    client = TestClient(portal.app, follow_redirects=False)
    for token, says in (
        ("", "paste an andmesh API token"),
        ("not-a-token", "not an andmesh API token"),
        ("andm_zzzz_unknown", "not a token of this workspace"),
        (portal.tokens["rita-read-only"], "narrowed to the scopes read"),
    ):
        page = client.post("/signin", data={"token": token})
        assert page.status_code == 401 and says in page.text, (token, page.text)
        assert "andmesh_session" not in page.headers.get("set-cookie", "")
    signed = client.post("/signin", data={"token": portal.tokens["rita"], "next": "//evil.example/x"})
    assert signed.status_code == 303 and signed.headers["location"] == "/"  # never off-site
    assert "HttpOnly" in signed.headers["set-cookie"] and "SameSite=lax" in signed.headers["set-cookie"]
    assert client.get("/grants").status_code == 200
    out = client.post("/signout", data={"csrf_token": CSRF_OF(client)})
    assert out.status_code == 303
    assert client.get("/grants").status_code == 401


def CSRF_OF(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/grants").text)
    assert found
    return found.group(1)


def test_home_shows_the_four_figures_under_a_strict_csp(portal: Portal) -> None:
    client = portal.browser("rita")
    first = client.get("/")
    assert first.status_code == 200, first.text
    # A figure not computed yet for this state of the mesh is loaded by htmx, never awaited.
    for n in re.findall(r'hx-get="/fragments/figures/(\d)" hx-trigger="load"', first.text):
        fragment = client.get(f"/fragments/figures/{n}")
        assert fragment.status_code == 200 and f'id="figure-{n}-body"' in fragment.text
    page = client.get("/")  # now every figure is ready: drawn in the page itself
    assert "/fragments/figures/" not in page.text
    assert client.get("/fragments/figures/5").status_code == 404
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["cache-control"] == "no-store"
    for n in (1, 2, 3, 4):
        assert f'id="figure-{n}"' in page.text
    assert "Value chain: selling" in page.text and "domain: sales" in page.text  # figure 1
    assert "sales.customers.segment" in page.text  # figure 2: the requirement's row
    assert "no Treatment spec" in page.text  # figure 3 says why it is empty on this mesh
    assert "Policy compliance by domain" in page.text and "decisions waiting" in page.text  # figure 4
    assert page.text.count("<svg") >= 3
    # No inline script (the CSP would block it) and nothing from another host.
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts and all('src="/static/' in s for s in scripts)
    assert "http://" not in page.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page.text


def test_product_page_masks_sample_rows_unless_the_reader_may_see_them(portal: Portal) -> None:
    masked = mask_value(CLEAR, workspace_key(portal.facade.workspace.root, "masking"))
    outsider = portal.browser("marc").get(f"/products/{PRODUCT}")
    assert outsider.status_code == 200, outsider.text
    assert masked in outsider.text and CLEAR not in outsider.text
    for section in ("sample", "columns", "quality", "incidents", "consumers", "lineage", "access"):
        assert f'id="{section}"' in outsider.text
    assert "Request access" in outsider.text
    producer = portal.browser("owner").get(f"/products/{PRODUCT}")
    assert CLEAR in producer.text and masked not in producer.text


def test_every_form_needs_the_sessions_csrf_token(portal: Portal) -> None:
    marc = portal.browser("marc")
    before = len(portal.facade.access().requests())
    for data in ({"purpose": "campaigns"}, {"purpose": "campaigns", "csrf_token": "forged"}):
        refused = marc.post(f"/products/{PRODUCT}/access", data=data)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert marc.post("/council/1/vote", data={"decision": "approve"}).status_code == 403
    assert marc.post("/signout", data={}).status_code == 403
    assert len(portal.facade.access().requests()) == before  # nothing changed
    made = marc.post(
        f"/products/{PRODUCT}/access", data={"purpose": "campaigns", "csrf_token": portal.csrf("marc")}
    )
    assert made.status_code == 303 and made.headers["location"] == "/grants"
    assert len(portal.facade.access().requests()) == before + 1
    # A form from another session's page does not carry this session's token either.
    other = marc.post(f"/products/{PRODUCT}/access", data={"purpose": "x", "csrf_token": portal.csrf("rita")})
    assert other.status_code == 403


def test_a_refusal_says_what_is_needed_and_who_holds_it(portal: Portal) -> None:
    marc = portal.browser("marc")
    made = marc.post(
        f"/products/{PRODUCT}/access", data={"purpose": "dunning", "csrf_token": portal.csrf("marc")}
    )
    assert made.status_code == 303
    request_id = max(r.id for r in portal.facade.access().requests())
    refused = marc.post(f"/access/{request_id}/approve", data={"csrf_token": portal.csrf("marc")})
    assert refused.status_code == 403
    assert "Not permitted" in refused.text and "access.decide" in refused.text
    assert '<strong class="holder">owner</strong>' in refused.text
    missing = marc.get("/products/sales.nope")
    assert missing.status_code == 404 and "no product" in missing.text


def test_owner_inbox_council_and_grants(portal: Portal) -> None:
    marc, owner, eve = portal.browser("marc"), portal.browser("owner"), portal.browser("eve")
    marc.post(f"/products/{PRODUCT}/access", data={"purpose": "letters", "csrf_token": portal.csrf("marc")})
    request_id = max(r.id for r in portal.facade.access().requests())
    inbox = owner.get("/access")
    assert f'id="request-{request_id}"' in inbox.text and "letters" in inbox.text
    assert f'id="request-{request_id}"' not in marc.get("/access").text  # marc may not decide it
    approved = owner.post(
        f"/access/{request_id}/approve", data={"days": "30", "csrf_token": portal.csrf("owner")}
    )
    assert approved.status_code == 303
    (request,) = [r for r in portal.facade.access().requests() if r.id == request_id]
    assert request.status == "awaiting_council" and request.proposal_id
    council = eve.get("/council")
    assert f'id="proposal-{request.proposal_id}"' in council.text and 'value="approve"' in council.text
    assert "Your roles do not vote" in marc.get("/council").text
    voted = eve.post(
        f"/council/{request.proposal_id}/vote",
        data={"decision": "approve", "comment": "legitimate", "csrf_token": portal.csrf("eve")},
    )
    assert voted.status_code == 303
    grants = marc.get("/grants")
    assert f'id="my-request-{request_id}"' in grants.text and "granted" in grants.text
    assert CLEAR in marc.get(f"/products/{PRODUCT}").text  # the grant is in force: clear values
    bad_days = owner.post(
        f"/access/{request_id}/approve", data={"days": "soon", "csrf_token": portal.csrf("owner")}
    )
    assert bad_days.status_code == 422 and "whole number" in bad_days.text


def test_search_finds_columns_and_owners_and_answers_htmx_with_the_results_only(portal: Portal) -> None:
    rita = portal.browser("rita")
    page = rita.get("/search", params={"q": "email"})
    assert (
        page.status_code == 200 and f'href="/products/{PRODUCT}"' in page.text and "column:email" in page.text
    )
    assert "<html" in page.text
    fragment = rita.get("/search", params={"q": "owner"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and PRODUCT in fragment.text
    nothing = rita.get("/search", params={"q": "zzzqqq"})
    assert "No product matches" in nothing.text


def test_use_case_page_and_lineage_fragment(portal: Portal) -> None:
    rita = portal.browser("rita")
    listing = rita.get("/usecases")
    assert 'href="/usecases/grow_segments"' in listing.text
    page = rita.get("/usecases/grow_segments")
    assert page.status_code == 200, page.text
    assert (
        "Grow the right customer segments." in page.text
        and 'id="gaps"' in page.text
        and 'id="kpis"' in page.text
    )
    assert rita.get("/usecases/nope").status_code == 404
    fragment = rita.get(f"/fragments/lineage/{PRODUCT}")
    assert fragment.status_code == 200 and "<html" not in fragment.text and PRODUCT in fragment.text
    assert "reads from" in fragment.text and "read by" in fragment.text
    upward = rita.get(f"/fragments/lineage/{PRODUCT}", params={"direction": "upstream"})
    assert "reads from" in upward.text and "read by" not in upward.text  # expanding keeps its direction
    assert rita.get(f"/fragments/lineage/{PRODUCT}", params={"direction": "sideways"}).status_code == 422


def test_htmx_is_the_vendored_file_its_note_records(portal: Portal) -> None:
    body = (STATIC / "htmx.min.js").read_bytes()
    note = (STATIC / "htmx.md").read_text()
    assert hashlib.sha256(body).hexdigest() in note and "2.0.11" in note
    served = TestClient(portal.app).get("/static/htmx.min.js")
    assert served.status_code == 200 and served.content == body
