"""The portal's sign-in session: a signed, expiring cookie, and the CSRF token of its forms.

A browser cannot send a bearer token, so after it signs in (through the identity provider, or
by pasting an andmesh API token into the sign-in form) the server sets one cookie that names
the member and how they signed in. The cookie is HMAC-SHA256-signed with the workspace's
``session`` key (``security/keys.py``): nobody can forge or extend one without the key, and
servers sharing a store share the key. It never carries permissions — those are looked up in
the mesh's members on every request, so a member removed from the mesh is signed out at once.

Every form that changes something carries the session's CSRF token (a random value kept in
the signed cookie, compared in constant time): a page on another site cannot post as the user.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from andmesh.security.keys import workspace_key

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi import Request, Response

COOKIE = "andmesh_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LIFETIME = dt.timedelta(hours=8)


@dataclass(frozen=True)
class SessionUser:
    """Who a session cookie names; ``via`` is "oidc" or "token" (the sign-in form)."""

    username: str
    via: str
    login: str
    expires: dt.datetime
    csrf: str
    groups: tuple[str, ...] = field(default_factory=tuple)

    def as_payload(self) -> dict[str, object]:
        return {
            "u": self.username,
            "v": self.via,
            "l": self.login,
            "e": int(self.expires.timestamp()),
            "c": self.csrf,
            "g": list(self.groups),
        }


def session_key(workspace_root: Path) -> bytes:
    return workspace_key(workspace_root, "session")


def encode(user: SessionUser, key: bytes) -> str:
    """The cookie value: base64url(JSON) "." base64url(HMAC).

    >>> user = SessionUser("ana", "token", "andm_ab12", dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "c")
    >>> decode(encode(user, b"k" * 32), b"k" * 32, now=dt.datetime(2029, 1, 1, tzinfo=dt.UTC)) == user
    True
    >>> decode(encode(user, b"k" * 32), b"x" * 32) is None
    True
    """
    body = base64.urlsafe_b64encode(json.dumps(user.as_payload(), separators=(",", ":")).encode())
    return f"{body.decode()}.{_sign(body, key)}"


def decode(value: str, key: bytes, *, now: dt.datetime | None = None) -> SessionUser | None:
    """The session a cookie names, or None when it is forged, damaged or expired."""
    body, _, signature = value.partition(".")
    if not body or not hmac.compare_digest(signature, _sign(body.encode(), key)):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body.encode()))
        user = SessionUser(
            username=str(payload["u"]),
            via=str(payload["v"]),
            login=str(payload["l"]),
            expires=dt.datetime.fromtimestamp(int(payload["e"]), dt.UTC),
            csrf=str(payload["c"]),
            groups=tuple(str(g) for g in payload.get("g", [])),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if user.expires <= (now or dt.datetime.now(dt.UTC)):
        return None
    return user


def _sign(body: bytes, key: bytes) -> str:
    digest = hmac.new(key, b"andmesh-session." + body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_in(
    response: Response,
    key: bytes,
    *,
    username: str,
    via: str,
    login: str,
    groups: tuple[str, ...] = (),
    secure: bool = False,
) -> SessionUser:
    """Set the session cookie on ``response`` for ``username``; returns the new session."""
    user = SessionUser(
        username=username,
        via=via,
        login=login,
        expires=dt.datetime.now(dt.UTC).replace(microsecond=0) + LIFETIME,
        csrf=secrets.token_urlsafe(24),
        groups=groups,
    )
    response.set_cookie(
        COOKIE,
        encode(user, key),
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return user


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def current(request: Request, key: bytes) -> SessionUser | None:
    """The signed-in session of ``request``, if its cookie is genuine and not expired."""
    value = request.cookies.get(COOKIE)
    return decode(value, key) if value else None


def csrf_ok(user: SessionUser, submitted: str | None) -> bool:
    """The form's (or ``X-CSRF-Token`` header's) token is this session's.

    >>> user = SessionUser("ana", "token", "p", dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "abc")
    >>> csrf_ok(user, "abc"), csrf_ok(user, "abd"), csrf_ok(user, None)
    (True, False, False)
    """
    return bool(submitted) and hmac.compare_digest(user.csrf, submitted or "")
