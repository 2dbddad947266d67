"""Who a request acts as: one function taking API tokens, IdP JWTs and the portal's session cookie."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING

from fastapi import Request

from andmesh.api.problems import Unauthenticated
from andmesh.errors import NotPermitted
from andmesh.security.principal import Principal, from_token_record
from andmesh.store.tokens import PREFIX, TokenStore

if TYPE_CHECKING:
    from andmesh.facade import Andmesh

TOKEN_HINT = "send `Authorization: Bearer andm_…`; `andmesh tokens create` makes one"
TOUCH_EVERY = dt.timedelta(minutes=1)  # how fresh a token's "last used" is kept


def principal_from_request(request: Request, service: Andmesh) -> Principal:
    """The principal of ``request``, from its ``Authorization: Bearer`` header.

    An andmesh API token (``andm_…``), a JWT of the identity provider (when single sign-on is
    configured), or else the portal's session cookie. The principal's permissions
    always come from the mesh's members, so a token never grants more than its member holds.
    """
    header = request.headers.get("authorization", "")
    if not header:
        signed_in = _session_principal(request, service)
        if signed_in is not None:
            return signed_in
        raise Unauthenticated("no credentials: this endpoint needs a bearer token", hint=TOKEN_HINT)
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthenticated(f"unsupported authorization scheme `{scheme}`", hint=TOKEN_HINT)
    if not credential.startswith(PREFIX):
        if getattr(request.app.state, "oidc", None) is not None:
            return _jwt_principal(request, service, credential)
        raise Unauthenticated("the bearer credential is not an andmesh API token", hint=TOKEN_HINT)
    tokens = TokenStore(service.store.engine)
    record = tokens.lookup(credential)
    if record is None:
        raise Unauthenticated("the bearer token is not a token of this workspace", hint=TOKEN_HINT)
    now = dt.datetime.now(dt.UTC)
    if record.revoked_at is not None:
        raise Unauthenticated(
            f"the token {record.prefix} was revoked on {record.revoked_at:%Y-%m-%d}", hint=TOKEN_HINT
        )
    if record.expires_at <= now:
        raise Unauthenticated(
            f"the token {record.prefix} expired on {record.expires_at:%Y-%m-%d}", hint=TOKEN_HINT
        )
    directory = service.mesh(request.app.state.mesh_path).directory
    try:
        principal = from_token_record(directory, record.username, record.prefix, record.scopes)
    except NotPermitted as exc:  # the member left the mesh: the token names no one any more
        raise Unauthenticated(str(exc), hint="ask a platform admin for a token of a current member") from exc
    # "Last used" to the minute: a write per request would serialise every client of one token
    # on its row (50 clients, one token: each request waited for the others' commits).
    last = record.last_used_at
    if last is None or now - (last if last.tzinfo else last.replace(tzinfo=dt.UTC)) >= TOUCH_EVERY:
        with contextlib.suppress(Exception):  # a read-only store still authenticates
            tokens.touch(record.id)
    return principal


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _session_principal(request: Request, service: Andmesh) -> Principal | None:
    """The member a portal session cookie names, or None without a (valid) session.

    A request that changes something on the strength of a cookie must also carry the session's
    CSRF token: API calls in the ``X-CSRF-Token`` header; the portal's forms have theirs checked
    by the form's handler before it acts (``request.state.session`` is set for it).
    """
    from andmesh.api import session

    user = session.current(request, session.session_key(service.workspace.root))
    if user is None:
        return None
    changes = request.method not in SAFE_METHODS and request.url.path.startswith("/api/")
    if changes and not session.csrf_ok(user, request.headers.get(session.CSRF_HEADER)):
        raise NotPermitted(
            "a signed-in browser request that changes something needs the session's CSRF token",
            action="csrf",
            hint=f"send the `{session.CSRF_HEADER}` header the portal gives its pages",
        )
    directory = service.mesh(request.app.state.mesh_path).directory
    request.state.session = user
    if user.via == "oidc" and request.app.state.oidc is not None:
        from andmesh.api import signin

        config = request.app.state.oidc.config
        return signin.principal_of(
            user.username, user.login, user.groups, config, directory, service.store.engine
        )
    member = directory.get(user.username)
    if member is None:
        raise Unauthenticated(
            f"`{user.username}` signed in but is no longer a member of this mesh",
            hint="sign in again as a current member",
        )
    return Principal(
        username=member.username,
        kind=member.kind,
        via="oidc" if user.via == "oidc" else "token",
        login=user.login,
        groups=member.groups,
        roles=member.roles,
    )


def _jwt_principal(request: Request, service: Andmesh, credential: str) -> Principal:
    """The person a bearer JWT of the identity provider names (``signin`` has the rules)."""
    from andmesh.api import jwt, signin

    if not jwt.looks_like_jwt(credential):
        raise Unauthenticated(
            "the bearer credential is neither an andmesh API token nor a JWT", hint=TOKEN_HINT
        )
    provider = request.app.state.oidc
    claims = jwt.verify(credential, provider, audience=provider.config.jwt_audience)
    directory = service.mesh(request.app.state.mesh_path).directory
    # Each API call carries a JWT: the binding is checked every time, last_seen only at sign-in.
    username = signin.bind_identity(claims, provider.config, service.store.engine, directory, seen=False)
    groups = signin.idp_groups(claims, provider.config)
    return signin.principal_of(
        username, str(claims["sub"]), groups, provider.config, directory, service.store.engine
    )


def acting_facade(request: Request) -> Andmesh:
    """The facade acting as this request's principal (a FastAPI dependency)."""
    service: Andmesh = request.app.state.facade
    # One facade scope per request: the mesh's files are checked once, for sign-in and the action.
    scoped = service.acting_as(None, one_request=True)
    return scoped.acting_as(principal_from_request(request, scoped))
