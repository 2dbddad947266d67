"""The council's decisions: who may vote on a proposal, and when it is approved or rejected.

A decision rule names approver roles and a quorum. A proposal is **approved** when
every required role has at least one approving vote and the approvals reach the quorum;
it is **rejected** as soon as anyone holding a required role votes against it; otherwise
it stays **open**. Roles come from the council spec (chair, enterprise data office, the
representative of the proposal's domain) and from ownership (the proposal's domain
owner and product owner).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from andmesh.errors import UsageError
from andmesh.spec.governance import Council, DecisionRule
from andmesh.spec.mesh import Mesh
from andmesh.spec.suggest import hint_for
from andmesh.store.governance import GovernanceStore, Proposal, Vote

DECISIONS = ("approve", "reject")


@dataclass(frozen=True)
class Subject:
    """What a proposal is about, for deciding who holds which role."""

    domain: str | None
    product_id: str | None


def roles_of(mesh: Mesh, council: Council | None, username: str, subject: Subject) -> list[str]:
    """The approver roles ``username`` holds for a proposal about ``subject``."""
    roles: list[str] = []
    member = council.member(username) if council else None
    if member is not None:
        for role in member.roles:
            if role == "domain_representative":
                if member.domain is not None and member.domain == subject.domain:
                    roles.append(role)
            elif role != "member":
                roles.append(role)
    domain = mesh.domains.get(subject.domain or "")
    if domain is not None and domain.spec.owner == username:
        roles.append("domain_owner")
    product = mesh.products.get(subject.product_id or "")
    if product is not None and product.owner == username:
        roles.append("product_owner")
    return sorted(set(roles))


class Tally(BaseModel):
    status: str = Field(description="open, approved or rejected.")
    approvals: int
    quorum: int
    missing_roles: list[str] = Field(description="Required roles without an approving vote yet.")
    rejected_by: list[str] = Field(default_factory=list)


def tally(rule: DecisionRule, votes: Iterable[tuple[str, str, list[str]]]) -> Tally:
    """The state of a proposal under ``rule`` given ``(voter, decision, roles)`` votes.

    >>> rule = DecisionRule(approvers=["domain_owner", "enterprise_data_office"], quorum=2)
    >>> tally(rule, [("diego", "approve", ["domain_owner"])]).status
    'open'
    >>> tally(rule, [("diego", "approve", ["domain_owner"]), ("rkhan", "approve", ["enterprise_data_office"])]).status
    'approved'
    >>> tally(rule, [("rkhan", "reject", ["enterprise_data_office"])]).rejected_by
    ['rkhan']
    """
    approvals, covered, rejected = 0, set(), []
    for voter, decision, roles in votes:
        if decision == "reject" and set(roles) & set(rule.approvers):
            rejected.append(voter)
        elif decision == "approve":
            approvals += 1
            covered |= set(roles)
    missing = [role for role in rule.approvers if role not in covered]
    if rejected:
        status = "rejected"
    elif not missing and approvals >= rule.quorum:
        status = "approved"
    else:
        status = "open"
    return Tally(
        status=status, approvals=approvals, quorum=rule.quorum, missing_roles=missing, rejected_by=rejected
    )


def require_council(mesh: Mesh) -> Council:
    if mesh.council is None:
        raise UsageError(
            f"mesh {mesh.name} has no council",
            hint="declare one in governance/council.yaml (kind: Council); see docs/governance.md",
        )
    return mesh.council


def vote(
    mesh: Mesh,
    store: GovernanceStore,
    proposal_id: int,
    decision: str,
    voter: str,
    comment: str | None = None,
) -> tuple[Proposal, Tally]:
    """Record ``voter``'s vote and move the proposal to approved or rejected when the rule says so."""
    council = require_council(mesh)
    if decision not in DECISIONS:
        raise UsageError(f"unknown decision `{decision}`", hint=hint_for(decision, DECISIONS, "decisions"))
    proposal = store.proposal(proposal_id)
    if proposal is None:
        raise UsageError(f"no proposal #{proposal_id}", hint="`andmesh council proposals --all` lists them")
    if proposal.status != "open":
        raise UsageError(f"proposal #{proposal_id} is {proposal.status}: votes are closed")
    if any(v.voter == voter for v in proposal.votes):
        raise UsageError(
            f"{voter} has already voted on proposal #{proposal_id}", hint="a vote cannot be changed"
        )
    rule = council.rule(proposal.kind)
    roles = roles_of(mesh, council, voter, Subject(proposal.domain, proposal.product_id))
    if not roles:
        raise UsageError(
            f"{voter} holds no role that counts for proposal #{proposal_id}",
            hint="approvers: " + ", ".join(rule.approvers) + " (see governance/council.yaml)",
        )

    def decide(cast: list[Vote]) -> tuple[str, str | None]:
        result = tally(rule, [(v.voter, v.decision, v.roles) for v in cast])
        return result.status, f"{result.approvals} approvals"

    # The checks above give early, precise refusals; the store repeats the ones a racing vote
    # could invalidate (still open, not voted yet) under its lock, in the vote's transaction.
    updated = store.cast_vote(proposal_id, voter, decision, roles, comment, decide)
    return updated, tally(rule, [(v.voter, v.decision, v.roles) for v in updated.votes])
