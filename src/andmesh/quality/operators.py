"""ODCS threshold operators (`mustBe`, `mustBeBetween`, …) applied to a measured value."""

from __future__ import annotations

from typing import Any

OPERATORS = (
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
)


def threshold_of(rule: Any) -> dict[str, Any]:
    """The operators a quality rule sets, e.g. ``{'mustBe': 0}``."""
    return {op: getattr(rule, op) for op in OPERATORS if getattr(rule, op, None) is not None}


def satisfies(measured: float, threshold: dict[str, Any]) -> bool:
    """Whether ``measured`` meets every operator in ``threshold``.

    >>> satisfies(0, {"mustBe": 0})
    True
    >>> satisfies(5, {"mustBeBetween": [1, 4]})
    False
    >>> satisfies(3, {"mustBeGreaterThan": 0, "mustBeLessOrEqualTo": 3})
    True

    A threshold without a known operator cannot pass: it is a programming error.

    >>> satisfies(0, {"pattern": "^A"})
    Traceback (most recent call last):
    ...
    ValueError: not a threshold operator: pattern
    """
    if not threshold:
        raise ValueError("an empty threshold cannot be judged")
    for op in threshold:
        if op not in OPERATORS:
            raise ValueError(f"not a threshold operator: {op}")
    for op, bound in threshold.items():
        if op == "mustBe" and measured != bound:
            return False
        if op == "mustNotBe" and measured == bound:
            return False
        if op == "mustBeGreaterThan" and not measured > bound:
            return False
        if op == "mustBeGreaterOrEqualTo" and not measured >= bound:
            return False
        if op == "mustBeLessThan" and not measured < bound:
            return False
        if op == "mustBeLessOrEqualTo" and not measured <= bound:
            return False
        if op == "mustBeBetween" and not bound[0] <= measured <= bound[1]:
            return False
        if op == "mustNotBeBetween" and bound[0] <= measured <= bound[1]:
            return False
    return True
