"""The governance council's specs: ``Council`` (members, roles, decision rules) and ``Policy``.

```
governance/council.yaml        kind: Council
governance/policies/*.yaml     kind: Policy     (a built-in rule tuned, or a rule in Python or SQL)
```

Both are ``apiVersion: andmesh/v1``; lint checks every reference (members' domains,
approver roles, a Python rule's file and function, that a SQL rule is one read-only
SELECT) with file:line and a fix.
"""

# Spec models keep camelCase keys, like the standards they sit beside.
# ruff: noqa: N815

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlglot
from pydantic import Field

from andmesh.errors import SpecProblem
from andmesh.spec.mesh import Mesh
from andmesh.spec.models import SNAKE_CASE, StrictModel
from andmesh.spec.sqlguard import refusal
from andmesh.spec.yamlsource import YamlDocument

MemberRole = Literal["chair", "enterprise_data_office", "domain_representative", "member"]
# Roles a decision rule may require. The last two are derived from the proposal's subject:
# the owner of the affected domain, the owner of the affected product.
ApproverRole = Literal[
    "chair", "enterprise_data_office", "domain_representative", "domain_owner", "product_owner"
]
ProposalKind = Literal["breaking_change", "requirement", "score_version", "pii_access"]
PROPOSAL_KINDS: tuple[str, ...] = ("breaking_change", "requirement", "score_version", "pii_access")
Severity = Literal["block", "warn"]


class CouncilMember(StrictModel):
    username: str
    name: str | None = None
    roles: list[MemberRole] = Field(min_length=1)
    domain: str | None = Field(None, description="The domain a `domain_representative` speaks for.")


class DecisionRule(StrictModel):
    """Who must approve a kind of proposal: one approval from each role, and a quorum in all."""

    approvers: list[ApproverRole] = Field(min_length=1)
    quorum: int = Field(1, ge=1, description="Approvals needed in total (from council members or owners).")
    description: str | None = None


def _default_rules() -> dict[ProposalKind, DecisionRule]:
    return {
        "breaking_change": DecisionRule(approvers=["domain_owner", "enterprise_data_office"], quorum=2),
        "requirement": DecisionRule(approvers=["domain_owner"], quorum=1),
        "score_version": DecisionRule(approvers=["chair", "enterprise_data_office"], quorum=2),
        "pii_access": DecisionRule(approvers=["product_owner", "chair"], quorum=2),
    }


class CouncilSpec(StrictModel):
    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Council"]
    name: str = Field(pattern=SNAKE_CASE)
    description: str | None = None
    members: list[CouncilMember] = Field(min_length=1)
    decisionRules: dict[ProposalKind, DecisionRule] = Field(
        default_factory=_default_rules, description="Per proposal kind; kinds left out get the default rule."
    )
    economics: dict[str, Any] | None = Field(None, description="Unit costs (see docs/economics.md).")


class PolicyScope(StrictModel):
    domains: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)


class PolicySpec(StrictModel):
    """A policy: a built-in rule (tuned), or a user rule in Python or SQL. Exactly one of the three."""

    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Policy"]
    name: str = Field(pattern=SNAKE_CASE)
    description: str | None = None
    severity: Severity = "warn"
    enabled: bool = True
    builtin: str | None = Field(None, description="A built-in rule's name; see `andmesh policies list`.")
    params: dict[str, Any] = Field(default_factory=dict)
    python: str | None = Field(
        None,
        description="`<file relative to this spec>:<function>`; the function gets a PolicyContext and a "
        "product and returns violation messages.",
    )
    sql: str | None = Field(
        None,
        description="One SELECT over the catalog tables (products, ports, properties) returning "
        "`product_id` and `message` per violation.",
    )
    appliesTo: PolicyScope = Field(default_factory=PolicyScope)


# The tables a SQL policy reads (built by andmesh.governance.policies.catalog).
CATALOG_TABLES = ("products", "ports", "properties")


# --- resolved ------------------------------------------------------------------------------


@dataclass
class Council:
    file: Path
    spec: CouncilSpec

    def rule(self, kind: str) -> DecisionRule:
        rules: dict[str, DecisionRule] = dict(_default_rules().items())
        rules.update(self.spec.decisionRules.items())
        return rules[kind]

    def member(self, username: str) -> CouncilMember | None:
        return next((m for m in self.spec.members if m.username == username), None)


@dataclass
class Policy:
    name: str
    file: Path | None
    spec: PolicySpec
    python_file: Path | None = None
    python_function: str | None = None


@dataclass
class GovernanceSpecs:
    councils: list[tuple[YamlDocument, CouncilSpec]] = field(default_factory=list)
    policies: list[tuple[YamlDocument, PolicySpec]] = field(default_factory=list)


def resolve_governance(
    mesh: Mesh, specs: GovernanceSpecs, problems: list[SpecProblem], builtin_rules: set[str]
) -> None:
    """Check the council and the policies against the mesh; put them on the mesh."""
    for index, (doc, council) in enumerate(specs.councils):
        if index:
            first = specs.councils[0][0].file
            problems.append(doc.problem(("kind",), f"a mesh has one council; one is declared in {first}"))
            continue
        for i, member in enumerate(council.members):
            if member.domain is not None and member.domain not in mesh.domains:
                problems.append(doc.unknown(("members", i, "domain"), "domain", member.domain, mesh.domains))
            if "domain_representative" in member.roles and member.domain is None:
                problems.append(
                    doc.problem(
                        ("members", i),
                        f"`{member.username}` is a domain representative of no domain",
                        "add `domain: <domain>`",
                    )
                )
        seen: set[str] = set()
        for i, member in enumerate(council.members):
            if member.username in seen:
                problems.append(
                    doc.problem(("members", i, "username"), f"`{member.username}` is listed twice")
                )
            seen.add(member.username)
        mesh.council = Council(doc.file, council)
    for doc, spec in specs.policies:
        policy = _policy(mesh, doc, spec, problems, builtin_rules)
        if policy is None:
            continue
        if policy.name in mesh.policies:
            problems.append(
                doc.problem(
                    ("name",),
                    f"policy `{policy.name}` is already declared in {mesh.policies[policy.name].file}",
                )
            )
            continue
        mesh.policies[policy.name] = policy


def _policy(
    mesh: Mesh, doc: YamlDocument, spec: PolicySpec, problems: list[SpecProblem], builtin_rules: set[str]
) -> Policy | None:
    given = [key for key in ("builtin", "python", "sql") if getattr(spec, key)]
    if len(given) != 1:
        problems.append(
            doc.problem(
                ("kind",),
                "a policy has exactly one rule: `builtin`, `python` or `sql`"
                + (f" (found {', '.join(given)})" if given else ""),
                "tune a built-in rule with `builtin: <name>`, or write your own in `python:` or `sql:`",
            )
        )
        return None
    before = len(problems)
    policy = Policy(spec.name, doc.file, spec)
    if spec.builtin is not None and spec.builtin not in builtin_rules:
        problems.append(doc.unknown(("builtin",), "built-in rule", spec.builtin, builtin_rules))
    if spec.python is not None:
        file, _, function = spec.python.rpartition(":")
        path = (doc.file.parent / file).resolve()
        if not file or not function:
            problems.append(doc.problem(("python",), "write `python: <file.py>:<function>`"))
        elif not path.is_file():
            problems.append(
                doc.problem(("python",), f"no file {path}", "the path is relative to this spec file")
            )
        else:
            policy.python_file, policy.python_function = path, function
    if spec.sql is not None:
        problem = _read_only_select(spec.sql)
        if problem:
            problems.append(
                doc.problem(("sql",), problem, "write one SELECT returning `product_id` and `message`")
            )
    for i, domain in enumerate(spec.appliesTo.domains):
        if domain not in mesh.domains:
            problems.append(doc.unknown(("appliesTo", "domains", i), "domain", domain, mesh.domains))
    for i, product in enumerate(spec.appliesTo.products):
        if product not in mesh.products:
            problems.append(doc.unknown(("appliesTo", "products", i), "product", product, mesh.products))
    return policy if len(problems) == before else None


def _read_only_select(sql: str) -> str | None:
    """Why ``sql`` is not one read-only SELECT (None when it is)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        return f"the SQL does not parse: {str(exc).splitlines()[0]}"
    if len(statements) != 1:
        return f"one statement expected, found {len(statements)}"
    if not isinstance(statements[0], sqlglot.exp.Query):
        return f"a SELECT is expected, found {statements[0].key.upper()}"
    refused = refusal(sql, CATALOG_TABLES)
    if refused is not None:
        return refused.message + (f" (line {refused.line} of the query)" if refused.line else "")
    return None
