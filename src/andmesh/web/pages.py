"""The portal's pages (GET): home, products, search, inboxes, grants (the enterprise's pages: ``enterprise.py``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from andmesh.errors import NotFound
from andmesh.facade import Andmesh
from andmesh.security.authz import Target
from andmesh.spec.suggest import hint_for
from andmesh.web.cache import cache_of
from andmesh.web.figures import TITLES, Figures, health
from andmesh.web.jobs import job_url, jobs_around
from andmesh.web.render import Member, MeshPath, PortalRoute, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
SAMPLE_ROWS = 10


@router.get("/", response_class=HTMLResponse)
def home(request: Request, app: Member, mesh: MeshPath) -> HTMLResponse:
    """The four figures: those already computed for this state of the mesh at once, the others
    loaded by htmx as each is ready (``/fragments/figures/{n}``), so the page never waits on them."""
    figures = Figures(app, mesh, cache_of(request.app.state))
    slots = [(n, TITLES[n - 1], figures.ready(n)) for n in range(1, len(TITLES) + 1)]
    return render(request, "home.html", mesh=app.mesh(mesh), slots=slots)


@router.get("/fragments/figures/{n}", response_class=HTMLResponse)
def figure(request: Request, app: Member, mesh: MeshPath, n: int) -> HTMLResponse:
    if not 1 <= n <= len(TITLES):
        raise NotFound(f"no figure {n} on the home page", hint=f"figures are 1 to {len(TITLES)}")
    f = Figures(app, mesh, cache_of(request.app.state)).figure(n)
    return render(request, "_figure.html", n=n, f=f)


def _search(app: Andmesh, mesh: Path | None, q: str) -> list[Any]:
    from andmesh.api.routes.products import search_products

    # The API's search (ids, owners, descriptions, column names), so the two never disagree.
    return list(search_products(app, mesh, q, limit=500, cursor=None).items)


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, app: Member, mesh: MeshPath, q: str = "") -> HTMLResponse:
    """Products whose id, owner, description or columns hold the words; every product without words."""
    ports = {p.product_id: p for p in Figures(app, mesh, cache_of(request.app.state)).ports()}
    if q.strip():
        hits = [(h.product_id, h.domain, h.owner, h.description, h.matched) for h in _search(app, mesh, q)]
    else:
        products = app.mesh(mesh).products.values()
        hits = [
            (p.id, p.domain, p.owner, p.spec.description.purpose if p.spec.description else None, [])
            for p in sorted(products, key=lambda p: p.id)
        ]
    rows = [
        {"id": pid, "domain": domain, "owner": owner, "description": description, "matched": matched,
         "health": health(ports[pid]) if pid in ports else "unpublished"}
        for pid, domain, owner, description, matched in hits
    ]  # fmt: skip
    # htmx asks for the results only, as the user types.
    template = "_results.html" if request.headers.get("hx-request") else "search.html"
    return render(request, template, q=q, rows=rows)


def _product_facts(app: Andmesh, product_id: str, contract_file: str) -> dict[str, Any]:
    """What the product page shows every member alike: the contract, versions, checks, quality
    history and incidents — all fixed while the mesh's state holds (runs write them)."""
    detail = app.product(product_id)
    return {
        "p": detail,
        "contract": Path(contract_file).read_text(),
        "checks": app.check_results(detail.table_id),
        "history": app.quality_history(detail.table_id),
        "columns": [c.name for c in detail.columns],
        "downstream": detail.downstream,
    }


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product(request: Request, app: Member, mesh: MeshPath, product_id: str) -> HTMLResponse:
    """A product for the member reading it: the facts every member sees come from the mesh-state
    cache; the sample rows (masked for this reader), the access requests and what the reader
    may do are read live on every request."""
    spec = app.mesh(mesh).products.get(product_id)
    if spec is None:
        raise NotFound(
            f"no product `{product_id}`", hint=hint_for(product_id, app.mesh(mesh).products, "products")
        )
    figures = Figures(app, mesh, cache_of(request.app.state))
    contract_file = str(spec.output().contract.file)
    facts = figures.cache.get(
        f"product:{product_id}", figures.key, lambda: _product_facts(app, product_id, contract_file)
    )
    detail = facts["p"]
    sample: list[dict[str, Any]] = []
    if detail.versions:
        sample = app.read(
            detail.table_id, limit=SAMPLE_ROWS, purpose="portal: product page", path=mesh
        ).to_pylist()
    requests = app.access(mesh).requests(detail.table_id)
    now = dt.datetime.now(dt.UTC)
    who = app.principal(mesh)
    mine = {who.username, *who.groups}
    return render(
        request,
        "product.html",
        **facts,
        sample=sample,
        grants=[r for r in requests if r.active(now)],
        my_requests=[r for r in requests if r.consumer in mine or r.requested_by == who.username],
        upstream=sorted(spec.upstream),
        **_jobs(app, mesh, product_id, figures),
        may_request=app.may(
            "access.request",
            Target(product_id=product_id, consumer=who.username, consumer_kind="person"),
            path=mesh,
        ).allowed,
    )


@router.get("/fragments/lineage/{product_id}", response_class=HTMLResponse)
def lineage_fragment(
    request: Request,
    app: Member,
    mesh: MeshPath,
    product_id: str,
    direction: Literal["both", "upstream", "downstream"] = "both",
) -> HTMLResponse:
    """One more level of lineage around a product (the product page's "expand", through htmx):
    an upstream neighbour's own sources, a downstream neighbour's own readers."""
    found = app.mesh(mesh).products.get(product_id)
    if found is None:
        raise NotFound(
            f"no product `{product_id}`", hint=hint_for(product_id, app.mesh(mesh).products, "products")
        )
    return render(
        request,
        "_lineage.html",
        product_id=product_id,
        direction=direction,
        upstream=sorted(found.upstream),
        downstream=app.mesh(mesh).downstream(product_id),
        **_jobs(app, mesh, product_id, Figures(app, mesh, cache_of(request.app.state))),
    )


def _jobs(app: Andmesh, mesh: Path | None, product_id: str, figures: Figures) -> dict[str, Any]:
    """Other tools' jobs beside a product in its lineage, each with its page (``web/jobs.py``)."""
    writers, readers = jobs_around(app, mesh, product_id, figures.cache, figures.key)
    return {
        "job_writers": [(j, job_url(j)) for j in writers],
        "job_readers": [(j, job_url(j)) for j in readers],
    }


@router.get("/access", response_class=HTMLResponse)
def access_inbox(request: Request, app: Member, mesh: MeshPath) -> HTMLResponse:
    """Requests on the ports you may decide (owners), and those waiting for the council."""
    service = app.access(mesh)
    ports = {p.table_id: p for p in app.mesh(mesh).ports()}
    decidable, others = [], []
    for r in service.requests():
        if r.status not in ("pending", "awaiting_council"):
            continue
        port = ports.get(r.table_id)
        target = Target(product_id=port.product_id, domain=port.domain) if port else None
        if r.status == "pending" and target and app.may("access.decide", target, path=mesh).allowed:
            decidable.append(r)
        else:
            others.append(r)
    product_of = {t: p.product_id for t, p in ports.items()}
    return render(request, "access.html", decidable=decidable, others=others, product_of=product_of)


@router.get("/council", response_class=HTMLResponse)
def council(request: Request, app: Member, mesh: MeshPath) -> HTMLResponse:
    proposals = app.proposals("open")
    votable = {
        p.id
        for p in proposals
        if app.may(
            "council.vote", Target(domain=p.domain, product_id=p.product_id, proposal_kind=p.kind), path=mesh
        ).allowed
    }
    decided = [p for p in app.proposals(None) if p.status != "open"][-10:]
    return render(request, "council.html", proposals=proposals, votable=votable, decided=decided)


@router.get("/grants", response_class=HTMLResponse)
def my_grants(request: Request, app: Member, mesh: MeshPath) -> HTMLResponse:
    who = app.principal(mesh)
    now = dt.datetime.now(dt.UTC)
    mine = {who.username, *who.groups}
    requests = [
        r for r in app.access(mesh).requests() if r.consumer in mine or r.requested_by == who.username
    ]
    return render(
        request,
        "grants.html",
        grants=[r for r in requests if r.consumer in mine and r.active(now)],
        requests=requests,
    )
