"""ODCS v3 data contracts: validated with the official JSON Schema AND the models.

The ``open-data-contract-standard`` pydantic models alone accept (and silently drop)
a misspelt nested key; the JSON Schema bundled with the same package does not. We run
the schema first, turn each error into a located problem with a suggestion, and only
then build the model.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from open_data_contract_standard.model import OpenDataContractStandard
from pydantic import ValidationError

from andmesh.errors import SpecProblem
from andmesh.spec.contract_rules import contract_rule_problems
from andmesh.spec.suggest import hint_for
from andmesh.spec.validate import field_names, model_at
from andmesh.spec.yamlsource import PathKey, YamlDocument

if TYPE_CHECKING:
    import jsonschema

SUPPORTED_ODCS_VERSIONS = ("v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0", "v3.2.0")
_UNEXPECTED = re.compile(r"'([^']+)'")


@cache
def odcs_json_schema() -> dict[str, Any]:
    """The official ODCS JSON Schema shipped inside ``open_data_contract_standard``."""
    text = (importlib.resources.files("open_data_contract_standard") / "schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> jsonschema.Draft201909Validator:
    import jsonschema

    return jsonschema.Draft201909Validator(odcs_json_schema())


@cache
def _fast_validator() -> Any:
    """The same schema compiled by ``jsonschema_rs``, or None where it is not installed.

    It only says valid or not: a valid contract (nearly every one) never imports the
    Python validator, ~0.1 s of every command that reads a contract. An invalid one is
    validated again by :func:`_validator`, whose errors carry the details the messages need.
    Formats are annotations in draft 2019-09, as the Python validator treats them.
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - installed with andmesh
        return None
    return jsonschema_rs.Draft201909Validator(odcs_json_schema(), validate_formats=False)


class _NotJson(Exception):
    """A value the JSON data model has no type for (a date YAML read unquoted)."""


def _plain(value: Any) -> Any:
    """``value`` with YAML's scalar subclasses made plain JSON types, as the schema sees them.

    >>> _plain({"a": [1, 2.5, True, None, "x"]})
    {'a': [1, 2.5, True, None, 'x']}
    """
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _NotJson("a key that is not a string")
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return float(value)
    raise _NotJson(type(value).__name__)


def _known_valid(data: Any) -> bool:
    """Whether the fast validator vouches for ``data`` (False: ask the Python one)."""
    fast = _fast_validator()
    if fast is None:
        return False
    try:
        return bool(fast.is_valid(_plain(data)))
    except (_NotJson, ValueError):  # a type JSON lacks: the Python validator decides
        return False


def _schema_problems(doc: YamlDocument) -> list[SpecProblem]:
    if _known_valid(doc.data):
        return []
    problems: dict[tuple[PathKey, str], SpecProblem] = {}
    for error in _validator().iter_errors(doc.data):
        for leaf in _leaves(error):
            path: PathKey = tuple(leaf.absolute_path)
            if leaf.validator in ("additionalProperties", "unevaluatedProperties"):
                model = model_at(OpenDataContractStandard, path)
                allowed = field_names(model) if model is not None else []
                for key in _UNEXPECTED.findall(leaf.message.split("(", 1)[-1]):
                    if key in allowed:
                        continue  # "unevaluated" only because a sibling failed: not the cause
                    where = (*path, key)
                    problems.setdefault(
                        (where, "unknown"),
                        doc.problem(
                            where,
                            f"unknown key `{key}` (the ODCS standard does not define it here)",
                            hint_for(key, allowed, "keys") or "remove it, or move it under customProperties",
                            code="odcs-schema",
                        ),
                    )
            elif leaf.validator == "required":
                missing = _UNEXPECTED.findall(leaf.message)
                key = missing[0] if missing else "?"
                problems.setdefault(
                    (path, f"required:{key}"),
                    doc.problem(path, f"missing required key `{key}`", f"add `{key}:`", code="odcs-schema"),
                )
            elif leaf.validator == "enum":
                options = [str(v) for v in leaf.validator_value]
                problems.setdefault(
                    (path, "enum"),
                    doc.problem(
                        path,
                        f"{leaf.instance!r} is not allowed here",
                        hint_for(str(leaf.instance), options, "values"),
                        code="odcs-schema",
                    ),
                )
            elif leaf.validator == "oneOf" and "is valid under each of" in leaf.message:
                problems.setdefault(
                    (path, "oneOf"),
                    doc.problem(
                        path,
                        "this rule matches more than one form of the standard (e.g. two threshold operators)",
                        "a quality rule takes exactly one of mustBe, mustNotBe, mustBeGreaterThan, "
                        "mustBeGreaterOrEqualTo, mustBeLessThan, mustBeLessOrEqualTo, mustBeBetween, mustNotBeBetween",
                        code="odcs-schema",
                    ),
                )
            else:
                problems.setdefault(
                    (path, leaf.message),
                    doc.problem(path, leaf.message, code="odcs-schema"),
                )
    return sorted(_causes(problems), key=lambda p: (p.line or 0, p.column or 0))


def _causes(problems: dict[tuple[PathKey, str], SpecProblem]) -> list[SpecProblem]:
    """Drop what follows from a misspelt key: one mistake, one error.

    The standard's schema picks its rules for a property by its ``logicalType``: with
    ``logicalTyp:`` written instead, the property also "misses" keys of another type's
    branch and its ``logicalTypeOptions`` look unknown. A misspelling with a close
    match is the cause; every other problem inside the same object is its echo.
    """
    misspelt = [
        key[0][:-1]
        for key, problem in problems.items()
        if key[1] == "unknown" and (problem.hint or "").startswith("did you mean")
    ]
    if not misspelt:
        return list(problems.values())

    def inside(path: PathKey) -> bool:
        return any(path[: len(parent)] == parent for parent in misspelt)

    return [
        problem
        for (path, what), problem in problems.items()
        if (what == "unknown" and (problem.hint or "").startswith("did you mean")) or not inside(path)
    ]


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The most specific errors under a oneOf/anyOf failure (the ones a person can fix)."""
    if not error.context:
        return [error]
    from jsonschema.exceptions import best_match

    best = best_match(error.context)
    return _leaves(best) if best is not None else [error]


def validate_contract(doc: YamlDocument) -> tuple[OpenDataContractStandard | None, list[SpecProblem]]:
    """Validate an ODCS document; returns the model (if valid) and every problem found."""
    data = doc.data
    if not isinstance(data, dict):
        return None, [doc.problem((), "a data contract must be a mapping", code="odcs-schema")]
    api_version = data.get("apiVersion")
    if api_version not in SUPPORTED_ODCS_VERSIONS:
        return None, [
            doc.problem(
                ("apiVersion",),
                f"unsupported ODCS apiVersion {api_version!r}",
                hint_for(str(api_version), SUPPORTED_ODCS_VERSIONS, "versions"),
                code="odcs-schema",
            )
        ]
    problems = _schema_problems(doc)
    if problems:
        return None, problems
    try:
        model = OpenDataContractStandard.model_validate(data)
    except ValidationError as exc:
        return None, [doc.problem(tuple(err["loc"]), err["msg"], code="odcs-model") for err in exc.errors()]
    problems = contract_rule_problems(doc, model)
    return (None, problems) if problems else (model, [])
