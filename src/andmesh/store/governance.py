"""Governance state in the metadata store: proposals and votes, access requests, policy
results — and the audit log every change of them writes to.

The audit log is append-only three times over: this module offers no way to change or
delete an entry, the database refuses UPDATE and DELETE (triggers, migration 0003),
and every entry carries a SHA-256 hash chained to the previous one, so
:meth:`GovernanceStore.verify_audit` finds an entry edited behind andmesh's back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.store.schema import access_requests, audit_log, policy_results, proposals, votes

GENESIS = "0" * 64


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands timezone-aware columns back naive; everything andmesh stores is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def entry_hash(prev_hash: str, at: dt.datetime, actor: str, action: str, subject: str, details: Any) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON.

    >>> at = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    >>> entry_hash(GENESIS, at, "alice", "vote", "proposal:1", {"decision": "approve"})[:12]
    'fae79a250dc7'
    """
    payload = json.dumps(
        [prev_hash, at.astimezone(dt.UTC).isoformat(), actor, action, subject, details],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class AuditEntry(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str = Field(examples=["proposal.created", "vote", "access.approved"])
    subject: str = Field(examples=["proposal:17", "access:42", "shipping.shipments"])
    details: dict[str, Any] | None = None
    hash: str


class Vote(BaseModel):
    voter: str
    decision: str
    roles: list[str]
    comment: str | None
    at: dt.datetime


class Proposal(BaseModel):
    id: int
    kind: str
    subject: str
    domain: str | None
    product_id: str | None
    title: str
    details: dict[str, Any] = Field(default_factory=dict)
    status: str = Field(description="open, approved, rejected, applied or withdrawn.")
    created_by: str
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    votes: list[Vote] = Field(default_factory=list)


class AccessRequest(BaseModel):
    id: int
    table_id: str
    consumer: str
    consumer_kind: str = Field(description="person, team or product.")
    purpose: str
    pii: bool = Field(description="The port has PII columns: the council must approve too.")
    status: str = Field(description="pending, awaiting_council, granted, rejected, revoked.")
    requested_by: str
    requested_at: dt.datetime
    owner_decision_by: str | None = None
    owner_decision_at: dt.datetime | None = None
    proposal_id: int | None = None
    expires_at: dt.datetime | None = None
    revoked_by: str | None = None
    revoked_at: dt.datetime | None = None

    def active(self, at: dt.datetime) -> bool:
        """A grant in force: granted, not revoked, not expired at ``at``."""
        if self.status != "granted" or self.revoked_at is not None:
            return False
        return self.expires_at is None or at < self.expires_at


class GovernanceStore:
    """Reads and appends governance state; every change writes an audit entry in the same transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # --- audit --------------------------------------------------------------------------

    def _audit(
        self, c: sa.Connection, actor: str, action: str, subject: str, details: dict[str, Any] | None
    ) -> None:
        last = c.execute(sa.select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
        prev = last or GENESIS
        at = _now()
        c.execute(
            audit_log.insert().values(
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                details=details,
                prev_hash=prev,
                hash=entry_hash(prev, at, actor, action, subject, details),
            )
        )

    def audit(self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None) -> None:
        with self.engine.begin() as c:
            self._audit(c, actor, action, subject, details)

    def audit_entries(self, subject: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        query = sa.select(audit_log).order_by(audit_log.c.id)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as c:
            return [
                AuditEntry(
                    id=r.id,
                    at=_aware(r.at) or r.at,
                    actor=r.actor,
                    action=r.action,
                    subject=r.subject,
                    details=r.details,
                    hash=r.hash,
                )
                for r in c.execute(query)
            ]

    def verify_audit(self) -> int | None:
        """The id of the first entry whose hash does not match its content or chain (None: intact)."""
        prev = GENESIS
        with self.engine.connect() as c:
            for r in c.execute(sa.select(audit_log).order_by(audit_log.c.id)):
                at = _aware(r.at)
                assert at is not None
                if r.prev_hash != prev or r.hash != entry_hash(
                    prev, at, r.actor, r.action, r.subject, r.details
                ):
                    return int(r.id)
                prev = r.hash
        return None

    # --- proposals ------------------------------------------------------------------------

    def create_proposal(
        self,
        *,
        kind: str,
        subject: str,
        title: str,
        created_by: str,
        details: dict[str, Any] | None = None,
        domain: str | None = None,
        product_id: str | None = None,
    ) -> int:
        with self.engine.begin() as c:
            pid = c.execute(
                proposals.insert().values(
                    kind=kind,
                    subject=subject,
                    domain=domain,
                    product_id=product_id,
                    title=title,
                    details=details or {},
                    status="open",
                    created_by=created_by,
                    created_at=_now(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            self._audit(
                c,
                created_by,
                "proposal.created",
                f"proposal:{pid}",
                {"kind": kind, "subject": subject, "title": title},
            )
            return int(pid)

    def proposal(self, proposal_id: int) -> Proposal | None:
        found = self.proposals(ids=[proposal_id])
        return found[0] if found else None

    def proposals(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        subject: str | None = None,
        ids: list[int] | None = None,
    ) -> list[Proposal]:
        query = sa.select(proposals).order_by(proposals.c.id)
        for column, value in (("status", status), ("kind", kind), ("subject", subject)):
            if value is not None:
                query = query.where(proposals.c[column] == value)
        if ids is not None:
            query = query.where(proposals.c.id.in_(ids))
        with self.engine.connect() as c:
            rows = list(c.execute(query))
            all_votes: dict[int, list[Vote]] = {}
            if rows:
                vq = (
                    sa.select(votes).where(votes.c.proposal_id.in_([r.id for r in rows])).order_by(votes.c.id)
                )
                for v in c.execute(vq):
                    all_votes.setdefault(v.proposal_id, []).append(
                        Vote(
                            voter=v.voter,
                            decision=v.decision,
                            roles=v.roles or [],
                            comment=v.comment,
                            at=_aware(v.at) or v.at,
                        )
                    )
        return [
            Proposal(
                id=r.id,
                kind=r.kind,
                subject=r.subject,
                domain=r.domain,
                product_id=r.product_id,
                title=r.title,
                details=r.details or {},
                status=r.status,
                created_by=r.created_by,
                created_at=_aware(r.created_at) or r.created_at,
                decided_at=_aware(r.decided_at),
                votes=all_votes.get(r.id, []),
            )
            for r in rows
        ]

    def add_vote(
        self, proposal_id: int, voter: str, decision: str, roles: list[str], comment: str | None
    ) -> None:
        """One vote per voter and proposal: a second vote replaces nothing, it is refused by the store."""
        with self.engine.begin() as c:
            c.execute(
                votes.insert().values(
                    proposal_id=proposal_id,
                    voter=voter,
                    decision=decision,
                    roles=roles,
                    comment=comment,
                    at=_now(),
                )
            )
            self._audit(
                c,
                voter,
                "vote",
                f"proposal:{proposal_id}",
                {"decision": decision, "roles": roles, "comment": comment},
            )

    def set_proposal_status(self, proposal_id: int, status: str, actor: str, why: str | None = None) -> None:
        with self.engine.begin() as c:
            decided = _now() if status in ("approved", "rejected", "withdrawn") else None
            values: dict[str, Any] = {"status": status}
            if decided is not None:
                values["decided_at"] = decided
            c.execute(proposals.update().where(proposals.c.id == proposal_id).values(**values))
            self._audit(
                c, actor, f"proposal.{status}", f"proposal:{proposal_id}", {"why": why} if why else None
            )

    # --- access ---------------------------------------------------------------------------

    def create_access_request(
        self, *, table_id: str, consumer: str, consumer_kind: str, purpose: str, pii: bool, requested_by: str
    ) -> int:
        with self.engine.begin() as c:
            rid = c.execute(
                access_requests.insert().values(
                    table_id=table_id,
                    consumer=consumer,
                    consumer_kind=consumer_kind,
                    purpose=purpose,
                    pii=pii,
                    status="pending",
                    requested_by=requested_by,
                    requested_at=_now(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            self._audit(
                c,
                requested_by,
                "access.requested",
                f"access:{rid}",
                {"table_id": table_id, "consumer": consumer, "purpose": purpose, "pii": pii},
            )
            return int(rid)

    def update_access_request(self, request_id: int, actor: str, action: str, **values: Any) -> None:
        with self.engine.begin() as c:
            c.execute(access_requests.update().where(access_requests.c.id == request_id).values(**values))
            self._audit(
                c, actor, f"access.{action}", f"access:{request_id}", {k: str(v) for k, v in values.items()}
            )

    def access_requests(
        self, *, table_id: str | None = None, consumer: str | None = None, ids: list[int] | None = None
    ) -> list[AccessRequest]:
        query = sa.select(access_requests).order_by(access_requests.c.id)
        if table_id is not None:
            query = query.where(access_requests.c.table_id == table_id)
        if consumer is not None:
            query = query.where(access_requests.c.consumer == consumer)
        if ids is not None:
            query = query.where(access_requests.c.id.in_(ids))
        with self.engine.connect() as c:
            rows = [dict(r._mapping) for r in c.execute(query)]
        for row in rows:
            for key in ("requested_at", "owner_decision_at", "expires_at", "revoked_at"):
                row[key] = _aware(row[key])
        return [AccessRequest(**row) for row in rows]

    # --- policy results ---------------------------------------------------------------------

    def record_policy_results(
        self, run_id: str | None, evaluated_at: dt.datetime, results: list[dict[str, Any]]
    ) -> None:
        if not results:
            return
        with self.engine.begin() as c:
            c.execute(
                policy_results.insert(),
                [{"run_id": run_id, "evaluated_at": evaluated_at, **r} for r in results],
            )

    def compliance_history(self, limit: int = 20) -> list[dict[str, Any]]:
        """Per evaluation (newest first, up to ``limit``) and domain: checks and passes."""
        passed = sa.func.sum(sa.case((policy_results.c.status == "passed", 1), else_=0))
        query = (
            sa.select(
                policy_results.c.evaluated_at,
                policy_results.c.run_id,
                policy_results.c.domain,
                sa.func.count().label("checks"),
                passed.label("passed"),
            )
            .group_by(policy_results.c.evaluated_at, policy_results.c.run_id, policy_results.c.domain)
            .order_by(policy_results.c.evaluated_at.desc(), policy_results.c.domain)
        )
        with self.engine.connect() as c:
            rows = [dict(r._mapping) for r in c.execute(query)]
        times = sorted({r["evaluated_at"] for r in rows}, reverse=True)[:limit]
        keep = set(times)
        return [r | {"evaluated_at": _aware(r["evaluated_at"])} for r in rows if r["evaluated_at"] in keep]
