"""Pages of other tools' jobs (OpenLineage events received by ``POST /api/v1/lineage/events``): the
job's page, and the jobs beside a product in its lineage (those reading it, those writing it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from andmesh.facade import Andmesh
from andmesh.web.render import Member, MeshPath, PortalRoute, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def job_url(job_id: str) -> str:
    """A job's page: its id (``<namespace>/<name>``, a namespace often a URL) quoted whole."""
    return "/jobs/" + quote(job_id, safe="")


def jobs_around(app: Andmesh, mesh: Path | None, product_id: str) -> tuple[list[str], list[str]]:
    """The other tools' jobs that write ``product_id`` (upstream of it) and that read it
    (downstream), as the lineage graph draws them."""
    graph = app.lineage(path=mesh).graph
    jobs = {n.id for n in graph.nodes if n.kind == "job"}
    if not jobs:
        return [], []
    writers = sorted({e.upstream for e in graph.edges if e.downstream == product_id and e.upstream in jobs})
    readers = sorted({e.downstream for e in graph.edges if e.upstream == product_id and e.downstream in jobs})
    return writers, readers


@router.get("/jobs/{job:path}", response_class=HTMLResponse)
def job(request: Request, app: Member, mesh: MeshPath, job: str) -> HTMLResponse:
    """Another tool's job: the datasets it reads and writes (the mesh's products linked) and its
    last runs, from the OpenLineage events it sent."""
    view = app.lineage_job(job, path=mesh)
    return render(request, "job.html", job=view)
