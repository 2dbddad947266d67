"""Access with purpose: a consumer requests an output port for a purpose, the owner decides,
personal data also needs the council, grants expire or are revoked, and reads through
andmesh mask PII columns for anyone without a grant in force. Every step is audited.

States of a request: ``pending`` → ``granted`` | ``rejected`` (owner); for a port with
PII: ``pending`` → ``awaiting_council`` (owner approved; a ``pii_access`` proposal is
open) → ``granted`` | ``rejected`` (the council); a grant → ``revoked``; a grant past its
``expires_at`` is no longer in force.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from andmesh.errors import UsageError
from andmesh.governance.council import Subject, roles_of, tally
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.suggest import hint_for
from andmesh.store.governance import AccessRequest, GovernanceStore

# Classifications whose columns are masked without a grant.
PROTECTED = frozenset({"pii", "personal", "sensitive", "restricted", "confidential"})
ConsumerKind = Literal["person", "team", "product"]


def protected_columns(port: OutputPort) -> list[str]:
    """Columns of the port's contract classified as personal or restricted data."""
    return [
        p.name for p in port.contract.properties if p.name and (p.classification or "").lower() in PROTECTED
    ]


def mask_value(value: str) -> str:
    """A masked value: stable (equal values mask alike, so joins and counts still work), not reversible.

    >>> mask_value("buyer@acme.example")
    'masked:d46e0b0dcf'
    """
    return "masked:" + hashlib.sha256(value.encode()).hexdigest()[:10]


def mask_columns(table: pa.Table, columns: list[str]) -> pa.Table:
    """``table`` with ``columns`` replaced by their masked values (nulls stay null)."""
    for name in columns:
        if name not in table.column_names:
            continue
        index = table.column_names.index(name)
        values = pc.cast(table[name], pa.string()).to_pylist()
        masked = pa.array([None if v is None else mask_value(v) for v in values], pa.string())
        table = table.set_column(index, pa.field(name, pa.string()), masked)
    return table


class AccessDecision(BaseModel):
    table_id: str
    consumer: str | None
    granted: bool = Field(description="A grant is in force for this consumer.")
    grant: int | None = Field(None, description="The request that granted it.")
    masked: list[str] = Field(description="PII columns masked in what the consumer reads.")


class AccessService:
    def __init__(self, mesh: Mesh, store: GovernanceStore) -> None:
        self.mesh = mesh
        self.store = store

    def _port(self, table_id: str) -> OutputPort:
        ports = {p.table_id: p for p in self.mesh.ports()}
        if table_id not in ports:
            raise UsageError(f"no output port `{table_id}`", hint=hint_for(table_id, ports, "output ports"))
        return ports[table_id]

    def _request(self, request_id: int) -> AccessRequest:
        found = self.store.access_requests(ids=[request_id])
        if not found:
            raise UsageError(f"no access request #{request_id}", hint="`andmesh access list` shows them")
        return self._settle(found[0])

    def request(
        self,
        table_id: str,
        consumer: str,
        purpose: str,
        *,
        requested_by: str | None = None,
        kind: ConsumerKind = "team",
    ) -> AccessRequest:
        port = self._port(table_id)
        if not purpose.strip():
            raise UsageError("an access request needs a purpose", hint='add --purpose "what the data is for"')
        if kind == "product" and consumer not in self.mesh.products:
            raise UsageError(
                f"no product `{consumer}`", hint=hint_for(consumer, self.mesh.products, "products")
            )
        rid = self.store.create_access_request(
            table_id=table_id,
            consumer=consumer,
            consumer_kind=kind,
            purpose=purpose,
            pii=bool(protected_columns(port)),
            requested_by=requested_by or consumer,
        )
        return self._request(rid)

    def _owners(self, port: OutputPort) -> set[str]:
        product = self.mesh.products[port.product_id]
        domain = self.mesh.domains[product.domain]
        return {o for o in (product.owner, domain.spec.owner) if o}

    def approve(self, request_id: int, by: str, *, days: int | None = None) -> AccessRequest:
        request = self._request(request_id)
        port = self._port(request.table_id)
        if by not in self._owners(port):
            raise UsageError(
                f"{by} does not own {request.table_id}",
                hint="the product's or its domain's owner decides: " + ", ".join(sorted(self._owners(port))),
            )
        if request.status != "pending":
            raise UsageError(f"access request #{request_id} is {request.status}, not pending")
        now = dt.datetime.now(dt.UTC)
        expires = now + dt.timedelta(days=days) if days else None
        if not request.pii:
            self.store.update_access_request(
                request_id,
                by,
                "granted",
                status="granted",
                owner_decision_by=by,
                owner_decision_at=now,
                expires_at=expires,
            )
            return self._request(request_id)
        if self.mesh.council is None:
            raise UsageError(
                f"{request.table_id} holds personal data: access needs the council, and the mesh has none",
                hint="declare governance/council.yaml (kind: Council)",
            )
        pid = self.store.create_proposal(
            kind="pii_access",
            subject=f"access:{request_id}",
            title=f"{request.consumer} → {request.table_id} (PII: {', '.join(protected_columns(port))}): {request.purpose}",
            created_by=by,
            domain=port.domain,
            product_id=port.product_id,
            details={"request": request_id, "expires_days": days},
        )
        self.store.update_access_request(
            request_id,
            by,
            "owner_approved",
            status="awaiting_council",
            owner_decision_by=by,
            owner_decision_at=now,
            proposal_id=pid,
            expires_at=expires,
        )
        # The owner's approval is the owner's vote on the council's proposal.
        roles = roles_of(self.mesh, self.mesh.council, by, Subject(port.domain, port.product_id))
        self.store.add_vote(pid, by, "approve", roles, "the owner approved the request")
        return self._request(request_id)

    def reject(self, request_id: int, by: str, why: str | None = None) -> AccessRequest:
        request = self._request(request_id)
        port = self._port(request.table_id)
        if by not in self._owners(port):
            raise UsageError(f"{by} does not own {request.table_id}")
        if request.status not in ("pending", "awaiting_council"):
            raise UsageError(f"access request #{request_id} is {request.status}")
        self.store.update_access_request(
            request_id,
            by,
            "rejected",
            status="rejected",
            owner_decision_by=by,
            owner_decision_at=dt.datetime.now(dt.UTC),
        )
        return self._request(request_id)

    def revoke(self, request_id: int, by: str) -> AccessRequest:
        request = self._request(request_id)
        port = self._port(request.table_id)
        allowed = self._owners(port) | {
            m.username
            for m in (self.mesh.council.spec.members if self.mesh.council else [])
            if "chair" in m.roles
        }
        if by not in allowed:
            raise UsageError(
                f"{by} may not revoke access to {request.table_id}", hint="owners and the chair may"
            )
        if request.status != "granted" or request.revoked_at is not None:
            raise UsageError(f"access request #{request_id} is {request.status}: nothing to revoke")
        self.store.update_access_request(
            request_id, by, "revoked", status="revoked", revoked_by=by, revoked_at=dt.datetime.now(dt.UTC)
        )
        return self._request(request_id)

    def _settle(self, request: AccessRequest) -> AccessRequest:
        """Apply the council's decision to a request awaiting it."""
        if request.status != "awaiting_council" or request.proposal_id is None or self.mesh.council is None:
            return request
        proposal = self.store.proposal(request.proposal_id)
        if proposal is None:
            return request
        status = proposal.status
        if status == "open":
            rule = self.mesh.council.rule("pii_access")
            status = tally(rule, [(v.voter, v.decision, v.roles) for v in proposal.votes]).status
            if status != "open":
                self.store.set_proposal_status(proposal.id, status, "andmesh", "decided by its votes")
        if status in ("approved", "applied"):
            self.store.update_access_request(request.id, "andmesh", "granted", status="granted")
        elif status == "rejected":
            self.store.update_access_request(request.id, "andmesh", "rejected", status="rejected")
        else:
            return request
        return self.store.access_requests(ids=[request.id])[0]

    def requests(self, table_id: str | None = None, consumer: str | None = None) -> list[AccessRequest]:
        return [self._settle(r) for r in self.store.access_requests(table_id=table_id, consumer=consumer)]

    def decide(self, table_id: str, consumer: str | None, at: dt.datetime | None = None) -> AccessDecision:
        """Whether ``consumer`` reads ``table_id`` in clear, and which columns are masked otherwise."""
        port = self._port(table_id)
        protected = protected_columns(port)
        now = at or dt.datetime.now(dt.UTC)
        grant = None
        if consumer is not None:
            active = [r for r in self.requests(table_id=table_id, consumer=consumer) if r.active(now)]
            grant = active[-1].id if active else None
        return AccessDecision(
            table_id=table_id,
            consumer=consumer,
            granted=grant is not None,
            grant=grant,
            masked=[] if grant is not None else protected,
        )
