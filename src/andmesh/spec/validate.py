"""Validate a loaded YAML document against a pydantic model, with located problems."""

from __future__ import annotations

import sys
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from andmesh.errors import SpecProblem
from andmesh.spec.models import SNAKE_CASE
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import PathKey, YamlDocument

M = TypeVar("M", bound=BaseModel)


def field_names(model: type[BaseModel]) -> list[str]:
    """Keys a model accepts, as written in YAML (aliases first)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def model_at(root: type[BaseModel], path: PathKey) -> type[BaseModel] | None:
    """The model class describing the node at ``path`` under ``root`` (None if unknown)."""
    model: type[BaseModel] | None = root
    for part in path:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        fields = {(info.alias or name): info for name, info in model.model_fields.items()}
        info = fields.get(part)
        if info is None:
            return None
        model = _first_model(info.annotation, sys.modules[model.__module__])
    return model


def _first_model(annotation: Any, module: types.ModuleType) -> type[BaseModel] | None:
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        candidate = getattr(module, annotation.strip("'\""), None)
        return candidate if isinstance(candidate, type) and issubclass(candidate, BaseModel) else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict):
        for arg in typing.get_args(annotation):
            found = _first_model(arg, module)
            if found is not None:
                return found
    return None


def validate_model(
    doc: YamlDocument, model: type[M], *, code: str = "spec"
) -> tuple[M | None, list[SpecProblem]]:
    """Build ``model`` from ``doc``; every validation error becomes a located problem."""
    return validate_node(doc, (), doc.data, model, code=code)


def validate_node(
    doc: YamlDocument, at: PathKey, node: Any, model: type[M], *, code: str = "spec"
) -> tuple[M | None, list[SpecProblem]]:
    """Build ``model`` from the part of ``doc`` found at path ``at``."""
    try:
        return model.model_validate(node), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc: PathKey = tuple(p for p in err["loc"] if isinstance(p, str | int))
            # Pydantic appends union/literal tags to the location; keep only real keys.
            loc = _real_path(node, loc)
            problems.append(_problem(doc, model, at, loc, err, code))
        return None, _one_per_misspelling(problems)


def _one_per_misspelling(problems: list[SpecProblem]) -> list[SpecProblem]:
    """``ownr:`` for ``owner:`` is one mistake: keep "unknown key", drop "missing `owner`"."""
    meant = {
        (p.file, p.path.rpartition(".")[0] if "." in p.path else "", p.hint.split("`")[1])
        for p in problems
        if p.message.startswith("unknown key") and p.hint and p.hint.startswith("did you mean `")
    }
    return [
        p
        for p in problems
        if not (
            p.message.startswith("missing required key `")
            and (p.file, p.path, p.message.split("`")[1]) in meant
        )
    ]


def _real_path(data: Any, loc: PathKey) -> PathKey:
    node: Any = data
    real: list[str | int] = []
    for part in loc:
        # Two branches so mypy narrows each index type (SIM114 would merge them).
        if isinstance(node, dict) and isinstance(part, str) and part in node:  # noqa: SIM114
            node = node[part]
            real.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            real.append(part)
        elif isinstance(node, dict) and isinstance(part, str):
            real.append(part)  # a missing key: point at its parent, name it
            break
    return tuple(real)


def _problem(
    doc: YamlDocument, root: type[BaseModel], at: PathKey, rel: PathKey, err: Any, code: str
) -> SpecProblem:
    kind = err["type"]
    key = rel[-1] if rel else ""
    loc = (*at, *rel)
    parent = loc[:-1]
    if kind == "extra_forbidden":
        owner = model_at(root, rel[:-1])
        allowed = field_names(owner) if owner else []
        return doc.problem(loc, f"unknown key `{key}`", hint_for(str(key), allowed, "keys"), code=code)
    if kind == "missing":
        return doc.problem(parent, f"missing required key `{key}`", f"add `{key}:`", code=code)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in str(expected).replace(" or ", ",").split(",") if o.strip()]
        value = err.get("input")
        return doc.problem(
            loc, f"{value!r} is not allowed for `{key}`", hint_for(str(value), options, "values"), code=code
        )
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        hint = (
            "use lower snake_case, e.g. `order_management`" if pattern == SNAKE_CASE else f"match {pattern}"
        )
        return doc.problem(
            loc, f"`{key}` is {err.get('input')!r}, which is not a valid name", hint, code=code
        )
    return doc.problem(loc, f"`{key}`: {err['msg']}" if key != "" else err["msg"], code=code)
