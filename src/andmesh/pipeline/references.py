"""The tables a contract's relationships point to, bound for its checks."""

from __future__ import annotations

import ibis

from andmesh.engine.base import EngineSession
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.relationships import port_named
from andmesh.storage.warehouse import Warehouse


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
    session: EngineSession, mesh: Mesh, port: OutputPort, warehouse: Warehouse
) -> dict[str, ibis.Table]:
    """Register the current version of every port ``port``'s relationships point to.

    A target that cannot be resolved or has no published version is left out: its
    relationship check then reports an error saying the target is not available.
    """
    references: dict[str, ibis.Table] = {}
    for name in sorted(referenced_tables(port)):
        target = port_named(mesh, port.domain, name)
        if target is None or target.table_id == port.table_id:
            continue
        version = warehouse.current(target.table_id)
        if version is not None:
            references[name] = session.register(name, version.files, "parquet")
    return references
