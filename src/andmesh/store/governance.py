"""Governance state in the metadata store: proposals and votes, access requests, policy
results — and the audit log every change of them writes to.

The audit log is append-only three times over: this module offers no way to change or
delete an entry, the database refuses UPDATE and DELETE (triggers, migration 0003), and
every entry is keyed and chained (:mod:`andmesh.store.audit`): an HMAC under a key kept
outside the database, a gapless sequence number, and the head anchored in the workspace's
head file and in every run record. :meth:`GovernanceStore.verify_audit` names the first
entry edited, deleted or rewritten behind andmesh's back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.errors import UsageError
from andmesh.store.audit import AuditLog, AuditWriter
from andmesh.store.audit_chain import GENESIS, KEYED, AuditHead, AuditVerification, entry_hash
from andmesh.store.reading import reading
from andmesh.store.schema import access_requests, audit_log, policy_results, proposals, votes

__all__ = ["GENESIS", "AuditEntry", "AuditVerification", "GovernanceStore", "Proposal", "Vote", "entry_hash"]


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands timezone-aware columns back naive; everything andmesh stores is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


class AuditEntry(BaseModel):
    id: int
    seq: int | None = Field(default=None, description="Gapless sequence number: #1, #2, #3…")
    at: dt.datetime
    actor: str
    action: str = Field(examples=["proposal.created", "vote", "access.approved"])
    subject: str = Field(examples=["proposal:17", "access:42", "shipping.shipments"])
    details: dict[str, Any] | None = None
    hash: str = Field(
        description="HMAC-SHA256 under the workspace's audit key (SHA-256 before migration 0008)."
    )
    keyed: bool = True


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

    def __init__(self, engine: sa.Engine, root: Path) -> None:
        """``root`` is the workspace: it holds the audit key and the audit head file."""
        self.engine = engine
        self.log = AuditLog(engine, root)

    # --- audit --------------------------------------------------------------------------

    def audit(self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None) -> None:
        with self.log.writing() as w:
            w.record(actor, action, subject, details)

    def audit_entries(
        self, subject: str | None = None, limit: int | None = None, *, after: int | None = None
    ) -> list[AuditEntry]:
        """Entries in log order; with ``after``, those with a larger id, in id order (the events feed's
        keyset page, read in SQL rather than by loading the whole log)."""
        query = sa.select(audit_log).order_by(audit_log.c.seq, audit_log.c.id)
        if after is not None:
            query = sa.select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        if limit is not None:
            query = query.limit(limit)
        with reading(self.engine) as c:
            return [
                AuditEntry(
                    id=r.id,
                    seq=r.seq,
                    at=_aware(r.at) or r.at,
                    actor=r.actor,
                    action=r.action,
                    subject=r.subject,
                    details=r.details,
                    hash=r.hash,
                    keyed=r.scheme == KEYED,
                )
                for r in c.execute(query)
            ]

    def verify_audit(self, *, seal: bool = False) -> AuditVerification:
        """The log checked against its MACs and anchors; ``seal`` first puts unkeyed entries under the key."""
        if seal:
            self.log.seal()
        return self.log.verify()

    def anchor_run(self, run_id: str) -> AuditHead:
        """Record the audit log's head in the run record (an anchor outside the log)."""
        return self.log.anchor_run(run_id)

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
        with self.log.writing() as w:
            pid = w.connection.execute(
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
            w.record(
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
        connection: sa.Connection | None = None,
    ) -> list[Proposal]:
        query = sa.select(proposals).order_by(proposals.c.id)
        for column, value in (("status", status), ("kind", kind), ("subject", subject)):
            if value is not None:
                query = query.where(proposals.c[column] == value)
        if ids is not None:
            query = query.where(proposals.c.id.in_(ids))
        with contextlib.nullcontext(connection) if connection is not None else reading(self.engine) as c:
            rows = list(c.execute(query))
            all_votes = self._votes(c, [r.id for r in rows]) if rows else {}
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

    def cast_vote(
        self,
        proposal_id: int,
        voter: str,
        decision: str,
        roles: list[str],
        comment: str | None,
        decide: Callable[[list[Vote]], tuple[str, str | None]],
    ) -> Proposal:
        """Record one vote and the decision it completes, all in one transaction, or nothing.

        The proposal is locked first (PostgreSQL: its row; SQLite: the database), so racing votes
        take turns: each sees the votes before it, a second vote by the same voter or a vote
        after the decision is refused with a :class:`UsageError`, and ``decide`` (the votes →
        open, approved or rejected, and why) always sees the full tally.
        """
        with self.log.writing() as w:
            c = w.connection
            locking = sa.select(proposals.c.status).where(proposals.c.id == proposal_id)
            if c.dialect.name == "postgresql":
                locking = locking.with_for_update()
            status = c.execute(locking).scalar()
            if status is None:
                raise UsageError(
                    f"no proposal #{proposal_id}", hint="`andmesh council proposals --all` lists them"
                )
            if status != "open":
                raise UsageError(f"proposal #{proposal_id} is {status}: votes are closed")
            if c.execute(
                sa.select(votes.c.id).where(votes.c.proposal_id == proposal_id, votes.c.voter == voter)
            ).first():
                raise UsageError(
                    f"{voter} has already voted on proposal #{proposal_id}", hint="a vote cannot be changed"
                )
            try:
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
            except sa.exc.IntegrityError as exc:  # only if a writer skipped the lock above
                raise UsageError(f"{voter} has already voted on proposal #{proposal_id}") from exc
            w.record(
                voter,
                "vote",
                f"proposal:{proposal_id}",
                {"decision": decision, "roles": roles, "comment": comment},
            )
            outcome, why = decide(self._votes(c, [proposal_id]).get(proposal_id, []))
            if outcome != "open":
                self._set_status(w, proposal_id, outcome, voter, why)
            # Read inside the vote's transaction: what this vote saw and decided, not a later one's.
            found = self.proposals(ids=[proposal_id], connection=c)
        assert found
        return found[0]

    def add_vote(
        self, proposal_id: int, voter: str, decision: str, roles: list[str], comment: str | None
    ) -> None:
        """One vote, leaving the decision to a later tally (an access owner's approval, say)."""
        self.cast_vote(proposal_id, voter, decision, roles, comment, lambda _votes: ("open", None))

    def set_proposal_status(
        self,
        proposal_id: int,
        status: str,
        actor: str,
        why: str | None = None,
        *,
        only_from: str | None = None,
    ) -> bool:
        """Move a proposal to ``status``; with ``only_from``, only while it is still in that status."""
        with self.log.writing() as w:
            if only_from is not None:
                locking = sa.select(proposals.c.status).where(proposals.c.id == proposal_id)
                if w.connection.dialect.name == "postgresql":
                    locking = locking.with_for_update()
                current = w.connection.execute(locking).scalar()
                if current != only_from:
                    return False
            self._set_status(w, proposal_id, status, actor, why)
        return True

    @staticmethod
    def _set_status(w: AuditWriter, proposal_id: int, status: str, actor: str, why: str | None) -> None:
        decided = _now() if status in ("approved", "rejected", "withdrawn") else None
        values: dict[str, Any] = {"status": status}
        if decided is not None:
            values["decided_at"] = decided
        w.connection.execute(proposals.update().where(proposals.c.id == proposal_id).values(**values))
        w.record(actor, f"proposal.{status}", f"proposal:{proposal_id}", {"why": why} if why else None)

    @staticmethod
    def _votes(c: sa.Connection, proposal_ids: list[int]) -> dict[int, list[Vote]]:
        found: dict[int, list[Vote]] = {}
        query = sa.select(votes).where(votes.c.proposal_id.in_(proposal_ids)).order_by(votes.c.id)
        for v in c.execute(query):
            found.setdefault(v.proposal_id, []).append(
                Vote(
                    voter=v.voter,
                    decision=v.decision,
                    roles=v.roles or [],
                    comment=v.comment,
                    at=_aware(v.at) or v.at,
                )
            )
        return found

    # --- access ---------------------------------------------------------------------------

    def create_access_request(
        self, *, table_id: str, consumer: str, consumer_kind: str, purpose: str, pii: bool, requested_by: str
    ) -> int:
        with self.log.writing() as w:
            rid = w.connection.execute(
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
            w.record(
                requested_by,
                "access.requested",
                f"access:{rid}",
                {"table_id": table_id, "consumer": consumer, "purpose": purpose, "pii": pii},
            )
            return int(rid)

    def update_access_request(
        self, request_id: int, actor: str, action: str, *, only_from: str | None = None, **values: Any
    ) -> bool:
        """Change a request (and audit it) in one transaction; with ``only_from``, only while the
        request is still in that status, so two racing settlements record the decision once."""
        with self.log.writing() as w:
            query = access_requests.update().where(access_requests.c.id == request_id)
            if only_from is not None:
                query = query.where(access_requests.c.status == only_from)
            if w.connection.execute(query.values(**values)).rowcount == 0:
                return False
            w.record(
                actor, f"access.{action}", f"access:{request_id}", {k: str(v) for k, v in values.items()}
            )
        return True

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
        with reading(self.engine) as c:
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
        with reading(self.engine) as c:
            rows = [dict(r._mapping) for r in c.execute(query)]
        times = sorted({r["evaluated_at"] for r in rows}, reverse=True)[:limit]
        keep = set(times)
        return [r | {"evaluated_at": _aware(r["evaluated_at"])} for r in rows if r["evaluated_at"] in keep]
