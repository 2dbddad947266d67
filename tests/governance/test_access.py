"""Access with purpose: PII masked without a grant; owner and council approve; grants expire and are revoked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.errors import NotPermitted, UsageError
from andmesh.facade import Andmesh
from andmesh.security.keys import workspace_key
from andmesh.security.masking import mask_value
from tests.governance.test_council import COUNCIL
from tests.helpers import as_member, token_for

MEMBERS = """\
apiVersion: andmesh/v1
kind: Members
members:
  - {username: rita, name: Rita Risk}
  - {username: marc, name: Marc Eting}
  - {username: ingest-bot, kind: service, groups: [sales]}
"""

PORT = "sales.customers"


@pytest.fixture
def published(mesh_dir: Path, andmesh: Andmesh) -> Andmesh:
    (mesh_dir / "governance").mkdir()
    (mesh_dir / "governance" / "council.yaml").write_text(COUNCIL)
    (mesh_dir / "governance" / "members.yaml").write_text(MEMBERS)
    assert andmesh.run(mesh_dir, data=mesh_dir / "data").exit_code == 0
    return andmesh


def masked(facade: Andmesh, value: str) -> str:
    return mask_value(value, workspace_key(facade.workspace.root, "masking"))


def emails(facade: Andmesh, who: str | None) -> list[str | None]:
    reader = as_member(facade, who) if who else facade
    return reader.read(PORT).column("email").to_pylist()


def test_pii_is_masked_without_a_grant(published: Andmesh) -> None:
    clear = "buyer@acme.example"
    assert emails(published, "rita")[0] == masked(published, clear)
    assert emails(published, "eve")[0] == masked(published, clear)  # the chair reads no PII either
    row = as_member(published, "rita").read(PORT).to_pylist()[0]
    assert row["customer_name"] == masked(published, "Acme GmbH")
    assert row["segment"] == "enterprise"  # not classified: in clear
    assert emails(published, "rita")[2] is None  # nulls stay null
    # The producing domain's own team reads its data in clear.
    assert emails(published, "owner")[0] == clear


def test_masks_are_keyed_per_workspace(published: Andmesh, tmp_path: Path) -> None:
    """An unsalted hash can be reversed by a dictionary; a keyed one cannot without the key."""
    import hashlib

    value = emails(published, "rita")[0]
    assert value != "masked:" + hashlib.sha256(b"buyer@acme.example").hexdigest()[:16]
    assert value == masked(published, "buyer@acme.example")
    assert mask_value("buyer@acme.example", workspace_key(tmp_path / "other", "masking")) != value


def test_pii_access_needs_owner_and_council_then_expires_or_is_revoked(published: Andmesh) -> None:
    rita, owner, eve = (as_member(published, u) for u in ("rita", "owner", "eve"))
    request = rita.access_request(PORT, None, "late-payment disputes")
    assert (request.status, request.pii, request.consumer) == ("pending", True, "rita")
    with pytest.raises(NotPermitted, match=r"owner of sales\.customers"):
        rita.access_decide(request.id, "approve")
    request = owner.access_decide(request.id, "approve", days=30)
    assert request.status == "awaiting_council" and request.proposal_id is not None
    assert emails(published, "rita")[0] != "buyer@acme.example"  # the council has not approved yet
    # The owner's approval counts as the product owner's vote; the chair's completes the rule.
    proposal, _ = eve.vote(request.proposal_id, "approve", "purpose is legitimate")
    assert proposal.status == "approved"
    assert emails(published, "rita")[0] == "buyer@acme.example"
    assert emails(published, "marc")[0] == masked(published, "buyer@acme.example")

    grant = published.access().requests(consumer="rita")[0]
    assert grant.status == "granted" and grant.expires_at is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    decision = published.access().decide(PORT, ["rita"], protected=["customer_name", "email"], at=later)
    assert decision.masked == ["customer_name", "email"]  # expired

    eve.access_decide(request.id, "revoke")  # the chair may revoke
    assert emails(published, "rita")[0] == masked(published, "buyer@acme.example")
    actions = [e.action for e in published.audit_log(f"access:{request.id}")]
    assert actions == ["access.requested", "access.owner_approved", "access.granted", "access.revoked"]


@pytest.mark.parametrize("days", [0, -1, 366])
def test_grants_have_a_positive_bounded_duration(published: Andmesh, days: int) -> None:
    request = as_member(published, "rita").access_request(PORT, None, "disputes")
    with pytest.raises(UsageError, match="a grant lasts 1 to 365 days"):
        as_member(published, "owner").access_decide(request.id, "approve", days=days)
    assert published.access().requests(consumer="rita")[0].status == "pending"  # nothing changed


def test_default_grant_expires(published: Andmesh) -> None:
    request = as_member(published, "marc").access_request("sales.customers", None, "x")
    approved = as_member(published, "owner").access_decide(request.id, "approve")
    assert approved.expires_at is not None
    assert 89 <= (approved.expires_at - dt.datetime.now(dt.UTC)).days <= 90


def test_rejected_request_grants_nothing(published: Andmesh) -> None:
    marc, owner = as_member(published, "marc"), as_member(published, "owner")
    request = marc.access_request(PORT, None, "newsletter")
    request = owner.access_decide(request.id, "reject")
    assert request.status == "rejected"
    assert emails(published, "marc")[0] == masked(published, "buyer@acme.example")
    with pytest.raises(UsageError, match="nothing to revoke"):
        owner.access_decide(request.id, "revoke")


def test_request_errors(published: Andmesh) -> None:
    rita = as_member(published, "rita")
    with pytest.raises(UsageError) as err:
        rita.access_request("sales.customer", None, "y")
    assert err.value.hint == "did you mean `sales.customers`?"
    with pytest.raises(UsageError, match="needs a purpose"):
        rita.access_request(PORT, None, "  ")
    with pytest.raises(NotPermitted, match="a member asking for itself"):
        rita.access_request(PORT, "marc", "for a colleague")  # nobody asks in another's name


def test_service_accounts_request_but_never_approve(published: Andmesh) -> None:
    bot = as_member(published, "ingest-bot")
    request = bot.access_request(PORT, "ingest-bot", "reconciliation")
    assert request.status == "pending"
    with pytest.raises(NotPermitted, match="You are ingest-bot"):
        bot.access_decide(request.id, "approve")
    # Even a service principal carrying an owner's name may not decide: deciding needs a person.
    from andmesh.security.authz import Target, decide
    from andmesh.security.principal import Principal

    forged = Principal(username="owner", kind="service", via="token", groups=frozenset({"sales"}))
    decision = decide(published.mesh(), forged, "access.decide", Target(product_id=PORT))
    assert not decision.allowed and "service accounts may request, never approve or vote" in decision.needed


def test_cli_acts_as_the_token_owner_never_as_a_typed_name(published: Andmesh) -> None:
    runner = CliRunner()
    ws = ["-w", str(published.workspace.root)]
    rita = {"ANDMESH_TOKEN": token_for(published, "rita")}
    owner = {"ANDMESH_TOKEN": token_for(published, "owner")}
    eve = {"ANDMESH_TOKEN": token_for(published, "eve")}
    result = runner.invoke(app, [*ws, "access", "request", PORT, "--purpose", "disputes"], env=rita)
    assert result.exit_code == 0, result.output
    assert "access #1: rita → sales.customers pending" in result.output
    # `--as` no longer exists: a typed name is never an identity.
    result = runner.invoke(app, [*ws, "access", "approve", "1", "--as", "owner"], env=rita)
    assert result.exit_code == 2 and "No such option" in result.output
    result = runner.invoke(app, [*ws, "access", "approve", "1"], env=rita)
    assert result.exit_code == 3, result.output
    assert "You are rita" in result.output and "held by: owner" in result.output
    result = runner.invoke(app, [*ws, "access", "approve", "1"], env=owner)
    assert result.exit_code == 0 and "awaiting_council (council proposal #1)" in result.output
    result = runner.invoke(app, [*ws, "council", "proposals"])
    assert "pii_access" in result.output and "owner: approve" in result.output
    result = runner.invoke(app, [*ws, "council", "vote", "1", "approve"], env=eve)
    assert result.exit_code == 0 and "approved" in result.output
    result = runner.invoke(app, [*ws, "read", PORT, "--json"], env=rita)
    assert "buyer@acme.example" in result.output
    result = runner.invoke(
        app, [*ws, "read", PORT, "--json"], env={"ANDMESH_TOKEN": token_for(published, "marc")}
    )
    assert "buyer@acme.example" not in result.output and "masked:" in result.output
    result = runner.invoke(app, [*ws, "council", "audit"])
    assert result.exit_code == 0 and "hash chain intact" in result.output
    result = runner.invoke(app, [*ws, "council", "vote", "1", "approve"], env=eve)
    assert result.exit_code == 2 and "votes are closed" in result.output
