"""OpenLineage events from other tools (Airflow, Spark, dbt, …): checked against the bundled schemas,
kept in the store, and drawn into the product graph as the jobs that read or write the mesh's
products.

A dataset is one of the mesh's when its name is an output port's table id (``sales.customers``)
or a product id, whatever its namespace: other tools name andmesh's tables by what their users
query. A job that reads a product is drawn downstream of it; a job that writes a product's table
upstream of it. Datasets that are not the mesh's are listed on the job's node (``sources`` read,
``tables`` written), not drawn.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from andmesh.errors import SpecError, SpecProblem
from andmesh.governance.lineage.graph import LineageEdge, LineageGraph, LineageNode
from andmesh.governance.lineage.validate import event_problems
from andmesh.spec.mesh import Mesh
from andmesh.store.lineage_events import Dataset, JobDatasets, LineageInbox, ReceivedEvent

EVENT = Path("event")  # where a problem is: the body sent, located by its JSON path
MAX_PROBLEMS = 20
PARENT_JOB = "mesh-run"  # events.PARENT_JOB (kept apart: ingest needs none of event building)


def _refused(problems: list[str]) -> SpecError:
    located = []
    for text in problems[:MAX_PROBLEMS]:
        where, _, message = text.partition(": ")
        located.append(
            SpecProblem(
                EVENT,
                None,
                None,
                where,
                message or text,
                hint="send an OpenLineage 2-0-2 RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json)",
                code="openlineage",
            )
        )
    return SpecError(located)


def _datasets(event: dict[str, Any], side: str) -> list[Dataset]:
    return [Dataset(namespace=str(d["namespace"]), name=str(d["name"])) for d in event.get(side) or []]


def receive(inbox: LineageInbox, event: Any, *, by: str) -> ReceivedEvent:
    """Check ``event`` (JSON) as an OpenLineage RunEvent and keep it; a :class:`SpecError` lists
    every problem by its JSON path otherwise."""
    if not isinstance(event, dict):
        raise _refused(["(event): an OpenLineage RunEvent is a JSON object"])
    problems = event_problems(event)
    if problems:
        raise _refused(problems)
    try:
        when = dt.datetime.fromisoformat(str(event["eventTime"]))
    except ValueError:
        raise _refused([f"eventTime: {event['eventTime']!r} is not an ISO 8601 date-time"]) from None
    if when.tzinfo is None:
        raise _refused(["eventTime: the time needs its offset (`Z` or `+01:00`)"])
    return inbox.record(
        event,
        event_time=when,
        inputs=_datasets(event, "inputs"),
        outputs=_datasets(event, "outputs"),
        received_by=by,
    )


def with_external_jobs(graph: LineageGraph, mesh: Mesh, jobs: list[JobDatasets]) -> LineageGraph:
    """``graph`` (product level) with the jobs of received events that read or write the mesh's products."""
    if graph.level != "product":
        return graph
    by_name: dict[str, str] = {}
    for product in mesh.products.values():
        by_name[product.id] = product.id
        for port in product.outputs:
            by_name[port.table_id] = product.id
    nodes, edges = list(graph.nodes), list(graph.edges)
    for job in jobs:
        if job.namespace == mesh.name and (job.name in mesh.products or job.name == PARENT_JOB):
            continue  # andmesh's own events, sent back: already the graph itself
        read = [(by_name[d.name], d.name) for d in job.inputs if d.name in by_name]
        written = [(by_name[d.name], d.name) for d in job.outputs if d.name in by_name]
        if not read and not written:
            continue
        node_id = f"{job.namespace}/{job.name}"
        nodes.append(
            LineageNode(
                id=node_id,
                kind="job",
                domain=job.namespace,
                sources=sorted(f"{d.namespace}/{d.name}" for d in job.inputs if d.name not in by_name),
                tables=sorted(f"{d.namespace}/{d.name}" for d in job.outputs if d.name not in by_name),
            )
        )
        for product_id, table in sorted(set(read)):
            edges.append(LineageEdge(upstream=product_id, downstream=node_id, via=[table]))
        for product_id, table in sorted(set(written)):
            edges.append(LineageEdge(upstream=node_id, downstream=product_id, via=[table]))
    edges.sort(key=lambda e: (e.upstream, e.downstream))
    return LineageGraph(mesh=graph.mesh, level=graph.level, nodes=nodes, edges=edges)
