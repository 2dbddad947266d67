"""The web portal of `andmesh serve`: server-rendered pages over the facade (issue 13, part 3).

Pages are Jinja2 templates of this package; the only script is htmx, vendored in ``static/``
with its version and hash (``static/htmx.md``). Nothing is loaded from another host, and every
page runs under a Content-Security-Policy of ``default-src 'self'`` without inline scripts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

STATIC_URL = "/static"
# The portal's pages: its own files only; no inline script or style, no plug-in, no framing.
PORTAL_CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def mount(app: FastAPI) -> None:
    """Add the portal's pages, forms and static files to the service's app."""
    from fastapi.staticfiles import StaticFiles

    from andmesh.web import enterprise, forms, jobs, pages
    from andmesh.web.cache import StateCache
    from andmesh.web.render import STATIC

    app.state.mesh_cache = StateCache()  # results per state of the mesh, shared by the API and the pages
    app.include_router(forms.router)
    app.include_router(pages.router)
    app.include_router(enterprise.router)
    app.include_router(jobs.router)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC), name="static")
