"""The registry of score methods: name → plugin, imported only when first asked for.

Heavy libraries (``optbinning``, ``scikit-learn``, ``scipy``) load with the method that
needs them, not with :mod:`andmesh.enterprise.scores`.

>>> sorted(METHODS)
['credit_risk_scorecard', 'financial_health', 'lifetime_value_bgnbd', 'weighted_components']
>>> get_method("financial_health").title
'Financial health (0–100)'
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from andmesh.enterprise.scores.base import ScoreMethod
from andmesh.errors import UsageError
from andmesh.spec.suggest import hint_for

#: Method name → "module:Class". Add a method by adding a line (or :func:`register`).
METHODS: dict[str, str] = {
    "credit_risk_scorecard": "andmesh.enterprise.scores.credit_risk:CreditRiskScorecard",
    "financial_health": "andmesh.enterprise.scores.health:FinancialHealth",
    "lifetime_value_bgnbd": "andmesh.enterprise.scores.lifetime_value:LifetimeValue",
    "weighted_components": "andmesh.enterprise.scores.weighted:WeightedScore",
}


def register(name: str, target: str) -> None:
    """Register (or replace) a method as ``"package.module:Class"``."""
    if ":" not in target:
        raise UsageError(f"score method target `{target}` must be `module:Class`")
    METHODS[name] = target


def get_method(name: str) -> type[ScoreMethod]:
    """The method class registered as ``name``; an unknown name fails with "did you mean".

    >>> get_method("credit_risk")
    Traceback (most recent call last):
    ...
    andmesh.errors.UsageError: unknown score method `credit_risk`
      fix: did you mean `credit_risk_scorecard`?
    """
    if name not in METHODS:
        raise UsageError(f"unknown score method `{name}`", hint=hint_for(name, METHODS, "methods"))
    module, _, attr = METHODS[name].partition(":")
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, ScoreMethod)):
        raise UsageError(f"score method `{name}` ({METHODS[name]}) is not a ScoreMethod")
    return cls


def create(name: str, config: Mapping[str, Any] | None = None) -> ScoreMethod:
    """An instance of method ``name`` with ``config`` validated against its config model."""
    return get_method(name)(config)


__all__ = ["METHODS", "create", "get_method", "register"]
