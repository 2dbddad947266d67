"""Lint of contracts' relationships: every target resolves to an output port and its column.

At run time a relationship whose target does not resolve can only be reported as an
error of its check; lint finds it first, at the contract's line, with a suggestion.
A target ``<table>.<column>`` names the contract's own table or an output port: the
same domain's port of that name first, else the only port of that name in the mesh
(the rule the run binds references by).
"""

from __future__ import annotations

from open_data_contract_standard.model import Relationship

from andmesh.errors import SpecProblem
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import PathKey, YamlDocument


def port_named(mesh: Mesh, domain: str, name: str) -> OutputPort | None:
    """An output port by name: the same domain's first, else the only one in the mesh."""
    candidates = [p for p in mesh.ports() if p.name == name]
    same_domain = [p for p in candidates if p.domain == domain]
    if same_domain:
        return same_domain[0]
    return candidates[0] if len(candidates) == 1 else None


def relationship_problems(mesh: Mesh, docs: dict[str, YamlDocument]) -> list[SpecProblem]:
    """Problems of every relationship of every port's contract (``docs`` by contract id)."""
    problems: list[SpecProblem] = []
    for port in mesh.ports():
        doc = docs.get(port.contract.id)
        if doc is None:
            continue
        obj = port.contract.schema_object
        own = {p.name for p in port.contract.properties if p.name}
        base: PathKey = ("schema", 0)
        for index, rel in enumerate(obj.relationships or []):
            problems.extend(_check(mesh, port, doc, (*base, "relationships", index), rel, own, None))
        for p_index, prop in enumerate(port.contract.properties):
            for index, rel in enumerate(prop.relationships or []):
                path = (*base, "properties", p_index, "relationships", index)
                problems.extend(_check(mesh, port, doc, path, rel, own, prop.name))
    return problems


def _names(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _check(
    mesh: Mesh,
    port: OutputPort,
    doc: YamlDocument,
    path: PathKey,
    rel: Relationship,
    own: set[str],
    from_property: str | None,
) -> list[SpecProblem]:
    if (rel.type or "foreignKey") != "foreignKey":
        return []
    targets = _names(rel.to)
    sources = _names(getattr(rel, "from_", None)) or ([from_property] if from_property else [])
    if not targets or len(targets) != len(sources):
        return [
            doc.problem(
                path,
                f"the relationship's `from` {sources} and `to` {targets} must name as many columns",
                "name one target column per source column",
                code="reference",
            )
        ]
    problems: list[SpecProblem] = []
    for source in sources:
        column = source.rsplit(".", 1)[-1]
        if column not in own:
            problems.append(
                doc.problem(
                    (*path, "from"),
                    f"`from` names `{source}`, which is not a property of `{port.name}`",
                    hint_for(column, own, "properties"),
                    code="reference",
                )
            )
    tables = {t.rsplit(".", 1)[0] if "." in t else "" for t in targets}
    if len(tables) != 1 or "" in tables:
        return [
            *problems,
            doc.problem(
                (*path, "to"),
                f"`to` must name columns of one table as `<table>.<column>`: {targets}",
                f"e.g. `to: {port.name}.<column>`",
                code="reference",
            ),
        ]
    table = tables.pop()
    if table == port.name:
        columns = own
    else:
        target = port_named(mesh, port.domain, table)
        if target is None:
            return [
                *problems,
                doc.unknown(
                    (*path, "to"), "relationship target", table, {p.name for p in mesh.ports()}, "ports"
                ),
            ]
        columns = {p.name for p in target.contract.properties if p.name}
    for name in targets:
        column = name.rsplit(".", 1)[1]
        if column not in columns:
            problems.append(
                doc.problem(
                    (*path, "to"),
                    f"`{name}`: `{table}` has no column `{column}`",
                    hint_for(column, columns, "columns"),
                    code="reference",
                )
            )
    return problems
