"""Lineage: OpenLineage events for every run, and the mesh's lineage graph with impact analysis.

Public API:

- :func:`emit_run_lineage` — a finished run → OpenLineage events → file or HTTP endpoint;
- :func:`lineage_report` — the product or domain graph, impact either way, text and picture;
- :func:`build_run_events`, :func:`sql_column_lineage`, :func:`build_graph`, :func:`impact`,
  :func:`event_problems` for callers that need the parts.
"""

from __future__ import annotations

from andmesh.governance.lineage.columns import ColumnLineage, SourceColumn, sql_column_lineage
from andmesh.governance.lineage.events import LineageContext, build_run_events, event_json, run_uuid
from andmesh.governance.lineage.graph import (
    Impact,
    ImpactedNode,
    LineageEdge,
    LineageGraph,
    LineageNode,
    build_graph,
    impact,
    impact_tree,
)
from andmesh.governance.lineage.service import LineageReport, emit_run_lineage, lineage_report
from andmesh.governance.lineage.transport import LineageDelivery
from andmesh.governance.lineage.validate import event_problems

__all__ = [
    "ColumnLineage",
    "Impact",
    "ImpactedNode",
    "LineageContext",
    "LineageDelivery",
    "LineageEdge",
    "LineageGraph",
    "LineageNode",
    "LineageReport",
    "SourceColumn",
    "build_graph",
    "build_run_events",
    "emit_run_lineage",
    "event_json",
    "event_problems",
    "impact",
    "impact_tree",
    "lineage_report",
    "run_uuid",
    "sql_column_lineage",
]
