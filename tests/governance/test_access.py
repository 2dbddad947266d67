"""Access with purpose: PII masked without a grant; owner and council approve; grants expire and are revoked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.errors import UsageError
from andmesh.facade import Andmesh
from andmesh.governance.access import mask_value
from tests.governance.test_council import COUNCIL

PORT = "sales.customers"


@pytest.fixture
def published(mesh_dir: Path, andmesh: Andmesh) -> Andmesh:
    (mesh_dir / "governance").mkdir()
    (mesh_dir / "governance" / "council.yaml").write_text(COUNCIL)
    assert andmesh.run(mesh_dir, data=mesh_dir / "data").exit_code == 0
    return andmesh


def emails(facade: Andmesh, consumer: str | None) -> list[str | None]:
    return facade.read(PORT, consumer=consumer).column("email").to_pylist()


def test_pii_is_masked_without_a_grant(published: Andmesh) -> None:
    clear = "buyer@acme.example"
    assert emails(published, None)[0] == mask_value(clear)
    assert emails(published, "risk_team")[0] == mask_value(clear)
    row = published.read(PORT).to_pylist()[0]
    assert row["customer_name"] == mask_value("Acme GmbH")
    assert row["segment"] == "enterprise"  # not classified: in clear
    assert emails(published, None)[2] is None  # nulls stay null


def test_pii_access_needs_owner_and_council_then_expires_or_is_revoked(published: Andmesh) -> None:
    service = published.access()
    request = service.request(PORT, "risk_team", "late-payment disputes", requested_by="rita")
    assert (request.status, request.pii) == ("pending", True)
    with pytest.raises(UsageError, match="does not own"):
        service.approve(request.id, "rita")
    request = service.approve(request.id, "owner", days=30)
    assert request.status == "awaiting_council" and request.proposal_id is not None
    assert emails(published, "risk_team")[0] != "buyer@acme.example"  # the council has not approved yet
    # The owner's approval counts as the product owner's vote; the chair's completes the rule.
    proposal, _ = published.vote(request.proposal_id, "approve", "eve", "purpose is legitimate")
    assert proposal.status == "approved"
    assert emails(published, "risk_team")[0] == "buyer@acme.example"
    assert emails(published, "someone_else")[0] == mask_value("buyer@acme.example")

    grant = service.requests(consumer="risk_team")[0]
    assert grant.status == "granted" and grant.expires_at is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert service.decide(PORT, "risk_team", at=later).masked == ["customer_name", "email"]  # expired

    service.revoke(request.id, "eve")  # the chair may revoke
    assert emails(published, "risk_team")[0] == mask_value("buyer@acme.example")
    actions = [e.action for e in published.audit_log(f"access:{request.id}")]
    assert actions == ["access.requested", "access.owner_approved", "access.granted", "access.revoked"]


def test_rejected_request_grants_nothing(published: Andmesh) -> None:
    service = published.access()
    request = service.request(PORT, "marketing", "newsletter")
    request = service.reject(request.id, "owner")
    assert request.status == "rejected"
    assert emails(published, "marketing")[0] == mask_value("buyer@acme.example")
    with pytest.raises(UsageError, match="nothing to revoke"):
        service.revoke(request.id, "owner")


def test_request_errors(published: Andmesh) -> None:
    service = published.access()
    with pytest.raises(UsageError) as err:
        service.request("sales.customer", "x", "y")
    assert err.value.hint == "did you mean `sales.customers`?"
    with pytest.raises(UsageError, match="needs a purpose"):
        service.request(PORT, "x", "  ")


def test_cli(published: Andmesh) -> None:
    runner = CliRunner()
    ws = ["-w", str(published.workspace.root)]
    result = runner.invoke(
        app, [*ws, "access", "request", PORT, "--for", "risk_team", "--purpose", "disputes"]
    )
    assert result.exit_code == 0, result.output
    assert "access #1: risk_team → sales.customers pending" in result.output
    result = runner.invoke(app, [*ws, "access", "approve", "1", "--as", "owner"])
    assert result.exit_code == 0 and "awaiting_council (council proposal #1)" in result.output
    result = runner.invoke(app, [*ws, "council", "proposals"])
    assert "pii_access" in result.output and "owner: approve" in result.output
    result = runner.invoke(app, [*ws, "council", "vote", "1", "approve", "--as", "eve"])
    assert result.exit_code == 0 and "approved" in result.output
    result = runner.invoke(app, [*ws, "read", PORT, "--as", "risk_team", "--json"])
    assert "buyer@acme.example" in result.output
    result = runner.invoke(app, [*ws, "read", PORT, "--json"])
    assert "buyer@acme.example" not in result.output and "masked:" in result.output
    result = runner.invoke(app, [*ws, "council", "audit"])
    assert result.exit_code == 0 and "hash chain intact" in result.output
    result = runner.invoke(app, [*ws, "council", "vote", "1", "approve", "--as", "eve"])
    assert result.exit_code == 2 and "votes are closed" in result.output
