"""Proposals and decisions: a breaking change is held until the council approves it; the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from andmesh.errors import NotPermitted, UsageError
from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from andmesh.spec import lint_mesh
from tests.helpers import as_member, edit

CONTRACT = "domains/sales/products/customers/contract.yaml"
COUNCIL = """\
apiVersion: andmesh/v1
kind: Council
name: test_council
members:
  - {username: eve, roles: [chair, enterprise_data_office]}
  - {username: rep, roles: [domain_representative], domain: sales}
  - {username: bystander, roles: [member]}
"""


@pytest.fixture
def governed(mesh_dir: Path) -> Path:
    (mesh_dir / "governance").mkdir()
    (mesh_dir / "governance" / "council.yaml").write_text(COUNCIL)
    return mesh_dir


def break_contract(mesh: Path) -> None:
    """Drop `credit_limit` (consumers break) and announce it with a major version."""
    edit(
        mesh / CONTRACT,
        "      - name: credit_limit\n        logicalType: number\n        logicalTypeOptions:\n          minimum: 0\n",
        "",
    )
    edit(mesh / CONTRACT, "version: 1.0.0", "version: 2.0.0")


def test_breaking_change_is_held_until_approved_then_published(governed: Path, andmesh: Andmesh) -> None:
    data = governed / "data"
    assert andmesh.run(governed, data=data).exit_code == 0
    break_contract(governed)

    held = andmesh.run(governed, data=data)
    outcome = held.outcomes[0]
    assert outcome.status == PortStatus.blocked and held.exit_code == 1
    assert "proposal #1" in (outcome.message or "")
    (proposal,) = andmesh.proposals()
    assert (proposal.kind, proposal.subject, proposal.status) == (
        "breaking_change",
        "sales.customers",
        "open",
    )
    assert proposal.details["new_version"] == "2.0.0"
    assert andmesh.warehouse.current("sales.customers").version == 1  # type: ignore[union-attr]

    # Running again does not open a second proposal, and still holds the change.
    again = andmesh.run(governed, data=data)
    assert "proposal #1 is open (needs domain_owner, enterprise_data_office)" in (
        again.outcomes[0].message or ""
    )
    assert len(andmesh.proposals(status=None)) == 1

    with pytest.raises(NotPermitted, match="You are bystander"):
        as_member(andmesh, "bystander").vote(1, "approve")
    owner = as_member(andmesh, "owner")
    updated, tally = owner.vote(1, "approve", "consumers told")  # the sales domain owner
    assert tally.status == "open" and tally.missing_roles == ["enterprise_data_office"]
    with pytest.raises(UsageError, match="already voted"):
        owner.vote(1, "approve")
    updated, tally = as_member(andmesh, "eve").vote(1, "approve")
    assert updated.status == "approved" and tally.approvals == 2

    published = andmesh.run(governed, data=data)
    assert published.outcomes[0].status == PortStatus.published
    assert "credit_limit" not in andmesh.read("sales.customers").column_names
    assert andmesh.proposals(status=None)[0].status == "applied"
    actions = [e.action for e in andmesh.audit_log("proposal:1")]
    assert actions == ["proposal.created", "vote", "vote", "proposal.approved", "proposal.applied"]


def test_a_rejection_by_a_required_role_rejects(governed: Path, andmesh: Andmesh) -> None:
    data = governed / "data"
    andmesh.run(governed, data=data)
    break_contract(governed)
    andmesh.run(governed, data=data)
    proposal, tally = as_member(andmesh, "eve").vote(1, "reject", "the risk team still reads credit_limit")
    assert proposal.status == "rejected" and tally.rejected_by == ["eve"]
    with pytest.raises(UsageError, match="votes are closed"):
        as_member(andmesh, "owner").vote(1, "approve")
    held = andmesh.run(governed, data=data)
    assert "rejected by the council" in (held.outcomes[0].message or "")


def test_without_a_council_an_announced_breaking_change_publishes(mesh_dir: Path, andmesh: Andmesh) -> None:
    andmesh.run(mesh_dir, data=mesh_dir / "data")
    break_contract(mesh_dir)
    assert andmesh.run(mesh_dir, data=mesh_dir / "data").outcomes[0].status == PortStatus.published


def test_audit_log_cannot_be_edited(governed: Path, andmesh: Andmesh) -> None:
    andmesh.run(governed, data=governed / "data")
    break_contract(governed)
    andmesh.run(governed, data=governed / "data")
    as_member(andmesh, "owner").vote(1, "approve", "fine")
    store = andmesh.governance
    assert store.verify_audit().intact
    # No API edits or deletes entries; the database itself refuses it.
    assert not [
        name for name in dir(store) if name.startswith(("update_audit", "delete_audit", "edit_audit"))
    ]
    with store.engine.begin() as c, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        c.execute(sa.text("update audit_log set actor = 'mallory' where id = 2"))
    with store.engine.begin() as c, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        c.execute(sa.text("delete from audit_log"))
    # Edited behind the database's back (triggers dropped): the keyed chain shows where.
    with store.engine.begin() as c:
        c.execute(sa.text("drop trigger audit_log_no_update"))
        c.execute(sa.text('update audit_log set details = \'{"decision": "reject"}\' where id = 2'))
    found = store.verify_audit()
    assert (found.intact, found.problem, found.first_bad) == (False, "altered", 2)


@pytest.mark.parametrize(
    ("old", "new", "message", "hint"),
    [
        ("domain: sales", "domain: sale", "unknown domain `sale`", "did you mean `sales`?"),
        ("roles: [member]", "roles: [membr]", "'membr' is not allowed", None),
        (
            "  - {username: rep, roles: [domain_representative], domain: sales}\n",
            "  - {username: rep, roles: [domain_representative]}\n",
            "is a domain representative of no domain",
            "add `domain: <domain>`",
        ),
    ],
)
def test_broken_council_spec(governed: Path, old: str, new: str, message: str, hint: str | None) -> None:
    edit(governed / "governance" / "council.yaml", old, new)
    problems = [p for p in lint_mesh(governed).errors if message in p.message]
    assert problems, [p.format() for p in lint_mesh(governed).problems]
    assert problems[0].file == governed / "governance" / "council.yaml" and problems[0].line is not None
    if hint:
        assert hint in (problems[0].hint or "")


def test_a_requirement_becomes_binding_when_its_domain_accepts_it(
    enterprise_mesh: Path, andmesh: Andmesh
) -> None:
    from tests.enterprise.test_gaps import NEW_REQUIREMENT

    (enterprise_mesh / "governance").mkdir()
    (enterprise_mesh / "governance" / "council.yaml").write_text(COUNCIL)
    path = enterprise_mesh / "enterprise" / "requirements" / "region.yaml"
    path.write_text(NEW_REQUIREMENT.replace("status: accepted", "status: proposed"))
    andmesh.run(enterprise_mesh, data=enterprise_mesh / "data")
    rid = "sales.customers.region"
    gap = next(g for g in andmesh.gaps().gaps if g.requirement == rid)
    assert gap.lifecycle == "proposed" and not andmesh.gaps().committed_gaps

    eve = as_member(andmesh, "eve")
    proposal = eve.propose_requirement(rid)
    assert (proposal.kind, proposal.domain, proposal.created_by) == ("requirement", "sales", "eve")
    with pytest.raises(UsageError, match="already asks"):
        eve.propose_requirement(rid)
    # The chair's vote counts towards the quorum, but the rule needs the domain's owner.
    still_open, tally = eve.vote(proposal.id, "approve")
    assert still_open.status == "open" and tally.missing_roles == ["domain_owner"]
    assert not andmesh.gaps().committed_gaps
    decided, _ = as_member(andmesh, "owner").vote(proposal.id, "approve")  # the sales domain's owner
    assert decided.status == "approved"
    report = andmesh.gaps()
    assert [g.requirement for g in report.committed_gaps] == [rid]
    assert next(s for s in report.requirements if s.id == rid).lifecycle == "accepted"
