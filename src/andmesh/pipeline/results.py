"""What a run did, as data (printed by the CLI, returned by the API)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from andmesh.quality.results import CheckRun


class PortStatus(StrEnum):
    published = "published"  # a new version passed the gate and is current
    up_to_date = "up_to_date"  # same inputs as the current version: nothing to do
    blocked = "blocked"  # the gate held the new version back; consumers keep the last good one
    failed = "failed"  # the build itself failed (query error, missing source…)
    skipped = "skipped"  # not built because an upstream was not published in this run


class PortOutcome(BaseModel):
    product_id: str
    table_id: str
    status: PortStatus
    version: int | None = Field(None, description="The current version after this run.")
    rows: int | None = None
    seconds: float = 0.0
    message: str = ""
    checks: CheckRun | None = None


class RunResult(BaseModel):
    run_id: str
    mesh: str
    engine: str
    started_at: dt.datetime
    seconds: float
    outcomes: list[PortOutcome]
    repaired: list[str] = Field(
        default_factory=list, description="What was cleaned up from an earlier crash."
    )
    lineage: dict[str, Any] | None = Field(
        None,
        description="Where the run's OpenLineage events went: transport, target, events, sent, errors "
        "(set by the facade; see andmesh.governance.lineage).",
    )

    def count(self, status: PortStatus) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def rows(self) -> int:
        return sum(o.rows or 0 for o in self.outcomes if o.status == PortStatus.published)

    @property
    def exit_code(self) -> int:
        """0 all good, 1 a contract's checks held data back, 2 a build failed."""
        if any(o.status == PortStatus.failed for o in self.outcomes):
            return 2
        if any(o.status in (PortStatus.blocked, PortStatus.skipped) for o in self.outcomes):
            return 1
        return 0

    @property
    def status(self) -> str:
        return {0: "succeeded", 1: "checks_failed", 2: "failed"}[self.exit_code]
