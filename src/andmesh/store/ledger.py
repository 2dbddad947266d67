"""The reuse ledger in the metadata store: every read of a published version, by whom and why.

The mesh says who *may* use an asset (input ports, requirements, KPIs); the ledger
records who *did*: a person or tool reading a version through andmesh, or a product
build reading its inputs (``consumer="product:<id>"``, with the ``run_id``). The
governance reuse report (:mod:`andmesh.governance.reuse`) joins both.

Consumers are free-form strings, by convention ``<kind>:<name>``: ``user:alice``,
``product:shipping.shipments``, ``tool:powerbi``, ``domain:credit_management``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Iterable

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.store.reading import reading
from andmesh.store.schema import reads

CONSUMER_ENV = "ANDMESH_CONSUMER"


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands timezone-aware columns back naive; everything andmesh stores is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def default_consumer() -> str:
    """Who is reading when the caller does not say: ``$ANDMESH_CONSUMER``, else ``user:<login>``."""
    named = os.environ.get(CONSUMER_ENV)
    if named:
        return named
    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (some containers)
        return "user:unknown"


class Read(BaseModel):
    """One recorded read of a published version."""

    table_id: str = Field(examples=["order_management.orders"])
    version: int | None = Field(None, description="The version read (None: not known).")
    consumer: str = Field(examples=["user:alice", "product:shipping.shipments", "tool:powerbi"])
    purpose: str | None = Field(None, examples=["month-end DSO review"])
    run_id: str | None = Field(None, description="The run of a product build that read it.")
    bytes: int | None = Field(None, description="Bytes of the version's files read.")
    at: dt.datetime


class ReadSummary(BaseModel):
    """The reads of one asset (output port), rolled up."""

    table_id: str
    reads: int
    consumers: list[str] = Field(description="Distinct consumers, sorted.")
    last_read_at: dt.datetime | None
    bytes: int = Field(0, description="Bytes read in all (where recorded).")


class Ledger:
    """Reads of published versions; each write is one short transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record_read(
        self,
        table_id: str,
        version: int | None,
        consumer: str | None = None,
        purpose: str | None = None,
        at: dt.datetime | None = None,
        *,
        run_id: str | None = None,
        bytes: int | None = None,
    ) -> Read:
        """Record that ``consumer`` read ``version`` of ``table_id`` (now, unless ``at``)."""
        read = Read(
            table_id=table_id,
            version=version,
            consumer=consumer or default_consumer(),
            purpose=purpose,
            run_id=run_id,
            bytes=bytes,
            at=_aware(at) if at is not None else _now(),
        )
        with self.engine.begin() as c:
            c.execute(reads.insert().values(**read.model_dump()))
        return read

    def record_reads(self, rows: Iterable[Read]) -> None:
        """Several reads in one transaction (a product build reading all its inputs)."""
        values = [r.model_dump() for r in rows]
        if values:
            with self.engine.begin() as c:
                c.execute(reads.insert(), values)

    def reads(
        self,
        table_id: str | None = None,
        *,
        consumer: str | None = None,
        run_id: str | None = None,
        since: dt.datetime | None = None,
    ) -> list[Read]:
        """Recorded reads, oldest first, filtered by any of the arguments."""
        query = reads.select().order_by(reads.c.id)
        if table_id is not None:
            query = query.where(reads.c.table_id == table_id)
        if consumer is not None:
            query = query.where(reads.c.consumer == consumer)
        if run_id is not None:
            query = query.where(reads.c.run_id == run_id)
        if since is not None:
            query = query.where(reads.c.at >= since)
        with reading(self.engine) as c:
            rows = c.execute(query).mappings().all()
        return [
            Read.model_validate({k: v for k, v in row.items() if k != "id"} | {"at": _aware(row["at"])})
            for row in rows
        ]

    def reads_by_asset(self, since: dt.datetime | None = None) -> dict[str, ReadSummary]:
        """Every read asset (``table_id``) with its number of reads, consumers, last read and bytes."""
        query = sa.select(
            reads.c.table_id,
            reads.c.consumer,
            sa.func.count().label("reads"),
            sa.func.max(reads.c.at).label("last"),
            sa.func.coalesce(sa.func.sum(reads.c.bytes), 0).label("bytes"),
        ).group_by(reads.c.table_id, reads.c.consumer)
        if since is not None:
            query = query.where(reads.c.at >= since)
        summaries: dict[str, ReadSummary] = {}
        with reading(self.engine) as c:
            for row in c.execute(query).mappings():
                summary = summaries.setdefault(
                    row["table_id"],
                    ReadSummary(table_id=row["table_id"], reads=0, consumers=[], last_read_at=None),
                )
                summary.reads += int(row["reads"])
                summary.bytes += int(row["bytes"] or 0)
                summary.consumers.append(row["consumer"])
                last = _aware(row["last"]) if row["last"] is not None else None
                if last is not None and (summary.last_read_at is None or last > summary.last_read_at):
                    summary.last_read_at = last
        for summary in summaries.values():
            summary.consumers.sort()
        return dict(sorted(summaries.items()))
