"""``governance/members.yaml`` (kind ``Members``): the people and service accounts of the mesh.

Every person named in a domain's team, as an owner, as an entity steward or as a council
member is already a member; this spec adds what those places cannot say:

- ``osUsers``: the operating-system logins that act as a person on a workstation (by
  default a person's own username, so ``alice`` logged in as ``alice`` is alice);
- ``kind: service``: accounts for pipelines and tools, which authenticate only with an API
  token (never as an OS user) and may request but never approve or vote;
- ``groups``: domains (teams) a member belongs to beyond the domain specs' ``team:`` lists;
- ``roles: [platform_admin]``: the platform team, who may run every domain's products, issue
  tokens for service accounts and repair the workspace.

```yaml
apiVersion: andmesh/v1
kind: Members
members:
  - {username: edo, name: Elena Dorsey, osUsers: [edo, elena]}
  - {username: platform, name: Platform team, roles: [platform_admin], osUsers: [ops]}
  - {username: invoicing-bot, kind: service, groups: [customer_invoicing]}
```
"""

# ruff: noqa: N815

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from andmesh.errors import SpecProblem
from andmesh.spec.models import StrictModel

if TYPE_CHECKING:
    from andmesh.spec.mesh import Mesh
    from andmesh.spec.yamlsource import YamlDocument

MemberKind = Literal["person", "service"]
PlatformRole = Literal["platform_admin"]
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"


class MemberSpec(StrictModel):
    username: str = Field(pattern=USERNAME)
    name: str | None = None
    kind: MemberKind = "person"
    osUsers: list[str] | None = Field(
        None, description="OS logins acting as this person (default: the username). Not for services."
    )
    groups: list[str] = Field(default_factory=list, description="Domains whose team this member is on.")
    roles: list[PlatformRole] = Field(default_factory=list)
    email: str | None = None


class MembersSpec(StrictModel):
    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Members"]
    name: str | None = None
    description: str | None = None
    members: list[MemberSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Member:
    """A person or service account of the mesh, with every group and role it holds."""

    username: str
    kind: MemberKind = "person"
    name: str | None = None
    os_users: tuple[str, ...] = ()
    groups: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()


@dataclass
class Directory:
    """Every member of the mesh, from ``members.yaml`` and from the domains, owners and council."""

    members: dict[str, Member] = field(default_factory=dict)
    file: Path | None = None

    def get(self, username: str) -> Member | None:
        return self.members.get(username)

    def by_os_user(self, login: str) -> Member | None:
        for member in self.members.values():
            if member.kind == "person" and login in member.os_users:
                return member
        return None

    def holders(self, *, group: str | None = None, role: str | None = None) -> list[str]:
        return sorted(
            m.username
            for m in self.members.values()
            if (group is None or group in m.groups) and (role is None or role in m.roles)
        )


def build_directory(
    mesh: Mesh, specs: list[tuple[YamlDocument, MembersSpec]], problems: list[SpecProblem]
) -> Directory:
    """Every member of ``mesh``: the declared ones merged with those the other specs name."""
    groups: dict[str, set[str]] = {}
    names: dict[str, str | None] = {}

    def implied(username: str, group: str | None = None, name: str | None = None) -> None:
        groups.setdefault(username, set())
        if group:
            groups[username].add(group)
        if name and not names.get(username):
            names[username] = name
        names.setdefault(username, None)

    for domain in mesh.domains.values():
        implied(domain.spec.owner, domain.name)
        for person in domain.spec.team:
            implied(person.username, domain.name, person.name)
    for product in mesh.products.values():
        if product.owner:
            implied(product.owner, product.domain)
    for entity in mesh.entities.values():
        for username in (entity.spec.owner, *entity.spec.stewards):
            if username:
                implied(username)
    if mesh.council is not None:
        for council_member in mesh.council.spec.members:
            implied(council_member.username, council_member.domain, council_member.name)

    directory = Directory()
    declared: dict[str, MemberSpec] = {}
    for index, (doc, spec) in enumerate(specs):
        if index:
            problems.append(
                doc.problem(
                    ("kind",), f"a mesh has one `Members` spec; one is declared in {specs[0][0].file}"
                )
            )
            continue
        directory.file = doc.file
        for i, member in enumerate(spec.members):
            if member.username in declared:
                problems.append(
                    doc.problem(("members", i, "username"), f"`{member.username}` is listed twice")
                )
                continue
            for j, group in enumerate(member.groups):
                if group not in mesh.domains:
                    problems.append(doc.unknown(("members", i, "groups", j), "domain", group, mesh.domains))
            if member.kind == "service" and member.osUsers:
                problems.append(
                    doc.problem(
                        ("members", i, "osUsers"),
                        f"`{member.username}` is a service account: it signs in with an API token only",
                        "remove `osUsers` (create its token with `andmesh tokens create --for "
                        f"{member.username}`)",
                    )
                )
            if member.kind == "service" and member.username in groups:
                problems.append(
                    doc.problem(
                        ("members", i, "kind"),
                        f"`{member.username}` owns, stewards or sits on the council: it must be a person",
                        "service accounts may request, never approve or vote",
                    )
                )
            declared[member.username] = member

    for username in sorted(set(groups) | set(declared)):
        spec_member = declared.get(username)
        kind: MemberKind = spec_member.kind if spec_member else "person"
        if spec_member and spec_member.osUsers is not None:
            os_users: tuple[str, ...] = tuple(spec_member.osUsers)
        else:
            os_users = (username,) if kind == "person" else ()
        directory.members[username] = Member(
            username=username,
            kind=kind,
            name=(spec_member.name if spec_member and spec_member.name else names.get(username)),
            os_users=os_users,
            groups=frozenset(groups.get(username, set()) | set(spec_member.groups if spec_member else [])),
            roles=frozenset(spec_member.roles if spec_member else []),
        )
    logins: dict[str, str] = {}
    for resolved in directory.members.values():
        for login in resolved.os_users:
            if login in logins:
                file = directory.file or mesh.file
                problems.append(
                    SpecProblem(
                        file,
                        None,
                        None,
                        "members",
                        f"OS user `{login}` would act as both `{logins[login]}` and `{resolved.username}`",
                        "give each person their own `osUsers`",
                        code="reference",
                    )
                )
            logins[login] = resolved.username
    return directory
