"""Enterprise scores and treatments: versions and bands, a customer's scores (masked as the published
scores product is), treatment tiers, a customer's treatment, the consistency proof."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from andmesh.api.deps import MeshPath, Reader
from andmesh.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, paginate
from andmesh.enterprise.scores.service import ScoreVersion
from andmesh.enterprise.scores.treatments import ConsistencyReport, CustomerTreatment
from andmesh.errors import NotFound
from andmesh.service_views import ScoreDetail
from andmesh.spec.suggest import hint_for

router = APIRouter(prefix="/api/v1", tags=["scores"])
AsOf = Annotated[dt.date | None, Query(description="The served value on this date (default: the latest).")]


class CustomerScore(BaseModel):
    """A customer's served score; a field the scores product protects is `masked:…` without a grant."""

    customer_id: str
    score: str
    version: str
    value: float | str | None
    band: str | None
    probability: float | str | None = None
    reasons: list[str] | str = Field(default_factory=list)
    as_of: dt.date
    run_id: str


class TreatmentInfo(BaseModel):
    name: str
    entity: str
    owner: str
    description: str | None = None
    tiers: list[dict[str, Any]] = Field(description="First matching tier wins; the default is last.")
    domains: list[dict[str, Any]] = Field(description="What each domain does for each tier.")


@router.get("/scores", response_model=Page[ScoreVersion])
def score_versions(
    app: Reader, mesh: MeshPath, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[ScoreVersion]:
    """Every score version: approval, served or shadow, its last run (`andmesh scores list`)."""
    found = app.scores(mesh).versions()
    return paginate(found, scope="scores", key=lambda v: (v.score, v.version), cursor=cursor, limit=limit)


@router.get("/scores/{name}", response_model=ScoreDetail)
def score(app: Reader, mesh: MeshPath, name: str) -> ScoreDetail:
    """One score's versions and the bands of its served run (`andmesh scores show NAME`)."""
    names = {s.name for s in app.mesh(mesh).scores.values()}
    if name not in names:
        raise NotFound(f"no score `{name}`", hint=hint_for(name, names, "scores"))
    detail: ScoreDetail = app.score_detail(name, path=mesh)
    return detail


@router.get("/customers/{customer_id}/scores", response_model=Page[CustomerScore])
def customer_scores(
    app: Reader,
    mesh: MeshPath,
    customer_id: str,
    as_of: AsOf = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Any]:
    """A customer's served scores on a date, masked as the published scores product is masked."""
    found = app.customer_scores(customer_id, as_of=as_of, path=mesh)
    return paginate(found, scope="customer-scores", key=lambda s: (s["score"],), cursor=cursor, limit=limit)


def _treatment_names(app: Any, mesh: Any) -> dict[str, Any]:
    return dict(app.mesh(mesh).treatments)


def _known(app: Any, mesh: Any, name: str) -> Any:
    found = _treatment_names(app, mesh)
    if name not in found:
        raise NotFound(f"no treatment `{name}`", hint=hint_for(name, found, "treatments"))
    return found[name]


@router.get("/treatments", response_model=Page[TreatmentInfo], tags=["scores"])
def treatments(
    app: Reader, mesh: MeshPath, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[TreatmentInfo]:
    """The treatment specs: tiers from the served scores and each domain's action per tier."""
    found = []
    for name, treatment in _treatment_names(app, mesh).items():
        spec = treatment.spec
        found.append(
            TreatmentInfo(
                name=name,
                entity=spec.entity,
                owner=spec.owner,
                description=spec.description,
                tiers=[t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in spec.tiers],
                domains=[d.model_dump(mode="json", by_alias=True, exclude_none=True) for d in spec.domains],
            )
        )
    return paginate(found, scope="treatments", key=lambda t: (t.name,), cursor=cursor, limit=limit)


@router.get("/treatments/{name}/consistency", response_model=ConsistencyReport, tags=["scores"])
def consistency(app: Reader, mesh: MeshPath, name: str, as_of: AsOf = None) -> ConsistencyReport:
    """The consistency proof: every domain on the served versions, one tier per customer (`andmesh treat --consistency`)."""
    _known(app, mesh, name)
    return app.treatments(mesh, name).consistency(as_of)


@router.get("/treatments/{name}/customers/{customer_id}", response_model=CustomerTreatment, tags=["scores"])
def treat(app: Reader, mesh: MeshPath, name: str, customer_id: str, as_of: AsOf = None) -> CustomerTreatment:
    """A customer's enterprise tier and what each domain does for it (`andmesh treat ID`)."""
    _known(app, mesh, name)
    return app.treatments(mesh, name).treat(customer_id, as_of)
