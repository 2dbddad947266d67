"""Who acts: a typed name is never an identity; the OS user or a token is, and one layer decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.facade import Andmesh
from andmesh.security.principal import os_login
from andmesh.workspace import Workspace
from tests.governance.test_council import COUNCIL
from tests.helpers import token_for

PORT = "sales.customers"
MEMBERS = """\
apiVersion: andmesh/v1
kind: Members
members:
  - {username: mallory, name: Mallory}
  - {username: alice, name: Alice}
  - {username: ops, name: Platform, roles: [platform_admin], osUsers: [nobody-here]}
  - {username: ingest-bot, kind: service, groups: [sales]}
"""
runner = CliRunner()


@pytest.fixture
def mesh(mesh_dir: Path, andmesh: Andmesh) -> Path:
    (mesh_dir / "governance").mkdir()
    (mesh_dir / "governance" / "council.yaml").write_text(
        COUNCIL + "  - {username: edo, roles: [chair, enterprise_data_office]}\n"
    )
    (mesh_dir / "governance" / "members.yaml").write_text(
        MEMBERS.replace("[platform_admin], osUsers", "[], osUsers")
    )
    assert andmesh.run(mesh_dir, data=mesh_dir / "data").exit_code == 0
    return mesh_dir


def cli(ws: Workspace, *args: str, token: str | None = None):  # type: ignore[no-untyped-def]
    env = {"ANDMESH_TOKEN": token} if token else {"ANDMESH_TOKEN": ""}
    return runner.invoke(app, ["--workspace", str(ws.root), *args], env=env)


def test_the_reported_impersonation_no_longer_works(mesh: Path, andmesh: Andmesh) -> None:
    """One shell user typed other people's names; now names typed on the line mean nothing."""
    ws = andmesh.workspace
    # The shell user is not a member: it cannot ask in mallory's name...
    asked = cli(ws, "access", "request", PORT, "--for", "mallory", "--purpose", "x")
    assert asked.exit_code == 3, asked.output
    assert f"You are an unknown principal (platform admin), via OS user {os_login()}" in asked.output
    # ...`--as` is gone from every command...
    for args in (
        ("access", "approve", "1", "--as", "alice"),
        ("council", "vote", "1", "approve", "--as", "edo"),
        ("read", PORT, "--as", "mallory"),
    ):
        result = cli(ws, *args)
        assert result.exit_code == 2 and "No such option: --as" in result.output, args
    # ...and mallory, with her own token, asks for herself but reads masked until the owner decides.
    mallory = token_for(andmesh, "mallory")
    assert cli(ws, "access", "request", PORT, "--purpose", "x", token=mallory).exit_code == 0
    assert cli(ws, "access", "approve", "1", token=mallory).exit_code == 3
    assert cli(ws, "council", "vote", "1", "approve", token=mallory).exit_code == 2  # no proposal yet
    read = cli(ws, "read", PORT, "--json", token=mallory)
    rows = json.loads(read.stdout)
    assert rows[0]["email"].startswith("masked:") and rows[0]["customer_name"].startswith("masked:")
    assert "buyer@acme.example" not in read.stdout and "Acme GmbH" not in read.stdout


def test_a_refusal_changes_nothing_but_an_audit_entry(mesh: Path, andmesh: Andmesh) -> None:
    ws = andmesh.workspace
    assert (
        cli(ws, "access", "request", PORT, "--purpose", "x", token=token_for(andmesh, "alice")).exit_code == 0
    )
    before = [r.model_dump() for r in andmesh.access().requests()]
    refused = cli(ws, "access", "approve", "1", token=token_for(andmesh, "mallory"))
    assert refused.exit_code == 3
    assert "You are mallory, via token andm_" in refused.output
    assert "this needs the owner of sales.customers or of its domain (held by: owner)" in refused.output
    assert [r.model_dump() for r in andmesh.access().requests()] == before
    last = andmesh.audit_log()[-1]
    assert (last.actor, last.action, last.subject) == ("mallory", "refused", PORT)
    assert last.details and last.details["action"] == "access.decide"


def test_os_user_maps_to_a_member(mesh: Path, andmesh: Andmesh) -> None:
    ws = andmesh.workspace
    (mesh / "governance" / "members.yaml").write_text(
        MEMBERS.replace(
            "{username: alice, name: Alice}", f"{{username: alice, name: Alice, osUsers: [{os_login()}]}}"
        )
    )
    who = json.loads(cli(ws, "whoami", "--json").stdout)
    assert (who["username"], who["via"], who["login"]) == ("alice", "os_user", os_login())
    # A platform admin is declared, so owning the workspace folder no longer makes one an admin.
    assert "platform_admin" not in who["roles"]
    ran = cli(ws, "run", str(mesh), "--data", str(mesh / "data"))
    assert ran.exit_code == 3 and "a member of the sales team, or a platform admin" in ran.output


def test_unknown_principal_reads_public_and_nothing_more(mesh: Path, andmesh: Andmesh) -> None:
    ws = andmesh.workspace
    (mesh / "governance" / "members.yaml").write_text(MEMBERS)  # ops is the platform admin now
    who = json.loads(cli(ws, "whoami", "--json").stdout)
    assert who["username"] is None and who["roles"] == []
    rows = json.loads(cli(ws, "read", PORT, "--json").stdout)
    assert rows[0]["segment"] == "enterprise" and rows[0]["email"].startswith("masked:")
    assert cli(ws, "run", str(mesh), "--data", str(mesh / "data")).exit_code == 3
    assert cli(ws, "access", "request", PORT, "--purpose", "x").exit_code == 3
    assert cli(ws, "tokens", "create").exit_code == 2  # nobody to create a token for
    assert cli(ws, "lint", str(mesh)).exit_code == 0


def test_token_lifecycle(mesh: Path, andmesh: Andmesh) -> None:
    ws = andmesh.workspace
    alice = token_for(andmesh, "alice")
    created = cli(ws, "tokens", "create", "--days", "7", "--label", "laptop", token=alice)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("andm_") and "Shown once" in created.stdout
    # Only a hash is stored.
    with andmesh.store.engine.connect() as c:
        dump = " ".join(str(v) for row in c.execute(sa.text("select * from api_tokens")) for v in row)
    assert secret not in dump
    assert json.loads(cli(ws, "whoami", "--json", token=secret).stdout)["username"] == "alice"
    listed = json.loads(cli(ws, "tokens", "list", "--json", token=secret).stdout)
    assert [t["label"] for t in listed] == [None, "laptop"] and all("token" not in t for t in listed)
    prefix = "_".join(secret.split("_")[:2])  # andm_<public part>; the secret may hold "_"
    assert cli(ws, "tokens", "revoke", prefix, token=token_for(andmesh, "mallory")).exit_code == 3
    assert cli(ws, "tokens", "revoke", prefix, token=alice).exit_code == 0
    revoked = cli(ws, "whoami", token=secret)
    assert revoked.exit_code == 3 and "was revoked" in revoked.output
    unknown = cli(ws, "whoami", token="andm_forged_0000")
    assert unknown.exit_code == 3 and "not a token of this workspace" in unknown.output
    for days in ("0", "-1", "366"):
        assert cli(ws, "tokens", "create", "--days", days, token=alice).exit_code == 2


def test_expired_token_is_refused(mesh: Path, andmesh: Andmesh) -> None:
    from andmesh.store.tokens import TokenStore, api_tokens

    token = token_for(andmesh, "alice")
    with andmesh.store.engine.begin() as c:
        c.execute(api_tokens.update().values(expires_at=sa.func.datetime("now", "-1 day")))
    assert TokenStore(andmesh.store.engine).tokens()[0].expires_at is not None
    expired = cli(andmesh.workspace, "whoami", token=token)
    assert expired.exit_code == 3 and "expired" in expired.output


def test_who_may_issue_tokens(mesh: Path, andmesh: Andmesh) -> None:
    ws = andmesh.workspace
    # The workspace's owner administers it while the mesh names no platform admin: it may create a
    # token for a service account, never for a person.
    bot = cli(ws, "tokens", "create", "--for", "ingest-bot", "--scope", "request", "-q")
    assert bot.exit_code == 0, bot.output
    person = cli(ws, "tokens", "create", "--for", "alice")
    assert person.exit_code == 3 and "a person's token is created only by that person" in person.output
    other = cli(ws, "tokens", "create", "--for", "ingest-bot", token=token_for(andmesh, "alice"))
    assert other.exit_code == 3
    # The bot's token is narrowed to `request`: it may ask, not publish.
    secret = bot.stdout.strip()
    assert (
        cli(ws, "access", "request", PORT, "--for", "sales", "--purpose", "sync", token=secret).exit_code == 0
    )
    ran = cli(ws, "run", str(mesh), "--data", str(mesh / "data"), token=secret)
    assert ran.exit_code == 3 and "`publish` scope" in ran.output


def test_a_domain_team_runs_its_own_products_only(mesh_dir: Path, andmesh: Andmesh) -> None:
    """Publishing a domain's products needs its team (or a platform admin)."""
    (mesh_dir / "governance").mkdir()
    (mesh_dir / "governance" / "members.yaml").write_text(MEMBERS + "  - {username: zed, name: Zed}\n")
    ws = andmesh.workspace
    zed = token_for(andmesh, "zed")
    refused = cli(ws, "run", str(mesh_dir), "--data", str(mesh_dir / "data"), token=zed)
    assert refused.exit_code == 3 and "held by: ingest-bot, ops, owner" in refused.output
    owner = cli(ws, "run", str(mesh_dir), "--data", str(mesh_dir / "data"), token=token_for(andmesh, "owner"))
    assert owner.exit_code == 0, owner.output
