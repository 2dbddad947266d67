"""The application factory of `andmesh serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response

from andmesh.api import docs, problems
from andmesh.workspace import Workspace

if TYPE_CHECKING:
    from andmesh.api.oidc_config import OidcConfig
    from andmesh.facade import Andmesh

API = "/api/v1"
# The API answers JSON only; the docs page loads its own files and nothing else.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _security_headers(response: Response, path: str) -> None:
    from andmesh.web import PORTAL_CSP

    portal = not path.startswith("/api/")
    csp = DOCS_CSP if path.startswith(docs.BASE) else PORTAL_CSP if portal else API_CSP
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not path.startswith((docs.BASE, "/static/")):
        response.headers["Cache-Control"] = "no-store"  # answers hold data a principal may see, others not


def create_app(
    workspace: Workspace,
    mesh_path: Path | None = None,
    *,
    data: Path | None = None,
    worker: bool = False,
    poll: float = 0.5,
    oidc: OidcConfig | None = None,
    webhooks: bool | None = None,
    webhook_poll: float = 1.0,
    webhook_retry: float = 10.0,
) -> FastAPI:
    """The API on ``workspace``, serving ``mesh_path`` (default: the mesh the workspace last ran).

    ``worker`` starts the run worker with the app (``andmesh serve`` does; tests choose).
    ``oidc`` turns single sign-on on (default: from the ``ANDMESH_OIDC_*`` environment).
    ``webhooks`` starts the webhook dispatcher thread (default: with the worker).
    """
    from andmesh.facade import Andmesh, ProductDetail
    from andmesh.storage.warehouse import PortVersion

    ProductDetail.model_rebuild(_types_namespace={"PortVersion": PortVersion})
    from andmesh.version_cache import VersionCachingWarehouse

    facade = Andmesh(workspace)
    # Every request's facade shares this warehouse: a port's versions are read from the catalog
    # once per commit to it, not once per request (andmesh/version_cache.py says why that is safe).
    workspace.create()
    facade._warehouse = VersionCachingWarehouse(workspace.catalog_url, workspace.warehouse)
    if mesh_path is not None:
        mesh_path = mesh_path.resolve()
        facade.mesh(mesh_path)  # a broken mesh stops the server at start, with its problems listed
        if workspace.facts().get("mesh_root") != str(mesh_path):
            # Product pages and status read "the workspace's mesh": make it this one, as `andmesh run` would.
            workspace.remember(mesh_root=mesh_path)
    elif workspace.facts().get("mesh_root"):
        mesh_path = Path(workspace.facts()["mesh_root"])

    from andmesh.api.worker import RunWorker

    runner = RunWorker(facade, mesh_path, data=data, poll=poll) if worker and mesh_path else None
    from andmesh.api import webhooks as hooks
    from andmesh.store.webhooks import WebhookStore

    dispatcher = None
    if worker if webhooks is None else webhooks:
        signature = hooks.gap_signature(facade) if mesh_path else None
        store = WebhookStore(facade.store.engine, workspace.root)
        dispatcher = hooks.Dispatcher(store, gaps=signature, poll=webhook_poll, retry_base=webhook_retry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for thread in (runner, dispatcher):
            if thread is not None:
                thread.start()
        try:
            yield
        finally:
            for thread in (dispatcher, runner):
                if thread is not None:
                    thread.stop()

    app = FastAPI(
        title="andmesh",
        summary="The data mesh's REST API: products, contracts, access, council, enterprise view, runs.",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.facade = facade
    app.state.mesh_path = mesh_path
    app.state.worker = runner
    app.state.oidc = None
    problems.install(app)
    _single_sign_on(app, facade, mesh_path, oidc)

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        _security_headers(response, request.url.path)
        return response

    @app.get(f"{API}/health", tags=["service"])
    def health() -> dict[str, str]:
        """Up, and which workspace it serves (no sign-in needed)."""
        return {"status": "ok", "mesh": str(mesh_path) if mesh_path else ""}

    from andmesh.api.routes import (
        chains,
        enterprise,
        entities,
        governance,
        lineage_ingest,
        products,
        runs,
        scores,
    )

    app.include_router(docs.router)
    # `entities` after `enterprise`: its /entities/{name}/{id} must not shadow /entities/{name}/review.
    for module in (products, governance, lineage_ingest, enterprise, entities, chains, scores, runs, hooks):
        app.include_router(module.router)
    from andmesh import web

    web.mount(app)  # the portal's pages, forms and static files (htmx)
    return app


def _single_sign_on(app: FastAPI, facade: Andmesh, mesh_path: Path | None, config: OidcConfig | None) -> None:
    from andmesh.api import oidc_config

    config = config or oidc_config.from_env()
    if config is None:
        return
    if mesh_path is not None:
        config.check_against(facade.mesh(mesh_path).domains)
    from andmesh.api import oidc

    oidc.install(app, config)
