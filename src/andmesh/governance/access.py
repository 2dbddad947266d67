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
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from andmesh.errors import NotFound, UsageError
from andmesh.governance.council import Subject, roles_of, tally
from andmesh.security.masking import is_protected
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.suggest import hint_for
from andmesh.store.governance import AccessRequest, GovernanceStore

if TYPE_CHECKING:
    from andmesh.spec.entity import Entity

ConsumerKind = Literal["person", "team", "product"]
# Grants always end: a day at least, a year at most, three months unless the owner says.
DEFAULT_GRANT_DAYS = 90
MAX_GRANT_DAYS = 365


def protected_columns(port: OutputPort) -> list[str]:
    """Columns of the port's contract classified as personal or restricted data."""
    return [p.name for p in port.contract.properties if p.name and is_protected(p.classification)]


def _walk_properties(properties: Iterable[Any], prefix: str = "") -> Iterable[tuple[str, str | None]]:
    for prop in properties or []:
        if not isinstance(prop, dict) or not prop.get("name"):
            continue
        name = prefix + str(prop["name"])
        yield name, prop.get("classification")
        yield from _walk_properties(prop.get("properties") or [], name + ".")
        items = prop.get("items")
        if isinstance(items, dict):
            yield from _walk_properties(items.get("properties") or [], name + ".")


def classified_columns(contract_text: str, object_name: str | None = None) -> list[str] | None:
    """Top-level columns a published contract classifies as protected (a nested protected field
    protects its whole column); None when the text is not a readable contract."""
    from pathlib import Path

    from andmesh.spec.yamlsource import YamlDocument, load_yaml_text

    loaded = load_yaml_text(contract_text, Path("published-contract.yaml"))
    data = loaded.data if isinstance(loaded, YamlDocument) else None
    if not isinstance(data, dict) or not isinstance(data.get("schema"), list):
        return None
    hidden: list[str] = []
    for obj in data["schema"]:
        if not isinstance(obj, dict) or (object_name and obj.get("name") not in (object_name, None)):
            continue
        for name, classification in _walk_properties(obj.get("properties") or []):
            top = name.split(".")[0]
            if is_protected(classification) and top not in hidden:
                hidden.append(top)
    return hidden


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
            raise NotFound(f"no output port `{table_id}`", hint=hint_for(table_id, ports, "output ports"))
        return ports[table_id]

    def _request(self, request_id: int) -> AccessRequest:
        found = self.store.access_requests(ids=[request_id])
        if not found:
            raise NotFound(f"no access request #{request_id}", hint="`andmesh access list` shows them")
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

    def approve(self, request_id: int, by: str, *, days: int | None = None) -> AccessRequest:
        """``by`` (already authorized as an owner) approves; the grant lasts ``days`` (1…365)."""
        request = self._request(request_id)
        port = self._port(request.table_id)
        days = DEFAULT_GRANT_DAYS if days is None else days
        if not 1 <= days <= MAX_GRANT_DAYS:
            raise UsageError(
                f"a grant lasts 1 to {MAX_GRANT_DAYS} days, not {days}",
                hint=f"--days N with 1 ≤ N ≤ {MAX_GRANT_DAYS} (default {DEFAULT_GRANT_DAYS}); renew it later",
            )
        if request.status != "pending":
            raise UsageError(f"access request #{request_id} is {request.status}, not pending")
        now = dt.datetime.now(dt.UTC)
        expires = now + dt.timedelta(days=days)
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
                # Settled by whichever reader sees it first; a racing one changes nothing.
                self.store.set_proposal_status(
                    proposal.id, status, "andmesh", "decided by its votes", only_from="open"
                )
        if status in ("approved", "applied"):
            self.store.update_access_request(
                request.id, "andmesh", "granted", only_from="awaiting_council", status="granted"
            )
        elif status == "rejected":
            self.store.update_access_request(
                request.id, "andmesh", "rejected", only_from="awaiting_council", status="rejected"
            )
        else:
            return request
        return self.store.access_requests(ids=[request.id])[0]

    def requests(self, table_id: str | None = None, consumer: str | None = None) -> list[AccessRequest]:
        return [self._settle(r) for r in self.store.access_requests(table_id=table_id, consumer=consumer)]

    def decide(
        self,
        table_id: str,
        consumers: Iterable[str],
        *,
        protected: list[str],
        teams: Iterable[str] = (),
        at: dt.datetime | None = None,
    ) -> AccessDecision:
        """Whether any of ``consumers`` (a principal's username and teams) reads ``table_id`` in
        clear: the producing domain's own team does, as does a holder of a grant in force;
        everyone else sees ``protected`` masked."""
        port = self._port(table_id)
        names = [c for c in consumers if c]
        now = at or dt.datetime.now(dt.UTC)
        grant = None
        for name in names:
            active = [r for r in self.requests(table_id=table_id, consumer=name) if r.active(now)]
            if active:
                grant = active[-1].id
                break
        own = port.domain in set(teams)
        return AccessDecision(
            table_id=table_id,
            consumer=", ".join(names) or None,
            granted=grant is not None or own,
            grant=grant,
            masked=[] if grant is not None or own else protected,
        )


def protected_attributes(entity: Entity, published_text: Callable[[str], str | None]) -> set[str]:
    """An entity's attributes that come from a column classified as personal data by the contract
    its source's current version was published under (``published_text(table_id)``), or from a
    source whose contract is not on record."""
    protected: set[str] = set()
    for source in entity.sources:
        text = published_text(source.port.table_id)
        columns = classified_columns(text) if text is not None else None
        for attribute in entity.spec.attributes:
            column = source.spec.column_for(attribute.name)
            if column is not None and (columns is None or column.column in columns):
                protected.add(attribute.name)
    return protected
