"""Level 1 of a requirement, *promised*: does the producing port's contract declare the
attribute with checks at least as strict as the enterprise's standard?

A contract promises completeness ``X %`` with ``required: true``, or (unscoped) with a
``nullValues``/``missingValues`` rule whose bound is at most ``100 − X`` percent;
accepted values with an ``invalidValues`` rule over a subset of them and a bound of 0;
a pattern with the same ``logicalTypeOptions.pattern`` (or ``invalidValues`` pattern);
freshness with a ``latency``/``freshness`` SLA on the attribute no looser than
``maxAgeDays``.
"""

from __future__ import annotations

from typing import Any

from open_data_contract_standard.model import SchemaProperty

from andmesh.quality.operators import threshold_of
from andmesh.quality.sla import FRESHNESS, UNITS
from andmesh.spec.enterprise import Requirement


def upper_bound(rule: Any) -> float | None:
    """The largest value a rule's threshold allows (None when it sets no upper bound).

    >>> from types import SimpleNamespace as R
    >>> upper_bound(R(mustBe=0, mustBeLessThan=None, mustBeLessOrEqualTo=None, mustBeBetween=None,
    ...               mustNotBe=None, mustBeGreaterThan=None, mustBeGreaterOrEqualTo=None,
    ...               mustNotBeBetween=None))
    0.0
    """
    threshold = threshold_of(rule)
    bounds = [
        float(threshold[op]) for op in ("mustBe", "mustBeLessThan", "mustBeLessOrEqualTo") if op in threshold
    ]
    if "mustBeBetween" in threshold:
        bounds.append(float(threshold["mustBeBetween"][1]))
    return min(bounds) if bounds else None


def _rules(prop: SchemaProperty, metric: str) -> list[Any]:
    return [
        q for q in prop.quality or [] if (q.metric or q.rule) == metric and (q.type or "library") == "library"
    ]


def _promises_completeness(prop: SchemaProperty, minimum: float, scoped: bool) -> bool:
    if prop.required:
        return True
    for rule in _rules(prop, "nullValues") + _rules(prop, "missingValues"):
        bound = upper_bound(rule)
        if bound is None:
            continue
        if bound == 0 or ((rule.unit or "rows") == "percent" and not scoped and bound <= 100 - minimum):
            return True
    return False


def _promises_values(prop: SchemaProperty, accepted: list[Any]) -> bool:
    allowed = {str(v).lower() for v in accepted}
    for rule in _rules(prop, "invalidValues"):
        valid = (rule.arguments or {}).get("validValues")
        if valid and {str(v).lower() for v in valid} <= allowed and upper_bound(rule) == 0:
            return True
    return False


def _promises_pattern(prop: SchemaProperty, pattern: str) -> bool:
    options = prop.logicalTypeOptions or {}
    if options.get("pattern") == pattern:
        return True
    return any(
        (rule.arguments or {}).get("pattern") == pattern and upper_bound(rule) == 0
        for rule in _rules(prop, "invalidValues")
    )


def _promises_freshness(requirement: Requirement, max_days: float) -> bool:
    attribute = requirement.attribute
    for sla in requirement.port.contract.model.slaProperties or []:
        if (sla.property or "").lower() not in FRESHNESS or not isinstance(sla.value, int | float):
            continue
        element = (sla.element or "").split(".")[-1]
        unit = (sla.unit or "d").lower()
        if element == attribute and unit in UNITS and sla.value * UNITS[unit] / 86400 <= max_days:
            return True
    return False


def missing_promises(requirement: Requirement) -> list[str]:
    """What the contract does not promise of the standard (empty: fully promised)."""
    spec, contract = requirement.spec, requirement.port.contract
    prop = contract.property(requirement.attribute)
    if prop is None:
        return [f"contract `{contract.id}` does not declare `{requirement.attribute}`"]
    standard, missing = spec.standard, []
    if standard.completeness is not None and not _promises_completeness(
        prop, standard.completeness, standard.scope is not None
    ):
        missing.append(f"completeness ≥ {standard.completeness:g}% (`required: true` or a nullValues rule)")
    if standard.acceptedValues is not None and not _promises_values(prop, standard.acceptedValues):
        missing.append("accepted values (an invalidValues rule with validValues)")
    if standard.pattern is not None and not _promises_pattern(prop, standard.pattern):
        missing.append(f"pattern `{standard.pattern}`")
    if standard.maxAgeDays is not None and not _promises_freshness(requirement, standard.maxAgeDays):
        missing.append(f"freshness ≤ {standard.maxAgeDays:g} d (a freshness SLA on the attribute)")
    return missing
