"""Runs: asked for here, carried out by the server's worker, followed by their id."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from andmesh.api.deps import Facade, MeshPath, Reader, RowId
from andmesh.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, paginate
from andmesh.errors import NotFound, UsageError
from andmesh.store.run_queue import RunQueue, RunRequest

router = APIRouter(prefix="/api/v1", tags=["runs"])


class NewRun(BaseModel):
    select: list[str] | None = Field(
        None, description="Products to run (dbt-style selectors, e.g. `sales.customers+`); none: all."
    )
    force: bool = Field(False, description="Rebuild even what is up to date.")


@router.post("/runs", response_model=RunRequest, status_code=202)
def request_run(app: Facade, mesh: MeshPath, body: NewRun) -> RunRequest:
    """Queue a run of the service's mesh; the worker carries it out. 403 if you may not publish it."""
    if mesh is None:
        raise UsageError(
            "this server has no mesh to run", hint="start it with `andmesh serve --mesh <folder>`"
        )
    who = app.authorize_run(body.select, path=mesh)
    assert who.username is not None  # authorize_run lets only members publish
    principal = {"username": who.username, "login": who.login, "scopes": sorted(who.scopes or [])}
    if who.scopes is None:
        principal.pop("scopes")
    return RunQueue(app.store.engine).enqueue(who.actor, principal, body.select, body.force)


@router.get("/runs", response_model=Page[RunRequest])
def runs(app: Reader, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Page[RunRequest]:
    found = RunQueue(app.store.engine).requests()
    return paginate(found, scope="runs", key=lambda r: (r.id,), cursor=cursor, limit=limit)


@router.get("/runs/{request_id}", response_model=RunRequest)
def run(app: Reader, request_id: RowId) -> RunRequest:
    found = RunQueue(app.store.engine).get(request_id)
    if found is None:
        raise NotFound(f"no run request #{request_id}", hint="GET /api/v1/runs lists them")
    return found
