"""The fast ODCS schema check (jsonschema_rs) agrees with the Python validator it stands in for.

A contract the fast one calls valid is never shown to the Python one, so a disagreement
would let a broken contract through: every contract in the repository, and mutations of
them that break the schema in each way the messages handle, must get the same verdict.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from andmesh.spec import contract
from andmesh.spec.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parents[2]


def _contracts() -> list[tuple[str, Any]]:
    found = []
    for folder in ("examples", "tests", "benchmarks"):
        for file in sorted((ROOT / folder).rglob("*.yaml")):
            doc = load_yaml(file)
            data = getattr(doc, "data", None)
            if isinstance(data, dict) and data.get("kind") == "DataContract":
                found.append((str(file.relative_to(ROOT)), data))
    return found


CONTRACTS = _contracts()


def _python_valid(data: Any) -> bool:
    return not any(True for _ in contract._validator().iter_errors(data))


def _mutations(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Copies of ``data`` each broken (or not) in one way."""
    for key, value in (("statsu", "active"), ("status", 7), ("apiVersion", None), ("schema", "x")):
        broken = copy.deepcopy(data)
        broken[key] = value
        yield f"{key}={value!r}", broken
    broken = copy.deepcopy(data)
    broken.pop("id", None)
    yield "no id", broken
    schema = data.get("schema") or []
    if schema and isinstance(schema[0], dict) and schema[0].get("properties"):
        for key, value in (
            ("logicalTyp", "string"),
            ("logicalType", "text"),
            ("required", "yes"),
            ("logicalTypeOptions", {"minimum": 1, "maxLenght": 3}),
            ("quality", [{"metric": "nullValues", "mustBe": 0, "mustBeLessThan": 1}]),
            ("quality", [{"metric": "rowCount", "mustBeGreaterThan": 0}]),
        ):
            broken = copy.deepcopy(data)
            broken["schema"][0]["properties"][0][key] = value
            yield f"property {key}={value!r}", broken


@pytest.mark.skipif(contract._fast_validator() is None, reason="jsonschema_rs is not installed")
def test_fast_and_python_validators_agree_on_every_contract_and_its_mutations() -> None:
    assert len(CONTRACTS) > 50  # the corpus really was found
    checked = disagreements = invalid = 0
    for index, (name, data) in enumerate(CONTRACTS):
        # every contract as is; every fourth one broken each way (the Python validator is slow)
        mutated = list(_mutations(data)) if index % 4 == 0 else []
        for label, candidate in [("as is", data), *mutated]:
            python = _python_valid(candidate)
            fast = contract._known_valid(candidate)
            checked += 1
            invalid += not python
            if fast and not python:  # the only harmful direction: the fast one lets it through
                disagreements += 1
                print(name, label)
            # the other direction costs time, not correctness, and must stay rare
            assert fast or not python or _yaml_types(candidate), (name, label)
    assert disagreements == 0
    assert invalid > 40  # the mutations did break contracts


def _yaml_types(value: Any) -> bool:
    """Whether ``value`` holds a type JSON lacks (a date read unquoted): left to Python."""
    try:
        contract._plain(value)
    except contract._NotJson:
        return True
    return False


def test_a_contract_with_an_unquoted_date_still_gets_the_python_validators_verdict() -> None:
    import datetime as dt

    data = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "d",
        "version": "1.0.0",
        "status": "active",
        "schema": [
            {
                "name": "t",
                "properties": [{"name": "d", "logicalType": "date", "examples": [dt.date(2024, 1, 1)]}],
            }
        ],
    }
    assert not contract._known_valid(data)  # not vouched for: the Python validator decides
    assert contract._plain({"a": [1, 2.5, True, None]}) == {"a": [1, 2.5, True, None]}
