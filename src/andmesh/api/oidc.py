"""Browser sign-in through the identity provider: authorization code + PKCE + state + nonce (Authlib).

``/auth/login`` sends the browser to the provider with a fresh ``state``; the only thing kept
between the two legs is a short-lived cookie holding that state (and where to return),
HMAC-signed with the workspace's ``session`` key — so any server of the deployment can finish a
sign-in another one started, and nothing is held in one process's memory. The PKCE verifier and
the nonce are derived from the state with that key: they never travel, not even in the cookie.
``/auth/callback`` checks the state against the cookie, exchanges the code (with the verifier,
and the client secret when one is configured), verifies the ID token (``jwt.verify``, with the
nonce), binds the identity (``signin``) and sets the portal's session cookie.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from andmesh.api.problems import Unauthenticated
from andmesh.errors import NotPermitted

if TYPE_CHECKING:
    from fastapi import FastAPI

    from andmesh.api.oidc_config import OidcConfig, Provider

STATE_COOKIE = "andmesh_oidc"
STATE_LIFETIME = dt.timedelta(minutes=10)
CALLBACK = "/auth/callback"
router = APIRouter(prefix="/auth", tags=["sign-in"], include_in_schema=False)


def install(app: FastAPI, config: OidcConfig) -> None:
    """Turn single sign-on on for ``app``: ``app.state.oidc`` holds the provider (the portal shows
    a sign-in link when it is set, and bearer JWTs are accepted)."""
    from andmesh.api.oidc_config import Provider

    app.state.oidc = Provider(config)
    app.include_router(router)


def _key(request: Request) -> bytes:
    from andmesh.api import session

    return session.session_key(request.app.state.facade.workspace.root)


def _derive(key: bytes, purpose: str, state: str) -> str:
    digest = hmac.new(key, f"andmesh-oidc.{purpose}.{state}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")  # 43 chars: a valid PKCE verifier


def _pack(payload: dict[str, Any], key: bytes) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    return f"{body}.{_derive(key, 'cookie', body)}"


def _unpack(value: str, key: bytes) -> dict[str, Any] | None:
    body, _, signature = value.partition(".")
    if not body or not hmac.compare_digest(signature, _derive(key, "cookie", body)):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    if not isinstance(payload, dict) or int(payload.get("e", 0)) < dt.datetime.now(dt.UTC).timestamp():
        return None
    return payload


def _local(target: str | None) -> str:
    """Where to return after sign-in: a path of this server only (no open redirect).

    >>> _local("/products/x?y=1"), _local("//evil.example/"), _local("https://evil.example"), _local(None)
    ('/products/x?y=1', '/', '/', '/')
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _client(provider: Provider, request: Request) -> Any:
    from authlib.integrations.httpx_client import OAuth2Client

    config = provider.config
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=" ".join(config.scopes),
        redirect_uri=config.redirect_uri or str(request.url_for("oidc_callback")),
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if config.client_secret else "none",
        timeout=provider.timeout,
    )


@router.get("/login", name="oidc_login")
def login(request: Request, next: str | None = None) -> RedirectResponse:
    """Start signing in: to the identity provider, with state, nonce and a PKCE challenge."""
    provider: Provider = request.app.state.oidc
    key = _key(request)
    state = secrets.token_urlsafe(24)
    with _client(provider, request) as client:
        url, _ = client.create_authorization_url(
            provider.endpoint("authorization_endpoint"),
            state=state,
            code_verifier=_derive(key, "pkce", state),
            nonce=_derive(key, "nonce", state),
        )
    response = RedirectResponse(url, status_code=303)
    expires = dt.datetime.now(dt.UTC) + STATE_LIFETIME
    response.set_cookie(
        STATE_COOKIE,
        _pack({"s": state, "n": _local(next), "e": int(expires.timestamp())}, key),
        max_age=int(STATE_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET: lax cookies ride along
        secure=provider.config.secure_cookies,
        path="/auth",
    )
    return response


@router.get("/callback", name="oidc_callback")
def callback(
    request: Request,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> RedirectResponse:
    """The provider's answer: check it, then sign the browser in and send it where it was going."""
    from andmesh.api import jwt, session, signin

    provider: Provider = request.app.state.oidc
    key = _key(request)
    if error:
        raise Unauthenticated(
            f"the identity provider refused the sign-in: {error}"
            + (f" ({error_description})" if error_description else ""),
            hint="try again, or ask the provider's administrator about your account",
        )
    started = _unpack(request.cookies.get(STATE_COOKIE, ""), key)
    if started is None or not state or not hmac.compare_digest(str(started.get("s", "")), state):
        # Without this check a page elsewhere could sign the browser in as the attacker's account.
        raise Unauthenticated(
            "this sign-in was not started here, or took longer than 10 minutes",
            hint="start again from /auth/login",
        )
    if not code:
        raise Unauthenticated("the identity provider sent no authorization code", hint="start again")
    import httpx
    from authlib.common.errors import AuthlibBaseError

    try:
        with _client(provider, request) as client:
            token = client.fetch_token(
                provider.endpoint("token_endpoint"),
                code=code,
                code_verifier=_derive(key, "pkce", state),
            )
    except (AuthlibBaseError, httpx.HTTPError, OSError) as exc:
        raise Unauthenticated(
            f"the identity provider did not exchange the code: {exc}", hint="start again"
        ) from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise Unauthenticated("the identity provider returned no ID token", hint="is `openid` a scope?")
    config = provider.config
    claims = jwt.verify(
        id_token, provider, audience=config.client_id, nonce=_derive(key, "nonce", state), what="the ID token"
    )
    service = request.app.state.facade
    directory = service.mesh(request.app.state.mesh_path).directory
    username = signin.bind_identity(claims, config, service.store.engine, directory)
    response = RedirectResponse(_local(str(started.get("n") or "/")), status_code=303)
    session.sign_in(
        response,
        key,
        username=username,
        via="oidc",
        login=str(claims["sub"]),
        groups=signin.idp_groups(claims, config),
        secure=config.secure_cookies,
    )
    response.delete_cookie(STATE_COOKIE, path="/auth")
    return response


@router.post("/logout", name="oidc_logout")
async def logout(request: Request) -> RedirectResponse:
    """Sign out (a form post carrying the session's CSRF token, or the ``X-CSRF-Token`` header)."""
    from andmesh.api import session

    user = session.current(request, _key(request))
    if user is not None:
        submitted = request.headers.get(session.CSRF_HEADER)
        if submitted is None:
            form = await request.form()
            value = form.get(session.CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
        if not session.csrf_ok(user, submitted):
            raise NotPermitted(
                "signing out needs the session's CSRF token",
                action="csrf",
                hint=f"post the `{session.CSRF_FIELD}` field the portal's sign-out form carries",
            )
    response = RedirectResponse("/", status_code=303)
    session.sign_out(response)
    return response
