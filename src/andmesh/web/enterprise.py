"""The portal's enterprise pages (GET): domains, use cases with their prioritization matrix,
the gap analysis filtered by use case, and an entity's 360 view (masked by the one function).

The gap analyses and the products' health come from the mesh-state cache (``cache.py``), shared
with the home page: computed once per state of the mesh, never from an older one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from andmesh.errors import NotFound
from andmesh.spec.suggest import hint_for
from andmesh.web import svg
from andmesh.web.cache import cache_of
from andmesh.web.figures import Figures, health
from andmesh.web.render import Member, MeshPath, PortalRoute, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def _figures(request: Request, app: Any, mesh: Any) -> Figures:
    return Figures(app, mesh, cache_of(request.app.state))


@router.get("/domains", response_class=HTMLResponse)
def domains(request: Request, app: Member, mesh: MeshPath) -> HTMLResponse:
    figures = _figures(request, app, mesh)
    m = app.mesh(mesh)
    by_domain: dict[str, Counter[str]] = {name: Counter() for name in m.domains}
    for port in figures.ports():
        by_domain.setdefault(port.domain, Counter())[health(port)] += 1
    gaps = {r.key: r for r in figures.gaps().by_domain}
    rows = [
        {"name": name, "spec": d.spec, "health": by_domain.get(name, Counter()), "gaps": gaps.get(name)}
        for name, d in sorted(m.domains.items())
    ]
    return render(request, "domains.html", rows=rows)


@router.get("/domains/{name}", response_class=HTMLResponse)
def domain(request: Request, app: Member, mesh: MeshPath, name: str) -> HTMLResponse:
    """A business unit: its products and their health, who owns what, the enterprise's
    requirements on its products and the gaps still open there."""
    m = app.mesh(mesh)
    found = m.domains.get(name)
    if found is None:
        raise NotFound(f"no domain `{name}` in mesh {m.name}", hint=hint_for(name, m.domains, "domains"))
    figures = _figures(request, app, mesh)
    ports = {p.product_id: p for p in figures.ports() if p.domain == name}
    products = [
        {"id": p.id, "owner": p.owner, "port": ports.get(p.id), "health": health(ports[p.id]) if p.id in ports else "unpublished",
         "description": p.spec.description.purpose if p.spec.description else None}
        for p in sorted(m.products.values(), key=lambda p: p.id)
        if p.domain == name
    ]  # fmt: skip
    report = figures.gaps()
    requirements = [r for r in report.requirements if r.domain == name]
    mine = {r.id for r in requirements}
    owners: dict[str, list[str]] = {found.spec.owner: ["domain owner"]}
    for member in found.spec.team:
        owners.setdefault(member.username, []).append(member.role or "team member")
    for product in sorted(m.products.values(), key=lambda p: p.id):
        if product.domain == name and product.owner:
            owners.setdefault(product.owner, []).append(f"owns {product.id}")
    stages = [
        f"{chain.spec.title or chain.name}: {stage.title or stage.name}"
        for chain in m.value_chains.values()
        for stage in chain.spec.stages
        if stage.domain == name
    ]
    return render(
        request,
        "domain.html",
        d=found.spec,
        products=products,
        health=Counter(p["health"] for p in products),
        owners=owners,
        stages=stages,
        requirements=requirements,
        gaps=[g for g in report.gaps if g.requirement in mine],
    )


@router.get("/usecases", response_class=HTMLResponse)
def use_cases(request: Request, app: Member, mesh: MeshPath) -> HTMLResponse:
    priority = app.use_cases(mesh)
    return render(request, "usecases.html", priority=priority, matrix=_matrix(priority, None))


def _matrix(priority: Any, current: str | None) -> Any:
    from andmesh.enterprise.priority import QUADRANTS

    points = [
        svg.Point(u.name, u.title or u.name, u.feasibility, u.value, u.name == current, f"/usecases/{u.name}")
        for u in priority.use_cases
    ]
    return svg.matrix("Prioritization: value × feasibility", points, QUADRANTS, midpoint=priority.midpoint)


@router.get("/usecases/{name}", response_class=HTMLResponse)
def use_case(request: Request, app: Member, mesh: MeshPath, name: str) -> HTMLResponse:
    """The canvas, where the use case sits in the prioritization matrix, its blocking gaps and KPIs."""
    from andmesh.report.enterprise import headline

    found = app.mesh(mesh).use_cases.get(name)
    if found is None:
        raise NotFound(f"no use case `{name}`", hint=hint_for(name, app.mesh(mesh).use_cases, "use cases"))
    priority = app.use_cases(mesh)
    ranked = next(u for u in priority.use_cases if u.name == name)
    figures = _figures(request, app, mesh)
    gaps = figures.gaps_of(name)
    known = sorted(set(found.spec.kpis) & set(app.mesh(mesh).kpis))  # lint refuses any other
    # KPIs are aggregates of the published versions: computed once per state of the mesh.
    kpis = figures.cache.get(
        f"kpis:{name}",
        figures.key,
        lambda: [headline(k) for k in app.kpis(known, path=mesh)] if known else [],
    )
    return render(
        request,
        "usecase.html",
        uc=found.spec,
        ranked=ranked,
        gaps=gaps,
        kpis=kpis,
        matrix=_matrix(priority, name),
    )


@router.get("/gaps", response_class=HTMLResponse)
def gaps(request: Request, app: Member, mesh: MeshPath, usecase: str = "") -> HTMLResponse:
    """Every requirement's promised/captured/fit state and the open gaps, for the whole mesh or
    the requirements of one use case; htmx swaps the table in when the filter changes."""
    m = app.mesh(mesh)
    figures = _figures(request, app, mesh)
    if usecase and usecase not in m.use_cases:
        raise NotFound(f"no use case `{usecase}`", hint=hint_for(usecase, m.use_cases, "use cases"))
    report = figures.gaps_of(usecase) if usecase else figures.gaps()
    template = "_gaps.html" if request.headers.get("hx-request") else "gaps.html"
    domain_of = {r.id: r.domain for r in report.requirements}
    return render(
        request, template, report=report, usecase=usecase, use_cases=sorted(m.use_cases), domain_of=domain_of
    )


@router.get("/entities/{name}", response_class=HTMLResponse, response_model=None)
def entity_lookup(
    request: Request, app: Member, mesh: MeshPath, name: str, key: str = ""
) -> HTMLResponse | RedirectResponse:
    """Find an entity by enterprise id or ``<source product>:<record>`` (a GET form)."""
    m = app.mesh(mesh)
    if name not in m.entities:
        raise NotFound(f"no entity `{name}` in mesh {m.name}", hint=hint_for(name, m.entities, "entities"))
    if key.strip():
        return RedirectResponse(f"/entities/{quote(name)}/{quote(key.strip(), safe='')}", status_code=303)
    spec = m.entities[name].spec
    return render(request, "entity_lookup.html", name=name, sources=[s.product for s in spec.sources])


@router.get("/entities/{name}/{key}", response_class=HTMLResponse)
def entity(request: Request, app: Member, mesh: MeshPath, name: str, key: str) -> HTMLResponse:
    """The 360 view of one entity (``/entities/customer/<enterprise id or source:record>``): its
    golden record, every record linked to it and why — through the facade, so personal
    attributes are masked by the one masking function unless you steward the entity."""
    m = app.mesh(mesh)
    if name not in m.entities:
        raise NotFound(f"no entity `{name}` in mesh {m.name}", hint=hint_for(name, m.entities, "entities"))
    view = app.entity_view(name, key, path=mesh)
    attributes = [a.name for a in m.entities[name].spec.attributes]
    return render(request, "entity.html", view=view, attributes=attributes, name=name)
