"""The tables a contract's relationships point to, bound for its checks."""

from __future__ import annotations

from collections.abc import Callable

from andmesh.engine.base import EngineSession
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.relationships import port_named
from andmesh.storage.warehouse import PortVersion, Warehouse


def referenced_tables(port: OutputPort) -> set[str]:
    """Names of the tables a contract's relationships point to (``<table>.<column>``)."""
    names: set[str] = set()
    relationships = list(port.contract.schema_object.relationships or [])
    for prop in port.contract.properties:
        relationships.extend(prop.relationships or [])
    for rel in relationships:
        targets = [rel.to] if isinstance(rel.to, str) else list(rel.to or [])
        names.update(t.rsplit(".", 1)[0] for t in targets if "." in t)
    return names


def register_references(
    session: EngineSession,
    mesh: Mesh,
    port: OutputPort,
    warehouse: Warehouse,
    current: Callable[[str], PortVersion | None] | None = None,
) -> dict[str, str]:
    """Bind the current version of every port ``port``'s relationships point to; their names.

    A target that cannot be resolved or has no published version is left out: its
    relationship check then reports an error saying the target is not available.
    ``current`` looks a version up (a run passes the versions it has already read).
    """
    current = current or warehouse.current
    references: dict[str, str] = {}
    for name in sorted(referenced_tables(port)):
        target = port_named(mesh, port.domain, name)
        if target is None or target.table_id == port.table_id:
            continue
        version = current(target.table_id)
        if version is not None:
            # Bound, not registered through Ibis: the checks speak SQL to the session.
            session.bind(name, version.files, "parquet")
            references[name] = name
    return references
