"""A check as planned, before it runs: decided already, a measure, or its own query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from andmesh.engine.base import EngineSession
from andmesh.quality.results import CheckResult, CheckStatus
from andmesh.quality.sql import Relation

Predicate = Callable[[Relation], exp.Expr]


# Failing rows a failed check shows (its samples), whatever kind of check it is.
SAMPLE_ROWS = 5


@dataclass
class Evaluation:
    """What a check with its own query measured."""

    measured: float
    query: str
    samples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PlannedCheck:
    """A check before it runs: either already decided, or a measure to compute."""

    id: str
    kind: str
    object: str
    property: str | None
    severity: str = "error"
    threshold: dict[str, Any] = field(default_factory=lambda: {"mustBe": 0})
    measure: Callable[[Relation], exp.Expr] | None = None  # one column of the shared aggregate
    # Turns the aggregate's value into the measured figure (default: a count of rows).
    reading: Callable[[Any], float] | None = None
    failing: Predicate | None = None  # rows that fail, for samples
    value: Callable[[Relation], exp.Expr] | None = None  # the value shown in samples, if nested
    group_keys: list[str] | None = None  # duplicates among these columns (own grouped query)
    percent: bool = False
    evaluate: Callable[[EngineSession], Evaluation] | None = None  # a check with its own query
    decided: CheckResult | None = None
    describe: str = ""

    def result(
        self, status: CheckStatus, measured: Any, message: str, query: str | None = None
    ) -> CheckResult:
        return CheckResult(
            id=self.id,
            kind=self.kind,
            object=self.object,
            property=self.property,
            status=status,
            severity=self.severity,
            measured=measured,
            threshold=self.threshold,
            message=message,
            query=query,
        )


def decided(
    check_id: str, kind: str, obj: str, prop: str | None, status: CheckStatus, message: str, **extra: Any
) -> PlannedCheck:
    planned = PlannedCheck(check_id, kind, obj, prop, severity=extra.pop("severity", "error"))
    planned.decided = planned.result(status, extra.get("measured"), message)
    planned.decided.threshold = extra.get("threshold")
    return planned
