"""What a contract must get right beyond the standard's schema for its checks to run.

The ODCS JSON Schema accepts a regular expression the engine cannot compile, a SQL
rule that does not parse, two properties of one name and a freshness SLA that names
no column; each would surface only when the checks run, as an error in the middle of
a run. These rules find them when the contract is loaded, located at file:line, so
``andmesh lint`` and ``andmesh test`` refuse the contract before reading any data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlglot
from open_data_contract_standard.model import DataQuality, OpenDataContractStandard, SchemaProperty

from andmesh.engine.regex import regex_problem
from andmesh.errors import SpecProblem
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import PathKey, YamlDocument

# SLA properties measured on the data, on a date or timestamp column. Freshness means
# nothing without one; a retention promise may be a policy that no column shows.
FRESHNESS = {"latency", "freshness"}
DATA_SLAS = FRESHNESS | {"retention"}
TIME_TYPES = {"date", "timestamp"}


def contract_rule_problems(doc: YamlDocument, model: OpenDataContractStandard) -> list[SpecProblem]:
    """Every problem the rules above find in a contract that passed the standard's schema."""
    problems: list[SpecProblem] = []
    for o_index, obj in enumerate(model.schema_ or []):
        base: PathKey = ("schema", o_index)
        name = obj.name or "table"
        problems.extend(_duplicates(doc, (*base, "properties"), obj.properties or []))
        for path, prop in walk_properties((*base, "properties"), obj.properties or []):
            problems.extend(_pattern(doc, path, prop))
            for q_index, rule in enumerate(prop.quality or []):
                problems.extend(_rule(doc, (*path, "quality", q_index), rule, name, prop.name))
        for q_index, rule in enumerate(obj.quality or []):
            problems.extend(_rule(doc, (*base, "quality", q_index), rule, name, None))
    problems.extend(_slas(doc, model))
    return problems


def walk_properties(
    path: PathKey, properties: list[SchemaProperty]
) -> Iterator[tuple[PathKey, SchemaProperty]]:
    """Every property with its path, nested objects' and array items' properties included."""
    for index, prop in enumerate(properties):
        here = (*path, index)
        yield here, prop
        yield from walk_properties((*here, "properties"), prop.properties or [])
        if prop.items is not None:
            yield (*here, "items"), prop.items
            yield from walk_properties((*here, "items", "properties"), prop.items.properties or [])


def _duplicates(doc: YamlDocument, path: PathKey, properties: list[SchemaProperty]) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    seen: dict[str, int] = {}
    for index, prop in enumerate(properties):
        if prop.name and prop.name in seen:
            line = doc.locate((*path, seen[prop.name], "name"))[0]
            problems.append(
                doc.problem(
                    (*path, index, "name"),
                    f"property `{prop.name}` is declared twice"
                    + (f" (first on line {line})" if line else ""),
                    "remove one of the two, or rename it",
                    code="contract",
                )
            )
        seen.setdefault(prop.name or "", index)
        problems.extend(_duplicates(doc, (*path, index, "properties"), prop.properties or []))
        if prop.items is not None:
            problems.extend(
                _duplicates(doc, (*path, index, "items", "properties"), prop.items.properties or [])
            )
    return problems


def _regex(doc: YamlDocument, path: PathKey, pattern: Any) -> list[SpecProblem]:
    if not isinstance(pattern, str):
        return [doc.problem(path, f"a pattern must be a string, not {pattern!r}", code="contract")]
    why = regex_problem(pattern)
    if why is None:
        return []
    return [
        doc.problem(
            path,
            f"the pattern {pattern!r} is not a regular expression the engine accepts: {why}",
            "write it in RE2 syntax (no look-arounds or back-references; escape `\\` as `\\\\` in double quotes)",
            code="contract",
        )
    ]


def _pattern(doc: YamlDocument, path: PathKey, prop: SchemaProperty) -> list[SpecProblem]:
    options = prop.logicalTypeOptions or {}
    if "pattern" not in options:
        return []
    return _regex(doc, (*path, "logicalTypeOptions", "pattern"), options["pattern"])


def _rule(
    doc: YamlDocument, path: PathKey, rule: DataQuality, obj: str, prop: str | None
) -> list[SpecProblem]:
    args = rule.arguments or {}
    if (rule.type or "library") == "library" and isinstance(args, dict) and "pattern" in args:
        return _regex(doc, (*path, "arguments", "pattern"), args["pattern"])
    if rule.type == "sql" and rule.query:
        text = rule.query.replace("{object}", obj).replace("{property}", prop or "")
        try:
            sqlglot.parse(text, read="duckdb")
        except sqlglot.errors.SqlglotError as exc:
            detail = getattr(exc, "errors", None) or [{}]
            what = detail[0].get("description") or str(exc).split("\n", 1)[0]
            return [
                doc.problem(
                    (*path, "query"),
                    f"the SQL rule does not parse: {what}",
                    "check quotes and parentheses; the query is one SELECT returning one number",
                    code="contract",
                )
            ]
    return []


def _slas(doc: YamlDocument, model: OpenDataContractStandard) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    objects = {o.name or "": o for o in model.schema_ or []}
    only = next(iter(objects)) if len(objects) == 1 else None
    for index, sla in enumerate(model.slaProperties or []):
        kind = (sla.property or "").lower()
        if kind not in DATA_SLAS:
            continue
        path: PathKey = ("slaProperties", index)
        element = sla.element or model.slaDefaultElement
        if not element and kind not in FRESHNESS:
            continue
        if not element:
            problems.append(
                doc.problem(
                    path,
                    f"the `{kind}` SLA names no `element`: nothing says which column's age to measure",
                    f"add `element: {only or '<table>'}.<date or timestamp column>` (or `slaDefaultElement`)",
                    code="contract",
                )
            )
            continue
        where = (*path, "element") if sla.element else ("slaDefaultElement",)
        table, _, column = element.rpartition(".")
        table = table or only or ""
        if table not in objects:
            problems.append(
                doc.problem(
                    where,
                    f"`{element}`: the contract has no table `{table}`",
                    hint_for(table, objects, "tables") or "write it as `<table>.<column>`",
                    code="contract",
                )
            )
            continue
        columns = {
            key: prop
            for prop in objects[table].properties or []
            for key in (prop.name, prop.physicalName)
            if key
        }
        prop = columns.get(column)
        if prop is None:
            problems.append(
                doc.problem(
                    where,
                    f"`{element}`: table `{table}` has no column `{column}`",
                    hint_for(column, columns, "columns"),
                    code="contract",
                )
            )
        elif prop.logicalType and prop.logicalType not in TIME_TYPES:
            problems.append(
                doc.problem(
                    where,
                    f"`{element}` is a {prop.logicalType}; the `{kind}` SLA needs a date or timestamp",
                    "name a date or timestamp column",
                    code="contract",
                )
            )
    return problems
