"""Pages of other tools' jobs (OpenLineage events received by ``POST /api/v1/lineage/events``): the
job's page, and the jobs beside a product in its lineage (those reading it, those writing it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from andmesh.facade import Andmesh
from andmesh.web.cache import Key, StateCache, lineage_mark
from andmesh.web.render import Member, MeshPath, PortalRoute, render

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def job_url(job_id: str) -> str:
    """A job's page: its id (``<namespace>/<name>``, a namespace often a URL) quoted whole."""
    return "/jobs/" + quote(job_id, safe="")


def jobs_around(
    app: Andmesh, mesh: Path | None, product_id: str, cache: StateCache, key: Key
) -> tuple[list[str], list[str]]:
    """The other tools' jobs that write ``product_id`` (upstream of it) and that read it
    (downstream), as the lineage graph draws them; the graph's job edges are kept per state of
    the mesh and last event received (no event yet: no job, and nothing is drawn)."""
    mark = lineage_mark(app)
    if mark is None:
        return [], []

    def job_edges() -> list[tuple[str, str]]:
        graph = app.lineage(path=mesh).graph
        jobs = {n.id for n in graph.nodes if n.kind == "job"}
        return [(e.upstream, e.downstream) for e in graph.edges if e.upstream in jobs or e.downstream in jobs]

    edges = cache.get("job-edges", (*key, mark), job_edges)
    writers = sorted({up for up, down in edges if down == product_id})
    readers = sorted({down for up, down in edges if up == product_id})
    return writers, readers


@router.get("/jobs/{job:path}", response_class=HTMLResponse)
def job(request: Request, app: Member, mesh: MeshPath, job: str) -> HTMLResponse:
    """Another tool's job: the datasets it reads and writes (the mesh's products linked) and its
    last runs, from the OpenLineage events it sent."""
    view = app.lineage_job(job, path=mesh)
    return render(request, "job.html", job=view)
