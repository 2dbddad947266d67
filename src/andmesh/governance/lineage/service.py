"""What the facade calls: emit a run's lineage, and the lineage report behind `andmesh lineage`.

Each function takes the loaded mesh and the workspace, so the facade's methods are
one-line delegations (see docs/lineage.md).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from andmesh.governance.lineage.events import LineageContext, build_run_events
from andmesh.governance.lineage.graph import (
    Impact,
    Level,
    LineageGraph,
    build_graph,
    impact,
    impact_tree,
    resolve_focus,
)
from andmesh.governance.lineage.memory import workspace_memory
from andmesh.governance.lineage.sources import source_schemas
from andmesh.governance.lineage.transport import LineageDelivery, deliver, events_file, make_transport
from andmesh.pipeline.results import RunResult
from andmesh.spec.mesh import Mesh
from andmesh.workspace import Workspace

if TYPE_CHECKING:
    from andmesh.storage.warehouse import Warehouse
    from andmesh.store.lineage_events import JobDatasets


def emit_run_lineage(
    mesh: Mesh,
    result: RunResult,
    workspace: Workspace,
    *,
    data_root: Path | None = None,
    warehouse: Warehouse | None = None,
) -> LineageDelivery:
    """Turn a finished run into OpenLineage events and send them where ``mesh.yaml`` says.

    Never raises for lineage's sake: a misconfigured or unreachable backend is reported
    in the returned delivery (``errors``), and the run's own result stands.
    """
    clock = time.perf_counter()
    spec = mesh.spec.lineage
    try:
        transport, target = make_transport(spec, workspace.root)
    except Exception as exc:
        kind = spec.transport if spec else "file"
        return LineageDelivery(transport=kind, errors=[f"lineage not sent: {exc}"])
    if transport is None:
        return LineageDelivery(transport="none")
    memory = workspace_memory(workspace.root) if workspace.writable else None
    schemas: dict[str, dict[str, str]] = {}
    if data_root is not None:
        for outcome_product in {o.product_id for o in result.outcomes}:
            if outcome_product in mesh.products:
                schemas.update(source_schemas(mesh.products[outcome_product], data_root, memory))

    def current_version(table_id: str) -> int | None:
        found = warehouse.current(table_id) if warehouse is not None else None
        return found.version if found is not None else None

    context = LineageContext(
        data_root=data_root, current_version=current_version, source_schemas=schemas, memory=memory
    )
    events = build_run_events(mesh, result, context)
    if memory is not None:
        memory.save()
    delivery = deliver(events, transport, target, workspace.root)
    delivery.seconds = round(time.perf_counter() - clock, 3)
    return delivery


class LineageReport(BaseModel):
    """The lineage graph of a mesh, and the impact of one node on it, either way."""

    mesh: str
    level: Level
    focus: str | None = Field(None, description="The product (or domain) analysed; None: the whole graph.")
    depth: int | None = None
    graph: LineageGraph
    impacts: list[Impact] = Field(default_factory=list)
    text: list[str] = Field(default_factory=list, description="The same as an indented text tree.")
    picture: str | None = Field(None, description="The picture written (`--out`).")
    events_file: str | None = Field(
        None, description="Where the runs' OpenLineage events are (file transport)."
    )


def lineage_report(
    mesh: Mesh,
    workspace: Workspace,
    target: str | None = None,
    *,
    downstream: bool = False,
    upstream: bool = False,
    depth: int | None = None,
    domains: bool = False,
    out: Path | None = None,
    external: list[JobDatasets] | None = None,
) -> LineageReport:
    """The product (or, with ``domains``, domain) graph; with ``target``, who it affects and who affects it.

    Neither ``downstream`` nor ``upstream`` means both. ``external``: other tools' jobs known from
    the OpenLineage events they sent, drawn beside the products they read or write.
    """
    graph = build_graph(mesh, "domain" if domains else "product")
    if external:
        from andmesh.governance.lineage.ingest import with_external_jobs

        graph = with_external_jobs(graph, mesh, external)
    report = LineageReport(mesh=mesh.name, level=graph.level, depth=depth, graph=graph)
    if target is not None:
        focus = resolve_focus(mesh, graph, target)
        directions = [d for d, wanted in (("downstream", downstream), ("upstream", upstream)) if wanted]
        report.focus = focus
        for direction in directions or ["downstream", "upstream"]:
            found = impact(graph, focus, direction, depth)  # type: ignore[arg-type]
            report.impacts.append(found)
            report.text.extend(impact_tree(graph, found))
    else:
        report.text = graph_text(graph)
    if out is not None:
        # matplotlib only for a picture: a run's lineage emission never draws one.
        from andmesh.governance.lineage.picture import draw, save

        title = f"{mesh.name}: {graph.level} lineage" + (f" of {report.focus}" if report.focus else "")
        report.picture = str(save(draw(graph, report.impacts or None, title), out))
    spec = mesh.spec.lineage
    if spec is None or spec.transport == "file":
        report.events_file = str(events_file(spec, workspace.root))
    return report


def graph_text(graph: LineageGraph) -> list[str]:
    """The whole graph, upstream first: each node with what it reads from.

    >>> from andmesh.governance.lineage.graph import LineageEdge, LineageNode
    >>> g = LineageGraph(mesh="m", level="product", nodes=[
    ...     LineageNode(id="d.a", kind="product", domain="d", sources=["raw"]),
    ...     LineageNode(id="d.b", kind="product", domain="d")], edges=[LineageEdge(upstream="d.a", downstream="d.b")])
    >>> print("\\n".join(graph_text(g)))
    d.a  ← sources: raw
    d.b  ← d.a
    """
    layers = graph.layers()
    lines = []
    for node in sorted(graph.nodes, key=lambda n: (layers[n.id], n.id)):
        reads = graph.neighbours(node.id, "upstream")
        parts = [", ".join(reads)] if reads else []
        if node.sources:
            parts.append("sources: " + ", ".join(node.sources))
        lines.append(f"{node.id}  ← {'; '.join(parts) if parts else '(no upstream)'}")
    return lines
