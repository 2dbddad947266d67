"""The application factory of `andmesh serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _security_headers(path: str) -> list[tuple[bytes, bytes]]:
    from andmesh.web import PORTAL_CSP

    portal = not path.startswith("/api/")
    csp = DOCS_CSP if path.startswith(docs.BASE) else PORTAL_CSP if portal else API_CSP
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if not path.startswith((docs.BASE, "/static/")):
        headers.append((b"cache-control", b"no-store"))  # answers hold data a principal may see, others not
    return headers


class SecurityHeaders:
    """Sets the headers above on every answer (a plain ASGI middleware: Starlette's
    ``@app.middleware("http")`` runs each request through an extra task and stream; this saves
    ~0.4 ms of CPU a request, a tenth of a bare `GET /health` through TestClient)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = _security_headers(scope["path"])
        names = {name for name, _ in ours}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + ours}
            await send(message)

        await self.app(scope, receive, with_headers)


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
    jobs_lock: bool = False,
) -> FastAPI:
    """The API on ``workspace``, serving ``mesh_path`` (default: the mesh the workspace last ran).

    ``worker`` starts the run worker with the app (``andmesh serve`` does; tests choose).
    ``oidc`` turns single sign-on on (default: from the ``ANDMESH_OIDC_*`` environment).
    ``webhooks`` starts the webhook dispatcher thread (default: with the worker).
    ``jobs_lock``: start those two only in the process holding the workspace's jobs lock (one of
    `andmesh serve --workers N`'s processes; see ``andmesh.api.leader``).
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

    from andmesh.api.polling import PollingThread

    jobs: list[PollingThread] = [thread for thread in (runner, dispatcher) if thread is not None]
    leader = None
    if jobs_lock and jobs:
        from andmesh.api.leader import LOCK_FILE, JobsLeader

        leader = JobsLeader(workspace.root / LOCK_FILE, list(jobs))
        jobs = [leader]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for thread in jobs:
            thread.start()
        try:
            yield
        finally:
            for thread in reversed(jobs):
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
    app.state.jobs_leader = leader
    app.state.oidc = None
    problems.install(app)
    _single_sign_on(app, facade, mesh_path, oidc)

    app.add_middleware(SecurityHeaders)

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
