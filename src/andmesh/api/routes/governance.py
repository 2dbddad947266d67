"""Access with purpose, the council's proposals and votes, and the events feed (the audit log)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from andmesh.api.deps import Facade, MeshPath, Reader, RowId
from andmesh.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode, paginate
from andmesh.errors import NotFound, UsageError
from andmesh.governance.council import Tally
from andmesh.security.principal import Principal
from andmesh.store.governance import AccessRequest, AuditEntry, Proposal

router = APIRouter(prefix="/api/v1")


class NewAccessRequest(BaseModel):
    table_id: str = Field(description="The output port, `<domain>.<port>`.", examples=["sales.customers"])
    purpose: str = Field(min_length=1, description="What the data is for.")
    consumer: str | None = Field(None, description="Yourself (default), a team you are on, or its product.")
    kind: Literal["person", "team", "product"] | None = None


class Approval(BaseModel):
    days: int | None = Field(None, description="The grant lasts this many days (1–365, default 90).")


class NewVote(BaseModel):
    decision: str = Field(examples=["approve", "reject"])
    comment: str | None = None


class VoteResult(BaseModel):
    proposal: Proposal
    tally: Tally


@router.get("/whoami", response_model=Principal, tags=["access"])
def whoami(app: Facade, mesh: MeshPath) -> Principal:
    return app.principal(mesh)


@router.post("/access/requests", response_model=AccessRequest, status_code=201, tags=["access"])
def request_access(app: Facade, mesh: MeshPath, body: NewAccessRequest) -> AccessRequest:
    return app.access_request(body.table_id, body.consumer, body.purpose, kind=body.kind, path=mesh)


@router.get("/access/requests", response_model=Page[AccessRequest], tags=["access"])
def access_requests(
    app: Reader,
    mesh: MeshPath,
    port: str | None = None,
    consumer: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[AccessRequest]:
    found = app.access(mesh).requests(port, consumer)
    return paginate(found, scope="access", key=lambda r: (r.id,), cursor=cursor, limit=limit)


@router.get("/access/grants/mine", response_model=Page[AccessRequest], tags=["access"])
def my_grants(
    app: Reader, mesh: MeshPath, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[AccessRequest]:
    """Grants in force for you or a team you are on."""
    who = app.principal(mesh)
    now = dt.datetime.now(dt.UTC)
    mine = {who.username, *who.groups} - {None}
    found = [r for r in app.access(mesh).requests() if r.consumer in mine and r.active(now)]
    return paginate(found, scope="grants", key=lambda r: (r.id,), cursor=cursor, limit=limit)


@router.get("/access/requests/{request_id}", response_model=AccessRequest, tags=["access"])
def access_request(app: Reader, mesh: MeshPath, request_id: RowId) -> AccessRequest:
    found = [r for r in app.access(mesh).requests() if r.id == request_id]
    if not found:
        raise NotFound(f"no access request #{request_id}", hint="GET /api/v1/access/requests lists them")
    return found[0]


@router.post("/access/requests/{request_id}/approve", response_model=AccessRequest, tags=["access"])
def approve(app: Facade, mesh: MeshPath, request_id: RowId, body: Approval | None = None) -> AccessRequest:
    return app.access_decide(request_id, "approve", days=body.days if body else None, path=mesh)


@router.post("/access/requests/{request_id}/reject", response_model=AccessRequest, tags=["access"])
def reject(app: Facade, mesh: MeshPath, request_id: RowId) -> AccessRequest:
    return app.access_decide(request_id, "reject", path=mesh)


@router.post("/access/requests/{request_id}/revoke", response_model=AccessRequest, tags=["access"])
def revoke(app: Facade, mesh: MeshPath, request_id: RowId) -> AccessRequest:
    return app.access_decide(request_id, "revoke", path=mesh)


@router.get("/council/proposals", response_model=Page[Proposal], tags=["council"])
def proposals(
    app: Reader,
    status: Annotated[
        str, Query(description="open, approved, rejected, applied, withdrawn, or all.")
    ] = "open",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Proposal]:
    found = app.proposals(None if status == "all" else status)
    return paginate(found, scope="proposals", key=lambda p: (p.id,), cursor=cursor, limit=limit)


@router.get("/council/proposals/{proposal_id}", response_model=Proposal, tags=["council"])
def proposal(app: Reader, proposal_id: RowId) -> Proposal:
    found = app.governance.proposal(proposal_id)
    if found is None:
        raise NotFound(
            f"no proposal #{proposal_id}", hint="GET /api/v1/council/proposals?status=all lists them"
        )
    return found


@router.post("/council/proposals/{proposal_id}/votes", response_model=VoteResult, tags=["council"])
def vote(app: Facade, mesh: MeshPath, proposal_id: RowId, body: NewVote) -> VoteResult:
    voted, tally = app.vote(proposal_id, body.decision, body.comment, path=mesh)
    return VoteResult(proposal=voted, tally=tally)


def _event_id(key: tuple[Any, ...]) -> int:
    try:
        return int(key[0])
    except (IndexError, TypeError, ValueError) as exc:
        raise UsageError("the cursor is not one this server gave", hint="pass a page's `next` as is") from exc


@router.get("/events", response_model=Page[AuditEntry], tags=["events"])
def events(
    app: Reader,
    subject: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[AuditEntry]:
    """Everything governance did, oldest first, from the append-only audit log.

    A feed: `next` is never null; poll it for later events (an empty page: nothing new yet).
    """
    after = _event_id(decode("events", cursor)) if cursor else 0
    # One page read in SQL (the log grows without end): the entries after the cursor's id, and one more.
    entries: list[Any] = app.audit_log(subject, after=after, limit=limit + 1)
    return paginate(entries, scope="events", key=lambda e: (e.id,), cursor=cursor, limit=limit, follow=True)
