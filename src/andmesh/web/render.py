"""Rendering the portal: templates, readable refusal pages, and who a page acts as.

Every page acts through the facade as the signed-in member (``api.auth.acting_facade``), so the
authorization layer and the masking function decide what it shows, exactly as for the API. An
error becomes a page, not JSON: 401 shows the sign-in form, 403 says what was needed and who
holds it, 404 and 422 say what was wrong and how to fix it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from andmesh.api import session
from andmesh.api.auth import acting_facade
from andmesh.api.problems import Unauthenticated, status_of
from andmesh.errors import AndmeshError, NotPermitted, UsageError
from andmesh.facade import Andmesh

HERE = Path(__file__).parent
STATIC = HERE / "static"
log = logging.getLogger("andmesh.web")

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``template`` with the page frame's context: who is signed in, their CSRF token, OIDC or not."""
    user = getattr(request.state, "session", None)
    page = _env.get_template(template).render(
        request=request,
        user=user,
        csrf=user.csrf if user else "",
        csrf_field=session.CSRF_FIELD,
        oidc=bool(getattr(request.app.state, "oidc", None)),
        **context,
    )
    return HTMLResponse(page, status_code=status)


def error_page(request: Request, error: AndmeshError) -> HTMLResponse:
    status = status_of(error)
    if status == 401:
        return render(
            request, "signin.html", 401, message=error.message, hint=error.hint, next=_here(request)
        )
    needed = holders = None
    if isinstance(error, NotPermitted):
        needed, holders = error.needed, error.holders
    return render(
        request,
        "error.html",
        status,
        status_code=status,
        title=type(error).__name__,
        message=error.message,
        hint=error.hint,
        needed=needed,
        holders=holders,
    )


def _here(request: Request) -> str:
    """Where to come back to after signing in (a GET page of ours; a form post returns home)."""
    if request.method != "GET":
        return "/"
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


class PortalRoute(APIRoute):
    """A route whose errors (from its dependencies too) render as pages with the right status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except AndmeshError as error:
                return error_page(request, error)
            except RequestValidationError as error:
                first = error.errors()[0] if error.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ()))
                return error_page(
                    request, UsageError(f"{where}: {first.get('msg', 'invalid')}", hint="fill in the form")
                )
            except Exception:  # a bug: the log has the traceback, the user a readable page
                log.exception("internal error on %s %s", request.method, request.url.path)
                page = render(
                    request,
                    "error.html",
                    500,
                    status_code=500,
                    title="Internal error",
                    message="Something went wrong on the server (this is a bug; its log has the details).",
                )
                return page

        return guarded


def _mesh(request: Request) -> Path | None:
    path: Path | None = request.app.state.mesh_path
    return path


def member(request: Request) -> Andmesh:
    """The facade acting as the signed-in member, once they may ``read`` the mesh."""
    app = acting_facade(request)
    app.authorize("read", path=_mesh(request))
    return app


async def form_member(request: Request) -> Andmesh:
    """The facade for a form that changes something: a signed-in session AND its CSRF token.

    The one check every portal form goes through: a page on another site can make a browser
    post with its cookie, but cannot read the token the portal put in its own forms.
    """
    app = await run_in_threadpool(acting_facade, request)
    user = getattr(request.state, "session", None)
    if user is None:
        raise Unauthenticated("the portal's forms act for a signed-in session", hint="sign in first")
    form = await request.form()
    submitted = form.get(session.CSRF_FIELD)
    if not session.csrf_ok(user, submitted if isinstance(submitted, str) else None):
        raise NotPermitted(
            "this form was not sent by a portal page of your session (its CSRF token is missing or wrong)",
            action="csrf",
            needed="the CSRF token of your session, which the portal puts in every form",
            hint="reload the page and send the form again",
        )
    return app


def mesh_path(request: Request) -> Path | None:
    return _mesh(request)


Member = Annotated[Andmesh, Depends(member)]
FormMember = Annotated[Andmesh, Depends(form_member)]
MeshPath = Annotated[Path | None, Depends(mesh_path)]
