"""The enterprise view: use cases, gaps, KPIs, value, lineage, and entities (360 view, stewardship)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from andmesh.api.deps import Facade, MeshPath, Reader
from andmesh.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, paginate
from andmesh.enterprise.entities.results import Decision, EntityView, ReviewQueue
from andmesh.enterprise.gaps import Gap, GapReport
from andmesh.enterprise.kpis import KpiResult
from andmesh.enterprise.priority import PriorityReport
from andmesh.governance.lineage.service import LineageReport
from andmesh.governance.value_service import ValueReport

router = APIRouter(prefix="/api/v1")


class StewardDecision(BaseModel):
    decision: Literal["confirm", "reject"]
    pair: str | None = Field(None, description="A pair id from the review queue.")
    left: str | None = Field(None, description="`<source>:<record>`, with `right`, instead of a pair id.")
    right: str | None = None
    note: str | None = None


@router.get("/usecases", response_model=PriorityReport, tags=["enterprise"])
def use_cases(app: Reader, mesh: MeshPath) -> PriorityReport:
    return app.use_cases(mesh)


@router.get("/gaps", response_model=Page[Gap], tags=["enterprise"])
def gaps(
    app: Reader,
    mesh: MeshPath,
    use_case: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Gap]:
    """Every gap between a requirement and the published data (promised, captured, fit)."""
    found = app.gaps(use_case, path=mesh).gaps
    return paginate(found, scope="gaps", key=lambda g: (g.requirement, g.level), cursor=cursor, limit=limit)


@router.get("/gaps/report", response_model=GapReport, tags=["enterprise"])
def gap_report(app: Reader, mesh: MeshPath, use_case: str | None = None) -> GapReport:
    """The whole gap analysis: every requirement and the rollups by domain, stage, hand-off, use case."""
    return app.gaps(use_case, path=mesh)


@router.get("/kpis", response_model=Page[KpiResult], tags=["enterprise"])
def kpis(
    app: Reader,
    mesh: MeshPath,
    period: Literal["month", "quarter", "year"] = "month",
    by: Annotated[
        list[str] | None,
        Query(description="Dimensions to cut by (`?by=region&by=segment`); a KPI lacking one says so."),
    ] = None,
    by_segment: Annotated[bool, Query(description="The same as `by=segment`.")] = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[KpiResult]:
    """Every KPI of the mesh, with its red/amber/green status; cut by the dimensions asked for."""
    found = app.kpis(period=period, by=by, by_segment=by_segment, path=mesh)
    return paginate(found, scope="kpis", key=lambda k: (k.name,), cursor=cursor, limit=limit)


@router.get("/value", response_model=ValueReport, tags=["enterprise"])
def value(app: Reader, mesh: MeshPath) -> ValueReport:
    return app.value(mesh)


@router.get("/lineage", response_model=LineageReport, tags=["lineage"])
def lineage(app: Reader, mesh: MeshPath, domains: bool = False) -> LineageReport:
    """The product graph (or the domain graph)."""
    return app.lineage(domains=domains, path=mesh)


@router.get("/lineage/impact/{target}", response_model=LineageReport, tags=["lineage"])
def impact(
    app: Reader,
    mesh: MeshPath,
    target: str,
    direction: Literal["downstream", "upstream", "both"] = "both",
    depth: Annotated[int | None, Query(ge=1)] = None,
) -> LineageReport:
    """Who a product affects downstream, and what affects it upstream."""
    return app.lineage(
        target,
        downstream=direction == "downstream",
        upstream=direction == "upstream",
        depth=depth,
        path=mesh,
    )


@router.get("/entities/{name}/records/{key}", response_model=EntityView, tags=["entities"])
def entity_view(app: Reader, mesh: MeshPath, name: str, key: str) -> Any:
    """The 360 view of one entity (by enterprise id or `<source>:<record>`), masked unless you steward it."""
    return app.entity_view(name, key, path=mesh)


@router.get("/entities/{name}/review", response_model=ReviewQueue, tags=["entities"])
def entity_review(
    app: Reader, mesh: MeshPath, name: str, limit: Annotated[int, Query(ge=1, le=500)] = 20
) -> Any:
    return app.entity_review(name, limit=limit, path=mesh)


@router.post("/entities/{name}/decisions", response_model=Decision, status_code=201, tags=["entities"])
def entity_decision(app: Facade, mesh: MeshPath, name: str, body: StewardDecision) -> Any:
    """A steward confirms or rejects a pair of records; the next resolution follows it."""
    return app.entity_decide(
        name, body.decision, pair=body.pair, left=body.left, right=body.right, note=body.note, path=mesh
    )
