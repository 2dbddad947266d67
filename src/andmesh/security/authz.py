"""The one authorization layer: every action of the facade is decided here, so the CLI, the API
and the web can never disagree.

| action | who may |
|---|---|
| `read` | anyone, unknown principals included (protected columns stay masked without a grant) |
| `access.request` | a member (person or service) for itself, a team (domain) it is on, or a product of such a domain |
| `access.decide` | the product's owner or its domain's owner (persons) |
| `access.revoke` | those owners, or the council's chair |
| `council.propose` | any member (service accounts included: proposing is requesting) |
| `council.vote` | a person holding a role the proposal's decision rule counts |
| `entities.steward` | the entity's stewards (its owner when it names none) |
| `products.publish` | the domain's team (persons and service accounts), platform admins |
| `scores.run` | the score's owner and the teams the owner is on, platform admins |
| `lineage.ingest` | a member on a domain's team (persons and service accounts: pipelines send lineage), platform admins |
| `tokens.issue` | a person for itself; a platform admin for a service account |
| `tokens.revoke` | the token's member, platform admins |
| `workspace.admin` | platform admins |

A token's scopes can only narrow its member's permissions (`read`, `request`, `decide`,
`publish`, `admin`). A refusal raises :class:`~andmesh.errors.NotPermitted` (exit 3) saying who
the principal is, what was needed and who holds it; it changes nothing but an audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from andmesh.errors import NotPermitted
from andmesh.security.principal import PLATFORM_ADMIN, Principal
from andmesh.spec.mesh import Mesh

Action = Literal[
    "read",
    "access.request",
    "access.decide",
    "access.revoke",
    "council.propose",
    "council.vote",
    "entities.steward",
    "products.publish",
    "scores.run",
    "lineage.ingest",
    "tokens.issue",
    "tokens.revoke",
    "workspace.admin",
]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]

SCOPE_OF: dict[str, str] = {
    "read": "read",
    "access.request": "request",
    "council.propose": "request",
    "access.decide": "decide",
    "access.revoke": "decide",
    "council.vote": "decide",
    "entities.steward": "decide",
    "products.publish": "publish",
    "scores.run": "publish",
    "lineage.ingest": "publish",
    "tokens.issue": "admin",
    "tokens.revoke": "admin",
    "workspace.admin": "admin",
}
DECIDING = frozenset({"access.decide", "access.revoke", "council.vote", "entities.steward"})


@dataclass(frozen=True)
class Target:
    """What an action is about; each rule reads the fields it needs."""

    product_id: str | None = None
    domain: str | None = None
    consumer: str | None = None
    consumer_kind: str | None = None
    entity: str | None = None
    username: str | None = None
    proposal_kind: str | None = None
    proposal_roles: tuple[str, ...] = ()

    def describe(self) -> str:
        for value in (self.product_id, self.entity, self.domain, self.username, self.proposal_kind):
            if value:
                return value
        return "the mesh"


class Decision(BaseModel):
    allowed: bool
    action: str
    principal: str
    target: str
    needed: str = Field(description="What the action needs, in words.")
    holders: list[str] = Field(default_factory=list, description="Who holds it (for a refusal).")


Rule = Callable[[Mesh, Principal, Target], tuple[bool, str, list[str]]]


def _admins(mesh: Mesh) -> list[str]:
    return mesh.directory.holders(role=PLATFORM_ADMIN)


def _owners(mesh: Mesh, product_id: str | None) -> list[str]:
    product = mesh.products.get(product_id or "")
    if product is None:
        return []
    domain = mesh.domains.get(product.domain)
    return sorted({o for o in (product.owner, domain.spec.owner if domain else None) if o})


def _chairs(mesh: Mesh) -> list[str]:
    members = mesh.council.spec.members if mesh.council else []
    return sorted(m.username for m in members if "chair" in m.roles)


def _read(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    return True, "nothing (public)", []


def _request(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    needed = "a member asking for itself, for a team (domain) it is on, or for a product of such a domain"
    if not who.is_member:
        return False, needed, []
    consumer, kind = target.consumer or "", target.consumer_kind or "person"
    if kind == "person":
        ok = consumer == who.username
    elif kind == "team":
        ok = consumer in who.groups
    else:
        product = mesh.products.get(consumer)
        ok = product is not None and product.domain in who.groups
    holders = [consumer] if kind == "person" else mesh.directory.holders(group=consumer)
    return ok, needed, holders


def _decide_access(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    owners = _owners(mesh, target.product_id)
    return who.username in owners, f"the owner of {target.product_id} or of its domain", owners


def _revoke_access(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    holders = sorted(set(_owners(mesh, target.product_id)) | set(_chairs(mesh)))
    return who.username in holders, f"an owner of {target.product_id}, or the council's chair", holders


def _propose(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    return who.is_member, "a member of the mesh", []


def _vote(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    """Council members and the subject's owners vote; the proposal's rule decides which votes count."""
    from andmesh.governance.council import Subject, roles_of

    rule = mesh.council.rule(target.proposal_kind or "") if mesh.council and target.proposal_kind else None
    wanted = sorted(rule.approvers) if rule else []
    needed = "a council role or ownership of the subject (the rule needs: " + (", ".join(wanted) or "–") + ")"
    subject = Subject(target.domain, target.product_id)
    holders = [
        m.username
        for m in mesh.directory.members.values()
        if m.kind == "person" and roles_of(mesh, mesh.council, m.username, subject)
    ]
    return who.username in holders, needed, sorted(holders)


def _steward(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    entity = mesh.entities.get(target.entity or "")
    stewards: list[str] = []
    if entity is not None:
        stewards = list(entity.spec.stewards) or ([entity.spec.owner] if entity.spec.owner else [])
    return who.username in stewards, f"a steward of entity {target.entity}", sorted(stewards)


def _publish(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    team = mesh.directory.holders(group=target.domain or "")
    holders = sorted(set(team) | set(_admins(mesh)))
    ok = who.is_admin or (who.is_member and (target.domain or "") in who.groups)
    return ok, f"a member of the {target.domain} team, or a platform admin", holders


def _run_score(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    owner = mesh.directory.get(target.username or "")
    teams = set(owner.groups) if owner else set()
    holders = sorted(
        {target.username or "", *_admins(mesh)}
        | {m.username for m in mesh.directory.members.values() if m.groups & teams}
    )
    holders = [h for h in holders if h]
    ok = who.is_admin or (who.username is not None and who.username in holders)
    return ok, f"the score's owner ({target.username}) or a team they are on, or a platform admin", holders


def _ingest_lineage(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    teams = {m.username for m in mesh.directory.members.values() if m.groups & set(mesh.domains)}
    holders = sorted(teams | set(_admins(mesh)))
    ok = who.is_admin or (who.is_member and bool(set(who.groups) & set(mesh.domains)))
    return ok, "a member of a domain's team, or a platform admin", holders


def _issue_token(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    member = mesh.directory.get(target.username or "")
    if member is not None and member.kind == "service":
        return who.is_admin, f"a platform admin (`{target.username}` is a service account)", _admins(mesh)
    return (
        who.username is not None and who.username == target.username and who.kind == "person",
        f"`{target.username}` themself: a person's token is created only by that person",
        [target.username] if target.username else [],
    )


def _revoke_token(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    ok = who.is_admin or (who.username is not None and who.username == target.username)
    return (
        ok,
        "the token's member or a platform admin",
        sorted({*(_admins(mesh)), target.username or ""} - {""}),
    )


def _admin(mesh: Mesh, who: Principal, target: Target) -> tuple[bool, str, list[str]]:
    return who.is_admin, "a platform admin", _admins(mesh)


RULES: dict[str, Rule] = {
    "read": _read,
    "access.request": _request,
    "access.decide": _decide_access,
    "access.revoke": _revoke_access,
    "council.propose": _propose,
    "council.vote": _vote,
    "entities.steward": _steward,
    "products.publish": _publish,
    "scores.run": _run_score,
    "lineage.ingest": _ingest_lineage,
    "tokens.issue": _issue_token,
    "tokens.revoke": _revoke_token,
    "workspace.admin": _admin,
}


def decide(mesh: Mesh, who: Principal, action: str, target: Target | None = None) -> Decision:
    """Whether ``who`` may take ``action`` on ``target``, and if not, what it needs and who has it."""
    target = target or Target()
    allowed, needed, holders = RULES[action](mesh, who, target)
    if allowed and action in DECIDING and who.kind != "person":
        allowed, needed = False, needed + " (a person: service accounts may request, never approve or vote)"
    scope = SCOPE_OF[action]
    if allowed and who.scopes is not None and scope not in who.scopes:
        allowed, needed = False, needed + f", through a token with the `{scope}` scope"
    return Decision(
        allowed=allowed,
        action=action,
        principal=who.describe(),
        target=target.describe(),
        needed=needed,
        holders=holders,
    )


def refusal(decision: Decision) -> NotPermitted:
    holders = ", ".join(decision.holders) if decision.holders else "nobody in this mesh"
    return NotPermitted(
        f"not permitted: {decision.action} on {decision.target}. You are {decision.principal}; "
        f"this needs {decision.needed} (held by: {holders})",
        principal=decision.principal,
        action=decision.action,
        needed=decision.needed,
        holders=decision.holders,
        hint="act as one of them (their own login, or `ANDMESH_TOKEN` with their token)",
    )
