"""Outbound webhooks: subscriptions, the events they are sent, and the delivery log (migration 0012).

Events are not pushed by the code that causes them: the dispatcher reads them from the store
after they committed — the audit log (access decisions, proposals, votes), published versions,
incidents and finished runs (gap changes) — each source from where it stopped last time
(``webhook_cursors``). Whatever changed the store (the CLI, the API, another server) is seen the
same way, and an event is never sent for a change that was rolled back. Each (subscription,
event) pair is one row of ``webhook_deliveries``, unique, so two dispatchers never send an event
twice; a delivery is leased to the dispatcher that claims it, then marked delivered, retried
later (with backoff) or failed.

A subscription's secret must be usable to sign, so it cannot be kept as a hash: it is encrypted
(Fernet: AES-128-CBC + HMAC-SHA256) under the workspace key's ``webhooks`` purpose key
(``security/keys.py``), and shown in clear once, when the subscription is created.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.store.reading import reading
from andmesh.store.schema import audit_log, incidents, metadata, published_contracts, runs

DeliveryState = Literal["pending", "delivered", "failed"]

EVENT_TYPES: tuple[str, ...] = (
    "version.published",
    "incident.opened",
    "access.requested",
    "access.owner_approved",
    "access.granted",
    "access.rejected",
    "access.revoked",
    "proposal.created",
    "proposal.voted",
    "proposal.approved",
    "proposal.rejected",
    "proposal.applied",
    "proposal.withdrawn",
    "gap.changed",
)

subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("secret_encrypted", sa.Text, nullable=False),
    sa.Column("secret_prefix", sa.String(16), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
)

deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subscription_id", sa.Integer, sa.ForeignKey("webhook_subscriptions.id"), nullable=False),
    sa.Column("event_id", sa.String(120), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_event"),
)

cursors = sa.Table(
    "webhook_cursors",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("position", sa.String(64), nullable=False),
    sa.Column("state", sa.JSON),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


class Subscription(BaseModel):
    id: int
    url: str
    events: list[str] = Field(description="Event types sent (`*` for all, `access.*` for a family).")
    secret_prefix: str = Field(description="The secret's first characters, to tell secrets apart.")
    description: str | None = None
    created_by: str
    created_at: dt.datetime


class NewSubscription(Subscription):
    secret: str = Field(description="The signing secret, shown this once: keep it with the receiver.")


class Delivery(BaseModel):
    id: int
    subscription_id: int
    event_id: str
    event_type: str
    status: DeliveryState
    attempts: int
    next_attempt_at: dt.datetime | None = None
    last_status: int | None = Field(None, description="The receiver's HTTP status at the last attempt.")
    last_error: str | None = None
    created_at: dt.datetime
    delivered_at: dt.datetime | None = None
    payload: dict[str, Any]


class Event(BaseModel):
    id: str = Field(description="Stable across retries: a receiver drops an id it has seen.")
    type: str
    at: dt.datetime
    data: dict[str, Any]


def wants(patterns: list[str], event_type: str) -> bool:
    """Whether a subscription's ``events`` list asks for ``event_type``.

    >>> wants(["access.*"], "access.approved"), wants(["version.published"], "incident.opened")
    (True, False)
    """
    family = event_type.split(".")[0]
    return any(p in ("*", event_type, f"{family}.*") for p in patterns)


def _cipher(root: Path) -> Any:
    from cryptography.fernet import Fernet

    from andmesh.security.keys import workspace_key

    return Fernet(base64.urlsafe_b64encode(workspace_key(root, "webhooks")))


def _delivery(row: Any) -> Delivery:
    data = dict(row._mapping)
    data.pop("claimed_by", None)
    for key in ("next_attempt_at", "created_at", "delivered_at"):
        data[key] = _aware(data[key])
    return Delivery(**data)


GapSignature = Callable[[], dict[str, str]]
SOURCES = {"audit": audit_log.c.id, "versions": published_contracts.c.id, "incidents": incidents.c.id}


class WebhookStore:
    def __init__(self, engine: sa.Engine, root: Path) -> None:
        self.engine = engine
        self.root = root

    # --- subscriptions ---------------------------------------------------------------------

    def create(
        self, url: str, events: list[str], created_by: str, description: str | None
    ) -> NewSubscription:
        secret = "whsec_" + secrets.token_urlsafe(32)
        values = {
            "url": url,
            "events": events,
            "secret_encrypted": _cipher(self.root).encrypt(secret.encode()).decode(),
            "secret_prefix": secret[:12],
            "description": description,
            "created_by": created_by,
            "created_at": _now(),
        }
        with self.engine.begin() as c:
            key = c.execute(subscriptions.insert().values(**values)).inserted_primary_key
            assert key is not None
            # Start every source that has never been read at its present end, now: an event made
            # before the dispatcher's next round is this subscription's all the same.
            for source, column in SOURCES.items():
                if self._cursor(c, source)[0] is None:
                    self._after(c, source, column)
        public = {k: v for k, v in values.items() if k != "secret_encrypted"}
        return NewSubscription(id=key[0], secret=secret, **public)

    def subscriptions(self, *, ids: list[int] | None = None) -> list[Subscription]:
        query = (
            subscriptions.select().where(subscriptions.c.deleted_at.is_(None)).order_by(subscriptions.c.id)
        )
        if ids is not None:
            query = query.where(subscriptions.c.id.in_(ids))
        with reading(self.engine) as c:
            rows = c.execute(query).all()
        found = []
        for row in rows:
            data = dict(row._mapping)
            data.pop("secret_encrypted")
            data.pop("deleted_at")
            data["created_at"] = _aware(data["created_at"])
            found.append(Subscription(**data))
        return found

    def delete(self, subscription_id: int) -> bool:
        """Stops it (its pending deliveries fail); the row and its log stay for the record."""
        with self.engine.begin() as c:
            gone = c.execute(
                subscriptions.update()
                .where(subscriptions.c.id == subscription_id, subscriptions.c.deleted_at.is_(None))
                .values(deleted_at=_now())
            ).rowcount
            c.execute(
                deliveries.update()
                .where(deliveries.c.subscription_id == subscription_id, deliveries.c.status == "pending")
                .values(status="failed", last_error="subscription deleted", next_attempt_at=None)
            )
        return gone == 1

    def secret(self, subscription_id: int) -> str:
        with reading(self.engine) as c:
            token = c.execute(
                sa.select(subscriptions.c.secret_encrypted).where(subscriptions.c.id == subscription_id)
            ).scalar_one()
        return str(_cipher(self.root).decrypt(token.encode()).decode())

    def url(self, subscription_id: int) -> str:
        with reading(self.engine) as c:
            return str(
                c.execute(
                    sa.select(subscriptions.c.url).where(subscriptions.c.id == subscription_id)
                ).scalar_one()
            )

    # --- the delivery log ------------------------------------------------------------------

    def deliveries(self, subscription_id: int | None = None) -> list[Delivery]:
        query = deliveries.select().order_by(deliveries.c.id)
        if subscription_id is not None:
            query = query.where(deliveries.c.subscription_id == subscription_id)
        with reading(self.engine) as c:
            return [_delivery(r) for r in c.execute(query)]

    # --- collecting events -----------------------------------------------------------------

    def collect(self, gap_signature: GapSignature | None = None) -> int:
        """Read every source past its cursor and queue one delivery per interested subscription.

        Returns how many deliveries were queued. A source read for the first time starts at its
        present end: a new server does not replay the store's history to receivers.
        """
        from andmesh.store.audit import begin_write

        with reading(self.engine) as c:
            if (
                c.execute(sa.select(subscriptions.c.id).where(subscriptions.c.deleted_at.is_(None))).first()
                is None
            ):
                return 0  # nobody listens: no lock taken (events from before a subscription are not its)
        gaps = self._gaps_now(gap_signature)
        with self.engine.begin() as c:
            begin_write(c)  # SQLite: take the write lock first, so two collectors take turns
            if c.dialect.name == "postgresql":
                c.execute(sa.text("select pg_advisory_xact_lock(7031201)"))
            active = [
                (row.id, row.events, _aware(row.created_at))
                for row in c.execute(subscriptions.select().where(subscriptions.c.deleted_at.is_(None)))
            ]
            events = [
                *self._audit_events(c),
                *self._version_events(c),
                *self._incident_events(c),
                *self._gap_events(c, gaps),
            ]
            queued = 0
            for event in events:
                for sid, patterns, created_at in active:
                    if not wants(patterns, event.type) or (created_at and event.at < created_at):
                        continue
                    exists = c.execute(
                        sa.select(deliveries.c.id).where(
                            deliveries.c.subscription_id == sid, deliveries.c.event_id == event.id
                        )
                    ).first()
                    if exists:
                        continue
                    c.execute(
                        deliveries.insert().values(
                            subscription_id=sid,
                            event_id=event.id,
                            event_type=event.type,
                            payload=event.model_dump(mode="json"),
                            status="pending",
                            attempts=0,
                            next_attempt_at=_now(),
                            created_at=_now(),
                        )
                    )
                    queued += 1
        return queued

    def _cursor(self, c: sa.Connection, source: str) -> tuple[str | None, dict[str, Any]]:
        row = c.execute(cursors.select().where(cursors.c.source == source)).first()
        return (row.position, row.state or {}) if row else (None, {})

    def _advance(
        self, c: sa.Connection, source: str, position: str, state: dict[str, Any] | None = None, *, new: bool
    ) -> None:
        if new:
            c.execute(cursors.insert().values(source=source, position=position, state=state))
        else:
            c.execute(
                cursors.update().where(cursors.c.source == source).values(position=position, state=state)
            )

    def _after(self, c: sa.Connection, source: str, column: Any) -> tuple[int | None, list[Any]]:
        """The rows of ``column``'s table past the cursor (None: first read, the cursor now set)."""
        position, _ = self._cursor(c, source)
        if position is None:
            top = c.execute(sa.select(sa.func.max(column))).scalar() or 0
            self._advance(c, source, str(top), new=True)
            return None, []
        rows = c.execute(sa.select(column.table).where(column > int(position)).order_by(column)).all()
        if rows:
            self._advance(c, source, str(rows[-1].id), new=False)
        return int(position), list(rows)

    def _audit_events(self, c: sa.Connection) -> list[Event]:
        _, rows = self._after(c, "audit", audit_log.c.id)
        found = []
        for r in rows:
            if r.action.startswith(("access.", "proposal.")):
                kind = r.action
            elif r.action == "vote":
                kind = "proposal.voted"
            else:
                continue
            family, _, rest = r.subject.partition(":")
            data = {
                "actor": r.actor,
                family if rest else "subject": int(rest) if rest.isdigit() else r.subject,
            }
            data.update(r.details or {})
            found.append(Event(id=f"audit-{r.id}", type=kind, at=_aware(r.at) or _now(), data=data))
        return found

    def _version_events(self, c: sa.Connection) -> list[Event]:
        _, rows = self._after(c, "versions", published_contracts.c.id)
        return [
            Event(
                id=f"version-{r.table_id}-{r.version}",
                type="version.published",
                at=_aware(r.published_at) or _now(),
                data={
                    "table_id": r.table_id,
                    "version": r.version,
                    "contract_version": r.contract_version,
                    "run_id": r.run_id,
                },
            )
            for r in rows
        ]

    def _incident_events(self, c: sa.Connection) -> list[Event]:
        _, rows = self._after(c, "incidents", incidents.c.id)
        # Only what an incident is about: its details may hold sample values (masked, still data).
        return [
            Event(
                id=f"incident-{r.id}",
                type="incident.opened",
                at=_aware(r.created_at) or _now(),
                data={
                    "incident": r.id,
                    "product_id": r.product_id,
                    "table_id": r.table_id,
                    "kind": r.kind,
                    "message": r.message,
                    "run_id": r.run_id,
                },
            )
            for r in rows
        ]

    @staticmethod
    def _latest_run(c: sa.Connection) -> Any:
        return c.execute(
            sa.select(runs.c.id, runs.c.finished_at)
            .where(runs.c.finished_at.is_not(None))
            .order_by(runs.c.finished_at.desc())
            .limit(1)
        ).first()

    def _gaps_now(self, signature: GapSignature | None) -> tuple[str, dict[str, str]] | None:
        """The gaps after the latest finished run, if it is one the gaps cursor has not seen — computed
        before the collecting transaction, so its write lock is never held during a gap analysis."""
        if signature is None:
            return None
        with reading(self.engine) as c:
            latest = self._latest_run(c)
            if latest is None or self._cursor(c, "gaps")[0] == latest.id:
                return None
        return latest.id, signature()

    def _gap_events(self, c: sa.Connection, computed: tuple[str, dict[str, str]] | None) -> list[Event]:
        """One ``gap.changed`` when a finished run opened or closed gaps (compared with the last run seen)."""
        latest = self._latest_run(c)
        if computed is None or latest is None or latest.id != computed[0]:
            return []  # nothing new, or another run finished meanwhile: the next round computes it
        position, state = self._cursor(c, "gaps")
        if position == latest.id:
            return []
        now = computed[1]
        self._advance(c, "gaps", latest.id, {"gaps": now}, new=position is None)
        if position is None:
            return []
        before: dict[str, str] = state.get("gaps", {})
        opened = sorted(set(now) - set(before))
        closed = sorted(set(before) - set(now))
        changed = sorted(k for k in set(now) & set(before) if now[k] != before[k])
        if not (opened or closed or changed):
            return []
        return [
            Event(
                id=f"gaps-{latest.id}",
                type="gap.changed",
                at=_aware(latest.finished_at) or _now(),
                data={"run_id": latest.id, "opened": opened, "closed": closed, "changed": changed},
            )
        ]

    # --- sending ---------------------------------------------------------------------------

    def claim(self, worker: str, *, lease: float = 60.0, limit: int = 20) -> list[Delivery]:
        """Due deliveries, leased to ``worker``: another dispatcher takes them only once the lease ran out."""
        now = _now()
        with self.engine.begin() as c:
            query = (
                sa.select(deliveries.c.id)
                .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
                .order_by(deliveries.c.id)
                .limit(limit)
            )
            if c.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            taken = []
            for candidate in c.execute(query).scalars().all():
                got = c.execute(
                    deliveries.update()
                    .where(
                        deliveries.c.id == candidate,
                        deliveries.c.status == "pending",
                        deliveries.c.next_attempt_at <= now,
                    )
                    .values(claimed_by=worker, next_attempt_at=now + dt.timedelta(seconds=lease))
                ).rowcount
                if got == 1:
                    taken.append(candidate)
            if not taken:
                return []
            rows = c.execute(deliveries.select().where(deliveries.c.id.in_(taken)).order_by(deliveries.c.id))
            return [_delivery(r) for r in rows]

    def record(
        self,
        delivery_id: int,
        *,
        ok: bool,
        status: int | None,
        error: str | None,
        retry_in: float | None,
    ) -> None:
        """One attempt's outcome: delivered, pending again after ``retry_in`` seconds, or failed."""
        values: dict[str, Any] = {
            "attempts": deliveries.c.attempts + 1,
            "last_status": status,
            "last_error": error,
            "claimed_by": None,
        }
        if ok:
            values.update(status="delivered", delivered_at=_now(), next_attempt_at=None)
        elif retry_in is None:
            values.update(status="failed", next_attempt_at=None)
        else:
            values.update(next_attempt_at=_now() + dt.timedelta(seconds=retry_in))
        with self.engine.begin() as c:
            c.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(**values))
