"""Score runs in the metadata store: one row per run of one score version, append-only.

A row says what the run came from (product versions read, the entity-resolution model
version, code version, spec hash, the fit it scored with) and what it produced (counts,
the per-customer Parquet file, the distribution used as a monitoring baseline).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.store.reading import reading
from andmesh.store.schema import score_runs


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands timezone-aware columns back naive; everything andmesh stores is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


class ScoreRun(BaseModel):
    """One run of one score version."""

    id: str
    score: str
    version: str
    method: str
    method_version: str
    role: str = Field(description="served (the approved version) or shadow (not approved yet).")
    status: str = Field(description="succeeded or failed.")
    as_of: dt.date = Field(description="Business date the scores describe.")
    started_at: dt.datetime
    seconds: float | None = None
    customers: int | None = None
    scored: int | None = None
    inputs: dict[str, Any] = Field(default_factory=dict, description="Table id → version and snapshot read.")
    entity_model_version: str | None = None
    code_version: str | None = None
    spec_hash: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    fit_path: str | None = None
    fit_sha256: str | None = None
    baseline: dict[str, Any] = Field(default_factory=dict)
    output_path: str | None = None
    mesh_run_id: str | None = None
    error: str | None = None


class ScoreRuns:
    """Reads and appends score runs; one short transaction per call."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record(self, run: ScoreRun) -> None:
        with self.engine.begin() as c:
            c.execute(score_runs.insert().values(**run.model_dump()))

    def runs(
        self,
        score: str | None = None,
        version: str | None = None,
        *,
        role: str | None = None,
        as_of_until: dt.date | None = None,
        succeeded: bool = True,
    ) -> list[ScoreRun]:
        """Runs, oldest first."""
        query = sa.select(score_runs).order_by(score_runs.c.as_of, score_runs.c.started_at)
        for column, value in (("score", score), ("version", version), ("role", role)):
            if value is not None:
                query = query.where(score_runs.c[column] == value)
        if as_of_until is not None:
            query = query.where(score_runs.c.as_of <= as_of_until)
        if succeeded:
            query = query.where(score_runs.c.status == "succeeded")
        with reading(self.engine) as c:
            rows = [dict(r._mapping) for r in c.execute(query)]
        for row in rows:
            row["started_at"] = _aware(row["started_at"])
            for key in ("inputs", "parameters", "baseline"):
                row[key] = row[key] or {}
        return [ScoreRun(**row) for row in rows]

    def latest(self, score: str, version: str | None = None, *, role: str | None = None) -> ScoreRun | None:
        found = self.runs(score, version, role=role)
        return found[-1] if found else None


__all__ = ["ScoreRun", "ScoreRuns"]
