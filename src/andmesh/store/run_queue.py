"""Runs asked for through the service: queued here, claimed by one worker, followed by the asker.

A request never runs in the web request that made it. Any number of workers (threads or
processes, on one machine or several sharing a PostgreSQL store) poll :meth:`RunQueue.claim`;
each queued run is handed to exactly one of them: ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a guarded ``UPDATE … WHERE status = 'queued'`` on SQLite (whose writers are
serialised, so the guard alone decides).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.store.reading import reading
from andmesh.store.schema import metadata

RunState = Literal["queued", "running", "succeeded", "held", "failed"]

run_requests = sa.Table(
    "run_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("requested_by", sa.String(200), nullable=False),
    # Who the worker acts as: the member and the scopes of the token that asked (never a secret).
    sa.Column("principal", sa.JSON, nullable=False),
    sa.Column("selection", sa.JSON),
    sa.Column("force", sa.Boolean, nullable=False, default=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("progress", sa.JSON),
    sa.Column("run_id", sa.String(64)),
    sa.Column("exit_code", sa.Integer),
    sa.Column("summary", sa.JSON),
    sa.Column("message", sa.Text),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


class RunRequest(BaseModel):
    id: int
    status: RunState = Field(
        description="queued, running, succeeded, held (checks held data back) or failed."
    )
    requested_by: str
    selection: list[str] | None = Field(None, description="Products selected (None: the whole mesh).")
    force: bool = False
    requested_at: dt.datetime
    claimed_by: str | None = Field(None, description="The worker that took it.")
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    progress: dict[str, Any] = Field(
        default_factory=dict,
        description="Ports done of the plan's total, and the one building now.",
        examples=[{"done": 3, "total": 12, "current": "sales.customers"}],
    )
    run_id: str | None = Field(None, description="The run's id in the run history, once it started.")
    exit_code: int | None = None
    summary: dict[str, Any] | None = Field(None, description="Ports by outcome, once finished.")
    message: str | None = None


def _row(row: Any) -> RunRequest:
    data = dict(row._mapping)
    data.pop("principal", None)
    for key in ("requested_at", "started_at", "finished_at"):
        data[key] = _aware(data[key])
    data["progress"] = data["progress"] or {}
    return RunRequest(**data)


class RunQueue:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def enqueue(
        self, requested_by: str, principal: dict[str, Any], selection: list[str] | None, force: bool
    ) -> RunRequest:
        with self.engine.begin() as c:
            key = c.execute(
                run_requests.insert().values(
                    status="queued",
                    requested_by=requested_by,
                    principal=principal,
                    selection=selection,
                    force=force,
                    requested_at=_now(),
                    progress={},
                )
            ).inserted_primary_key
            assert key is not None
            return _row(c.execute(run_requests.select().where(run_requests.c.id == key[0])).one())

    def get(self, request_id: int) -> RunRequest | None:
        with reading(self.engine) as c:
            row = c.execute(run_requests.select().where(run_requests.c.id == request_id)).first()
        return _row(row) if row else None

    def principal_of(self, request_id: int) -> dict[str, Any]:
        with reading(self.engine) as c:
            value = c.execute(
                sa.select(run_requests.c.principal).where(run_requests.c.id == request_id)
            ).scalar_one()
        return dict(value)

    def requests(self) -> list[RunRequest]:
        with reading(self.engine) as c:
            return [_row(r) for r in c.execute(run_requests.select().order_by(run_requests.c.id))]

    def claim(self, worker: str) -> RunRequest | None:
        """The oldest queued run, now this worker's; None when nothing waits."""
        with self.engine.begin() as c:
            while True:
                query = (
                    sa.select(run_requests.c.id)
                    .where(run_requests.c.status == "queued")
                    .order_by(run_requests.c.id)
                    .limit(1)
                )
                if c.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                candidate = c.execute(query).scalar()
                if candidate is None:
                    return None
                taken = c.execute(
                    run_requests.update()
                    .where(run_requests.c.id == candidate, run_requests.c.status == "queued")
                    .values(status="running", claimed_by=worker, started_at=_now())
                ).rowcount
                if taken == 1:
                    row = c.execute(run_requests.select().where(run_requests.c.id == candidate)).one()
                    return _row(row)
                # Another worker took it between the select and the update: look again.

    def update_progress(self, request_id: int, **progress: Any) -> None:
        with self.engine.begin() as c:
            c.execute(run_requests.update().where(run_requests.c.id == request_id).values(**progress))

    def finish(
        self,
        request_id: int,
        status: RunState,
        *,
        run_id: str | None = None,
        exit_code: int | None = None,
        summary: dict[str, Any] | None = None,
        message: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "finished_at": _now(),
            "exit_code": exit_code,
            "message": message,
        }
        if run_id is not None:
            values["run_id"] = run_id
        if summary is not None:
            values["summary"] = summary
        with self.engine.begin() as c:
            c.execute(run_requests.update().where(run_requests.c.id == request_id).values(**values))
