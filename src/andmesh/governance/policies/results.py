"""Policy results as data: one row per (policy, product), roll-ups by domain."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

PolicyStatus = Literal["passed", "failed", "error"]


class PolicyResult(BaseModel):
    policy: str = Field(examples=["pii_classified"])
    severity: Literal["block", "warn"]
    product_id: str
    domain: str
    status: PolicyStatus = Field(description="`error`: the rule could not be evaluated (never a pass).")
    messages: list[str] = Field(default_factory=list, description="One per violation, or the error.")

    @property
    def blocks(self) -> bool:
        """A failed or unevaluable blocking policy holds the product back."""
        return self.severity == "block" and self.status != "passed"


class DomainCompliance(BaseModel):
    domain: str
    checks: int
    passed: int
    failed: int
    errors: int
    blocking: int = Field(description="Failed or errored `block` policies.")

    @property
    def compliance(self) -> float:
        """Share of (policy, product) pairs passed, in %.

        >>> DomainCompliance(domain="d", checks=8, passed=6, failed=2, errors=0, blocking=1).compliance
        75.0
        """
        return round(100.0 * self.passed / self.checks, 2) if self.checks else 100.0


class PolicyReport(BaseModel):
    mesh: str
    evaluated_at: dt.datetime
    policies: list[str]
    results: list[PolicyResult]
    by_domain: list[DomainCompliance]

    def blocked_products(self) -> dict[str, list[str]]:
        """Product id → the messages of the blocking policies it fails."""
        blocked: dict[str, list[str]] = {}
        for result in self.results:
            if result.blocks:
                blocked.setdefault(result.product_id, []).extend(
                    f"policy `{result.policy}`: {m}" for m in result.messages or [result.status]
                )
        return blocked

    @property
    def exit_code(self) -> int:
        return 1 if self.blocked_products() else 0


def compliance_by_domain(results: list[PolicyResult]) -> list[DomainCompliance]:
    rows: dict[str, DomainCompliance] = {}
    for r in results:
        row = rows.setdefault(
            r.domain, DomainCompliance(domain=r.domain, checks=0, passed=0, failed=0, errors=0, blocking=0)
        )
        row.checks += 1
        row.passed += r.status == "passed"
        row.failed += r.status == "failed"
        row.errors += r.status == "error"
        row.blocking += r.blocks
    return [rows[k] for k in sorted(rows)]
