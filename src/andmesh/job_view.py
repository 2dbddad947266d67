"""Another tool's job, as the OpenLineage events it sent describe it: the datasets it reads and
writes (the mesh's own products named as such) and its last runs.

The lineage graph draws such a job beside the products it touches
(:func:`andmesh.governance.lineage.ingest.with_external_jobs`); this is what its page and
``GET /api/v1/lineage/jobs/{job}`` show. Pure assembly over the events the store keeps (one
indexed query for the job's latest events); which dataset is a product is decided by that same
function, so the graph and the page agree.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.errors import NotFound
from andmesh.store.lineage_events import Dataset, JobDatasets, lineage_events
from andmesh.store.reading import reading

if TYPE_CHECKING:
    from andmesh.spec.mesh import Mesh

RUNS = 10  # the last runs a job's page shows
EVENTS = 500  # the latest events read to find them (a run sends a few: START, RUNNING…, COMPLETE)


class JobDataset(BaseModel):
    namespace: str
    name: str
    product_id: str | None = Field(
        None, description="The mesh's product this dataset is (None: not the mesh's)."
    )


class JobRun(BaseModel):
    run_id: str
    state: str | None = Field(
        None, description="The latest event's type: START, RUNNING, COMPLETE, ABORT, FAIL…"
    )
    started_at: dt.datetime = Field(description="The time of its first event received.")
    updated_at: dt.datetime = Field(description="The time of its latest event received.")
    events: int


class JobView(BaseModel):
    id: str = Field(
        description="`<namespace>/<name>`, the job's node in the lineage graph.",
        examples=["airflow/dunning.export"],
    )
    namespace: str
    name: str
    inputs: list[JobDataset] = Field(description="Every dataset its events named as read.")
    outputs: list[JobDataset] = Field(description="Every dataset its events named as written.")
    runs: list[JobRun] = Field(description=f"Its last runs (at most {RUNS}), latest first.")
    events: int = Field(description="Events received from it in all.")


def products_by_dataset(mesh: Mesh, job: JobDatasets) -> dict[str, str]:
    """Which of ``job``'s datasets are the mesh's products (dataset name -> product id), as the
    lineage graph decides it."""
    from andmesh.governance.lineage.graph import LineageGraph
    from andmesh.governance.lineage.ingest import with_external_jobs

    node = f"{job.namespace}/{job.name}"
    graph = with_external_jobs(LineageGraph(mesh=mesh.name, level="product", nodes=[], edges=[]), mesh, [job])
    # A read is drawn product -> job, a write job -> product; each edge names the dataset it came from.
    return {
        table: edge.upstream if edge.downstream == node else edge.downstream
        for edge in graph.edges
        for table in edge.via
    }


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def job_view(engine: sa.Engine, mesh: Mesh, job_id: str) -> JobView:
    """The job ``<namespace>/<name>`` with its datasets and its last runs; NotFound if no event named it."""
    namespace, _, name = job_id.rpartition("/")
    columns = lineage_events.c
    query = (
        sa.select(columns.run_id, columns.event_type, columns.event_time, columns.inputs, columns.outputs)
        .where(columns.job_namespace == namespace, columns.job_name == name)
        .order_by(columns.id.desc())
    )
    with reading(engine) as c:
        total = c.execute(
            sa.select(sa.func.count()).where(columns.job_namespace == namespace, columns.job_name == name)
        ).scalar_one()
        rows = c.execute(query.limit(EVENTS)).all() if total else []
    if not total or not namespace:
        raise NotFound(
            f"no OpenLineage job `{job_id}` has sent an event",
            hint="a job's id is `<namespace>/<name>`; GET /api/v1/lineage lists the jobs drawn in the graph",
        )
    inputs: dict[tuple[str, str], Dataset] = {}
    outputs: dict[tuple[str, str], Dataset] = {}
    runs: dict[str, JobRun] = {}
    for run_id, event_type, event_time, ins, outs in reversed(rows):  # oldest first
        for bag, datasets in ((inputs, ins), (outputs, outs)):
            for d in datasets or []:
                bag[(d["namespace"], d["name"])] = Dataset(**d)
        at = _aware(event_time)
        run = runs.get(run_id)
        if run is None:
            runs[run_id] = JobRun(run_id=run_id, state=event_type, started_at=at, updated_at=at, events=1)
        else:  # the state is the latest event received's (events come in order, not always in time)
            run.events += 1
            run.started_at, run.updated_at = min(run.started_at, at), max(run.updated_at, at)
            run.state = event_type
    job = JobDatasets(
        namespace=namespace, name=name, inputs=list(inputs.values()), outputs=list(outputs.values())
    )
    products = products_by_dataset(mesh, job)

    def shown(datasets: dict[tuple[str, str], Dataset]) -> list[JobDataset]:
        return [
            JobDataset(namespace=d.namespace, name=d.name, product_id=products.get(d.name))
            for _, d in sorted(datasets.items())
        ]

    latest = sorted(runs.values(), key=lambda r: r.updated_at, reverse=True)[:RUNS]
    return JobView(
        id=job_id, namespace=namespace, name=name, inputs=shown(inputs), outputs=shown(outputs),
        runs=latest, events=int(total),
    )  # fmt: skip
