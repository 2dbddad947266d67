"""OpenLineage events received from other tools (migration 0013): each kept whole, with the job and
the datasets it names in columns of their own, so the lineage graph reads them without parsing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.store.reading import reading
from andmesh.store.schema import metadata

lineage_events = sa.Table(
    "lineage_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_type", sa.String(16)),
    sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("job_namespace", sa.String(400), nullable=False),
    sa.Column("job_name", sa.String(400), nullable=False),
    sa.Column("inputs", sa.JSON, nullable=False),
    sa.Column("outputs", sa.JSON, nullable=False),
    sa.Column("producer", sa.Text, nullable=False),
    sa.Column("event", sa.JSON, nullable=False),
    sa.Column("received_by", sa.String(200), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)


class Dataset(BaseModel):
    namespace: str
    name: str


class ReceivedEvent(BaseModel):
    id: int
    event_type: str | None = Field(None, description="START, RUNNING, COMPLETE, ABORT, FAIL or OTHER.")
    event_time: dt.datetime
    run_id: str
    job_namespace: str
    job_name: str
    inputs: list[Dataset]
    outputs: list[Dataset]
    producer: str
    received_by: str
    received_at: dt.datetime


class JobDatasets(BaseModel):
    """Every dataset a job was seen to read and write, over all its events."""

    namespace: str
    name: str
    inputs: list[Dataset]
    outputs: list[Dataset]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _received(row: Any) -> ReceivedEvent:
    fields = dict(row._mapping)
    fields.pop("event", None)
    fields["event_time"] = _aware(fields["event_time"])
    fields["received_at"] = _aware(fields["received_at"])
    return ReceivedEvent(**fields)


class LineageInbox:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record(
        self,
        event: dict[str, Any],
        *,
        event_time: dt.datetime,
        inputs: list[Dataset],
        outputs: list[Dataset],
        received_by: str,
    ) -> ReceivedEvent:
        values = {
            "event_type": event.get("eventType"),
            "event_time": event_time,
            "run_id": str(event["run"]["runId"]),
            "job_namespace": str(event["job"]["namespace"]),
            "job_name": str(event["job"]["name"]),
            "inputs": [d.model_dump() for d in inputs],
            "outputs": [d.model_dump() for d in outputs],
            "producer": str(event["producer"]),
            "event": event,
            "received_by": received_by,
            "received_at": dt.datetime.now(dt.UTC),
        }
        with self.engine.begin() as c:
            key = c.execute(lineage_events.insert().values(**values)).inserted_primary_key
            assert key is not None
            new_id = key[0]
            row = c.execute(sa.select(lineage_events).where(lineage_events.c.id == new_id)).one()
        return _received(row)

    def events(self, *, after: int = 0, limit: int = 50, job: str | None = None) -> list[ReceivedEvent]:
        """Received events in the order they came, after id ``after``; ``job`` is `<namespace>/<name>`."""
        query = sa.select(lineage_events).where(lineage_events.c.id > after).order_by(lineage_events.c.id)
        if job is not None:
            namespace, _, name = job.rpartition("/")
            query = query.where(
                lineage_events.c.job_namespace == namespace, lineage_events.c.job_name == name
            )
        with reading(self.engine) as c:
            return [_received(r) for r in c.execute(query.limit(limit))]

    def event(self, event_id: int) -> dict[str, Any] | None:
        with reading(self.engine) as c:
            found = c.execute(
                sa.select(lineage_events.c.event).where(lineage_events.c.id == event_id)
            ).scalar()
        return dict(found) if found is not None else None

    def jobs(self) -> list[JobDatasets]:
        """Each job with the union of the datasets its events named (columns only, not the events)."""
        columns = (lineage_events.c.job_namespace, lineage_events.c.job_name)
        query = sa.select(*columns, lineage_events.c.inputs, lineage_events.c.outputs).order_by(
            *columns, lineage_events.c.id
        )
        found: dict[
            tuple[str, str], tuple[dict[tuple[str, str], Dataset], dict[tuple[str, str], Dataset]]
        ] = {}
        with reading(self.engine) as c:
            for namespace, name, inputs, outputs in c.execute(query):
                ins, outs = found.setdefault((namespace, name), ({}, {}))
                for bag, datasets in ((ins, inputs), (outs, outputs)):
                    for d in datasets or []:
                        bag[(d["namespace"], d["name"])] = Dataset(**d)
        return [
            JobDatasets(namespace=ns, name=n, inputs=list(ins.values()), outputs=list(outs.values()))
            for (ns, n), (ins, outs) in sorted(found.items())
        ]
