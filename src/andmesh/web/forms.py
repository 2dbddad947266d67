"""The portal's forms (POST): sign-in and sign-out, request access, approve or reject, vote.

Every form that changes something depends on ``FormMember`` (render.form_member): a signed-in
session and that session's CSRF token, checked in that one place. The action itself goes through
the facade, so the authorization layer decides and audits it as it would for the CLI or the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from andmesh.api import session
from andmesh.api.auth import principal_from_request
from andmesh.api.problems import Unauthenticated
from andmesh.errors import AndmeshError, UsageError
from andmesh.security.principal import Principal
from andmesh.store.tokens import SCOPES
from andmesh.web.render import FormMember, MeshPath, PortalRoute, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def _back(target: str | None) -> str:
    """A local path to return to (never another site: ``//host`` and ``http:`` are refused).

    >>> _back("/products/sales.customers"), _back("//evil.example/x"), _back("https://evil"), _back(None)
    ('/products/sales.customers', '/', '/', '/')
    """
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _seen_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    return render(request, "signin.html", next=_back(next), message=None, hint=None)


def _verify_token(request: Request, token: str) -> Principal:
    """The principal an API token names, checked by the API's own sign-in (``principal_from_request``),
    so the form and a bearer header accept and refuse exactly the same tokens."""
    from starlette.requests import Request as StarletteRequest

    scope = {
        "type": "http",
        "method": "GET",
        "path": request.url.path,
        "query_string": b"",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "app": request.app,
    }
    return principal_from_request(StarletteRequest(scope), request.app.state.facade)


@router.post("/signin")
def signin(
    request: Request,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = _back(next)
    try:
        if not token.strip():
            raise Unauthenticated(
                "paste an andmesh API token to sign in", hint="`andmesh tokens create` makes one"
            )
        principal = _verify_token(request, token.strip())
        if principal.scopes is not None and set(SCOPES) - principal.scopes:
            # The session acts with all of the member's rights; a narrowed token must not widen.
            narrowed = ", ".join(sorted(principal.scopes)) or "none"
            raise Unauthenticated(
                f"this token is narrowed to the scopes {narrowed}; a portal session acts with all of "
                "your rights as a member",
                hint="sign in with a token of every scope (`andmesh tokens create` without --scope)",
            )
    except AndmeshError as error:
        return render(request, "signin.html", 401, message=error.message, hint=error.hint, next=target)
    assert principal.username is not None
    response = _seen_other(target)
    session.sign_in(
        response,
        session.session_key(request.app.state.facade.workspace.root),
        username=principal.username,
        via="token",
        login=principal.login or "",
        groups=tuple(sorted(principal.groups)),
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/signout")
def signout(app: FormMember) -> Response:
    response = _seen_other("/signin")
    session.sign_out(response)
    return response


@router.post("/products/{product_id}/access")
def request_access(
    app: FormMember, mesh: MeshPath, product_id: str, purpose: Annotated[str, Form()] = ""
) -> Response:
    if not purpose.strip():
        raise UsageError("say what the data is for", hint="fill in the purpose and send the request again")
    found = app.mesh(mesh).products.get(product_id)
    if found is None:
        raise UsageError(f"no product `{product_id}`")
    app.access_request(found.output().table_id, None, purpose.strip(), kind="person", path=mesh)
    return _seen_other("/grants")


@router.post("/access/{request_id}/{decision}")
def decide_access(
    app: FormMember, mesh: MeshPath, request_id: int, decision: str, days: Annotated[str, Form()] = ""
) -> Response:
    if decision not in ("approve", "reject", "revoke"):
        raise UsageError(f"unknown decision `{decision}`", hint="approve, reject or revoke")
    if days.strip() and not days.strip().isdigit():
        raise UsageError(f"days: `{days}` is not a whole number of days", hint="leave it empty for 90 days")
    lasts = int(days) if days.strip() and decision == "approve" else None
    app.access_decide(request_id, decision, days=lasts, path=mesh)
    return _seen_other("/access")


@router.post("/council/{proposal_id}/vote")
def vote(
    app: FormMember,
    mesh: MeshPath,
    proposal_id: int,
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
) -> Response:
    app.vote(proposal_id, decision, comment.strip() or None, path=mesh)
    return _seen_other("/council")
