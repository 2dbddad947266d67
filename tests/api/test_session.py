"""The portal's session cookie: signed, expiring, member-checked, and CSRF-guarded for changes."""

from __future__ import annotations

import datetime as dt

from starlette.responses import Response

from andmesh.api import session
from tests.api.conftest import Served

PORT = "sales.customers"


def _cookie(served: Served, username: str, *, expires: dt.datetime | None = None) -> tuple[str, str]:
    """A genuine session cookie for ``username`` (as the sign-in form sets it) and its CSRF token."""
    key = session.session_key(served.facade.workspace.root)
    response = Response()
    user = session.sign_in(response, key, username=username, via="token", login="andm_test")
    if expires is not None:
        user = session.SessionUser(user.username, user.via, user.login, expires, user.csrf)
    return session.encode(user, key), user.csrf


def test_a_signed_in_browser_reads_as_its_member(served: Served) -> None:
    cookie, _ = _cookie(served, "marc")
    served.client.cookies.set(session.COOKIE, cookie)
    try:
        products = served.client.get("/api/v1/products")
        assert products.status_code == 200, products.text
        assert PORT in [p["table_id"] for p in products.json()["items"]]
    finally:
        served.client.cookies.clear()


def test_forged_expired_or_former_member_cookies_sign_no_one_in(served: Served) -> None:
    cookie, _ = _cookie(served, "marc")
    body, _, signature = cookie.partition(".")
    forged_body = session.encode(
        session.SessionUser("owner", "token", "x", dt.datetime(2099, 1, 1, tzinfo=dt.UTC), "c"), b"k" * 32
    ).partition(".")[0]
    expired, _ = _cookie(served, "marc", expires=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    stranger, _ = _cookie(served, "mallory")
    for value in (f"{forged_body}.{signature}", f"{body}.{signature[:-2]}xx", expired):
        served.client.cookies.set(session.COOKIE, value)
        assert served.client.get("/api/v1/products").status_code == 401
    served.client.cookies.set(session.COOKIE, stranger)
    refused = served.client.get("/api/v1/products")
    assert refused.status_code == 401 and "no longer a member" in refused.text
    served.client.cookies.clear()


def test_a_change_by_cookie_needs_the_sessions_csrf_token(served: Served) -> None:
    cookie, csrf = _cookie(served, "marc")
    served.client.cookies.set(session.COOKIE, cookie)
    body = {"table_id": PORT, "purpose": "campaign planning"}
    try:
        refused = served.client.post("/api/v1/access/requests", json=body)
        assert refused.status_code == 403 and "CSRF" in refused.text
        wrong = served.client.post("/api/v1/access/requests", json=body, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 403
        made = served.client.post("/api/v1/access/requests", json=body, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text
        assert made.json()["consumer"] == "marc"
    finally:
        served.client.cookies.clear()
