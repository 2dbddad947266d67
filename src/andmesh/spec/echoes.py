"""One mistake, one error: drop the problems that only echo a spec that failed to load.

A misspelt key in one contract makes the contract invalid, so its product loses the
output port, so every product reading that port, every entity sourcing from it, every
score built on it and every treatment using that score "cannot find" it: one typo was
25 errors in the reference mesh. The spec that failed reports its own problems; a
problem in *another* file that names something which failed to load (in backticks,
as every reference problem does) is an echo, and is dropped. Nothing is hidden for
long: the cause stays reported, so lint still fails, and once it is fixed any
independent mistake in the other files shows up on the next lint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from andmesh.errors import SpecProblem
from andmesh.spec.mesh import Mesh

_NAMED = re.compile(r"`([^`\s]+)`")


def broken_names(
    mesh: Mesh, parsed: Iterable[tuple[Path, str, dict[str, Any]]], problems: list[SpecProblem]
) -> set[str]:
    """Names declared by spec files that reported an error and did not load whole.

    ``parsed`` holds each spec file's path, kind and raw data. A product that lost an
    output port (its contract failed) counts as broken, and so does that contract. A
    spec without an error of its own (an orphan contract) is never broken: a
    reference to it is a mistake of its own.
    """
    loaded = _loaded_files(mesh)
    failing = {p.file for p in problems if p.severity == "error"}
    broken: set[str] = set()
    for file, kind, data in parsed:
        if kind == "Mesh" or file not in failing:
            continue
        names = {str(data[k]) for k in ("id", "name") if isinstance(data.get(k), str | int)}
        if file not in loaded:
            broken |= names
            if kind == "DataProduct" and isinstance(data.get("outputPorts"), list):
                # Its ports, as other products' inputs and relationships name them.
                ports = [p for p in data["outputPorts"] if isinstance(p, dict)]
                broken |= {str(p[k]) for p in ports for k in ("contractId", "name") if p.get(k)}
        elif kind == "DataProduct":
            product = mesh.products.get(str(data.get("id")))
            declared = data.get("outputPorts")
            if product is not None and isinstance(declared, list) and len(product.outputs) < len(declared):
                broken.add(product.id)
                have = {p.name for p in product.outputs}
                lost = [p for p in declared if isinstance(p, dict) and p.get("name") not in have]
                # A lost port is named by its contract id, and by its name in relationships.
                broken |= {str(p[k]) for p in lost for k in ("contractId", "name") if p.get(k)}
    return broken


def drop_echoes(
    problems: list[SpecProblem], broken: set[str], declared_in: dict[str, Path]
) -> list[SpecProblem]:
    """``problems`` without those that only name a broken spec declared in another file."""
    if not broken:
        return problems

    def echo(problem: SpecProblem) -> bool:
        if problem.code == "orphan-contract":  # its product failed, not the contract
            return problem.path == "id" and any(name in broken for name in _NAMED.findall(problem.message))
        if problem.severity != "error":
            return False
        for name in _NAMED.findall(problem.message):
            cause = _broken_prefix(name, broken)
            if cause is not None and declared_in.get(cause) != problem.file:
                return True
        return False

    kept = [p for p in problems if not echo(p)]
    # Two specs can only echo each other if something else broke them: never leave lint
    # without an error when it had one.
    return kept if any(p.severity == "error" for p in kept) else problems


def _broken_prefix(name: str, broken: set[str]) -> str | None:
    """``name`` itself if broken, or the broken product it belongs to (``d.p.attribute``)."""
    if name in broken:
        return name
    head = name
    while "." in head:
        head = head.rsplit(".", 1)[0]
        if head in broken:
            return head
    return None


def _loaded_files(mesh: Mesh) -> set[Path]:
    files: set[Path] = {mesh.file}
    collections: list[Iterable[Any]] = [
        mesh.domains.values(),
        mesh.products.values(),
        mesh.use_cases.values(),
        mesh.requirements.values(),
        mesh.value_chains.values(),
        mesh.entities.values(),
        mesh.policies.values(),
        mesh.scores.values(),
        mesh.treatments.values(),
        [mesh.council] if mesh.council is not None else [],
        [port.contract for port in mesh.ports()],
    ]
    for collection in collections:
        files |= {item.file for item in collection if getattr(item, "file", None) is not None}
    return files
