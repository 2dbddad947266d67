"""Check results as data: printed by the CLI, returned by the API, stored per run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class CheckStatus(StrEnum):
    passed = "passed"
    warning = "warning"  # failed, but the rule's severity does not block
    failed = "failed"
    error = "error"  # could not be evaluated: never counted as a pass
    skipped = "skipped"  # not evaluated, with the reason in `message`


class CheckResult(BaseModel):
    """The outcome of one contract check on one version of the data."""

    id: str = Field(
        description="Stable id: `<object>.<property>.<kind>`", examples=["orders.order_id.unique"]
    )
    kind: str = Field(description="schema, type, required, unique, primaryKey, range, invalidValues, …")
    object: str
    property: str | None = None
    status: CheckStatus
    severity: str = Field("error", description="`error` blocks the publish, `warning` is only reported.")
    measured: Any = Field(None, description="The value the data showed (a count, a percentage, a type).")
    threshold: Any = Field(None, description="What the contract asks, e.g. `{'mustBe': 0}`.")
    message: str = ""
    query: str | None = Field(None, description="The query that measured it.")
    samples: list[dict[str, Any]] = Field(default_factory=list, description="Failing rows; PII masked.")

    def is_blocking(self) -> bool:
        return self.severity == "error" and self.status in (CheckStatus.failed, CheckStatus.error)

    def storable(self) -> dict[str, Any]:
        return {
            "check_id": self.id,
            "kind": self.kind,
            "property": self.property,
            "status": self.status.value,
            "severity": self.severity,
            "measured": _jsonable(self.measured),
            "threshold": _jsonable(self.threshold),
            "message": self.message,
            "query": self.query,
        }


class CheckRun(BaseModel):
    """All checks of one contract on one staged or published table."""

    contract_id: str
    table: str
    rows: int | None = None
    started_at: dt.datetime
    seconds: float
    checks: list[CheckResult]

    @property
    def blocking(self) -> list[CheckResult]:
        return [c for c in self.checks if c.is_blocking()]

    @property
    def passed(self) -> bool:
        return not self.blocking

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in CheckStatus}
        for check in self.checks:
            counts[check.status.value] += 1
        return counts


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, Decimal):  # a measured sum or bound of a decimal column
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class ContractRun(BaseModel):
    """A contract tested on one or more of its tables."""

    contract_id: str
    runs: list[CheckRun]

    @property
    def passed(self) -> bool:
        return all(run.passed for run in self.runs)
