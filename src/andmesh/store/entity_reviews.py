"""Data stewards' decisions on entity matches, in the metadata store.

Append-only: a new decision on a pair is a new row, and the latest one counts, so the
history of who decided what, and when, stays. Resolution reads them at every run
(confirmed pairs are linked, rejected pairs kept apart, and both become labels).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa

from andmesh.store.reading import reading
from andmesh.store.schema import entity_decisions


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands timezone-aware columns back naive; everything andmesh stores is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


class EntityReviews:
    """Reads and appends stewards' decisions; one short transaction per call."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record(
        self,
        *,
        entity: str,
        pair_id: str,
        left: tuple[str, str],
        right: tuple[str, str],
        decision: str,
        decided_by: str,
        note: str | None = None,
        probability: float | None = None,
        model_version: str | None = None,
        run_id: str | None = None,
        decided_at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        if decision not in ("confirm", "reject"):
            raise ValueError(f"decision must be confirm or reject, not {decision!r}")
        row = {
            "entity": entity,
            "pair_id": pair_id,
            "left_source": left[0],
            "left_record": left[1],
            "right_source": right[0],
            "right_record": right[1],
            "decision": decision,
            "decided_by": decided_by,
            "decided_at": decided_at or dt.datetime.now(tz=dt.UTC),
            "note": note,
            "probability": probability,
            "model_version": model_version,
            "run_id": run_id,
        }
        with self.engine.begin() as c:
            key = c.execute(entity_decisions.insert().values(**row)).inserted_primary_key
        return {"id": int(key[0]) if key else None, **row}

    def decisions(self, entity: str) -> list[dict[str, Any]]:
        """Every decision on ``entity``'s pairs, oldest first."""
        query = (
            entity_decisions.select()
            .where(entity_decisions.c.entity == entity)
            .order_by(entity_decisions.c.decided_at, entity_decisions.c.id)
        )
        with reading(self.engine) as c:
            rows = [dict(r) for r in c.execute(query).mappings()]
        for row in rows:
            row["decided_at"] = _aware(row["decided_at"])
        return rows

    def latest(self, entity: str) -> dict[str, dict[str, Any]]:
        """The decision in force for each pair (the most recent)."""
        return {row["pair_id"]: row for row in self.decisions(entity)}

    def fingerprint(self, entity: str) -> str:
        """Changes whenever a decision on ``entity`` is recorded (for rebuild decisions).

        >>> import sqlalchemy as sa
        >>> from andmesh.store.schema import metadata
        >>> engine = sa.create_engine("sqlite://")
        >>> metadata.create_all(engine)
        >>> reviews = EntityReviews(engine)
        >>> before = reviews.fingerprint("customer")
        >>> _ = reviews.record(entity="customer", pair_id="p", left=("a", "1"), right=("b", "2"),
        ...                    decision="reject", decided_by="sam")
        >>> reviews.fingerprint("customer") != before
        True
        """
        query = sa.select(sa.func.count(), sa.func.max(entity_decisions.c.id)).where(
            entity_decisions.c.entity == entity
        )
        with reading(self.engine) as c:
            count, last = c.execute(query).one()
        return hashlib.sha1(f"{entity}|{count}|{last}".encode()).hexdigest()[:16]
