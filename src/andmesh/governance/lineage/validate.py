"""Validate OpenLineage events against the JSON schemas bundled in ``schemas/`` (offline).

The event is checked against the core spec's ``RunEvent`` (which checks every facet
against the core facet contract); each facet is then also checked against its own
schema when a bundled file has the ``$id`` its ``_schemaURL`` names. No schema is ever
fetched: an unknown reference fails instead of going to the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"


def _no_download(uri: str) -> Resource:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@lru_cache(maxsize=1)
def registry() -> tuple[Registry, frozenset[str]]:
    """Every bundled schema, registered under its ``$id``; and the set of those ids."""
    resources_: list[tuple[str, Resource]] = []
    folder = resources.files("andmesh.governance.lineage") / "schemas"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            document = json.loads(entry.read_text(encoding="utf-8"))
            resources_.append((document["$id"], Resource.from_contents(document)))
    known = Registry(retrieve=_no_download).with_resources(resources_)  # type: ignore[call-arg]
    return known, frozenset(uri for uri, _ in resources_)


def _validator(ref: str) -> Draft202012Validator:
    known, _ = registry()
    return Draft202012Validator({"$ref": ref}, registry=known, format_checker=FormatChecker())


def event_problems(event: dict[str, Any]) -> list[str]:
    """What makes ``event`` (an OpenLineage RunEvent as JSON) invalid; empty when it is valid."""
    problems = [_describe(error, "") for error in _validator(f"{CORE_ID}#/$defs/RunEvent").iter_errors(event)]
    _, known = registry()
    for where, facet in _facets(event):
        url = str(facet.get("_schemaURL", ""))
        base, _, pointer = url.partition("#")
        if base in known:
            validator = _validator(f"{base}#{pointer}")
            problems.extend(_describe(error, where) for error in validator.iter_errors(facet))
    return problems


def _describe(error: ValidationError, where: str) -> str:
    """The most specific reason (inside ``anyOf``/``allOf``), located by its JSON path."""
    while error.context:
        deeper = best_match(error.context)
        if deeper is None:
            break
        error = deeper
    path = "/".join(str(p) for p in error.absolute_path)
    located = "/".join(p for p in (where, path) if p) or "(event)"
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{located}: {message}"


def _facets(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, facet in (event.get("run", {}).get("facets") or {}).items():
        yield f"run/facets/{name}", facet
    for name, facet in (event.get("job", {}).get("facets") or {}).items():
        yield f"job/facets/{name}", facet
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        for index, dataset in enumerate(event.get(side) or []):
            for bag in ("facets", extra):
                for name, facet in (dataset.get(bag) or {}).items():
                    yield f"{side}/{index}/{bag}/{name}", facet
