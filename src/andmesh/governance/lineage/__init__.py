"""Lineage: OpenLineage events for every run, and the mesh's lineage graph with impact analysis.

Public API:

- :func:`emit_run_lineage` — a finished run → OpenLineage events → file or HTTP endpoint;
- :func:`lineage_report` — the product or domain graph, impact either way, text and picture;
- :func:`build_run_events`, :func:`sql_column_lineage`, :func:`build_graph`, :func:`impact`,
  :func:`event_problems` for callers that need the parts.

Names are imported on first use: the OpenLineage client, sqlglot's optimizer and
matplotlib cost ~0.6 s to import, which a command that does not need them should not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    "columns": ["ColumnLineage", "SourceColumn", "sql_column_lineage"],
    "events": ["LineageContext", "build_run_events", "event_json", "run_uuid"],
    "graph": [
        "Impact",
        "ImpactedNode",
        "LineageEdge",
        "LineageGraph",
        "LineageNode",
        "build_graph",
        "impact",
        "impact_tree",
    ],
    "service": ["LineageReport", "emit_run_lineage", "lineage_report"],
    "transport": ["LineageDelivery"],
    "validate": ["event_problems"],
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
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


def __getattr__(name: str) -> Any:
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
