"""OpenLineage in: other tools' RunEvents, checked, kept and drawn into the lineage graph."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from andmesh.api.deps import Facade, MeshPath, Reader, RowId
from andmesh.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode, paginate
from andmesh.errors import NotFound, UsageError
from andmesh.job_view import JobView
from andmesh.store.lineage_events import LineageInbox, ReceivedEvent

router = APIRouter(prefix="/api/v1", tags=["lineage"])
MAX_EVENT_BYTES = 2_000_000

EVENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "An OpenLineage RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post("/lineage/events", response_model=ReceivedEvent, status_code=201, openapi_extra=EVENT_BODY)
async def receive_event(request: Request, app: Facade, mesh: MeshPath) -> ReceivedEvent:
    """Keep an OpenLineage RunEvent (checked against the bundled OpenLineage schemas: 422 with each
    problem's JSON path). Its job then shows in `GET /lineage` beside the products it reads or
    writes. Members on a domain's team (service accounts too) and platform admins may send (403)."""
    raw = await request.body()
    if len(raw) > MAX_EVENT_BYTES:
        raise UsageError(
            f"the event is larger than {MAX_EVENT_BYTES:,} bytes", hint="send one RunEvent per request"
        )
    try:
        event = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"the body is not JSON: {exc}", hint="send the RunEvent as application/json"
        ) from exc
    received: ReceivedEvent = await run_in_threadpool(app.lineage_receive, event, path=mesh)
    return received


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    key = decode("lineage-events", cursor)
    try:
        return int(key[0])
    except (IndexError, TypeError, ValueError) as exc:
        raise UsageError("the cursor is not one this server gave", hint="pass a page's `next` as is") from exc


@router.get("/lineage/events", response_model=Page[ReceivedEvent])
def received_events(
    app: Reader,
    job: Annotated[str | None, Query(description="`<namespace>/<name>` of one job.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[ReceivedEvent]:
    """The OpenLineage events received, in the order they came (one page read in SQL)."""
    found = LineageInbox(app.store.engine).events(after=_after(cursor), limit=limit + 1, job=job)
    return paginate(found, scope="lineage-events", key=lambda e: (e.id,), cursor=cursor, limit=limit)


@router.get("/lineage/events/{event_id}", response_model=dict[str, Any])
def received_event(app: Reader, event_id: RowId) -> dict[str, Any]:
    """One received event, whole, as it was sent."""
    found = LineageInbox(app.store.engine).event(event_id)
    if found is None:
        raise NotFound(f"no lineage event #{event_id}", hint="GET /api/v1/lineage/events lists them")
    return found


@router.get("/lineage/jobs/{job:path}", response_model=JobView)
def lineage_job(app: Reader, mesh: MeshPath, job: str) -> JobView:
    """Another tool's job (`<namespace>/<name>`, its node id in `GET /lineage`): the datasets its
    events read and write, the mesh's products among them, and its last runs."""
    view: JobView = app.lineage_job(job, path=mesh)
    return view
