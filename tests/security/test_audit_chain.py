"""The audit log is keyed and anchored: every way of rewriting it behind andmesh's back is found.

The attacker here can write the database (drops the append-only triggers, edits rows) and the
workspace's head file, but does not have the workspace key. Each tampering is named exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.errors import UsageError
from andmesh.store import MetadataStore
from andmesh.store.audit_chain import GENESIS, entry_hash
from andmesh.store.governance import GovernanceStore

ENTRIES = 6
# For checks that do not depend on the database (signatures, keys): PostgreSQL adds nothing there.
SQLITE_ONLY = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def store(store_url: str, root: Path) -> Iterator[GovernanceStore]:
    """A log of six entries (#1–#6); a run anchored its head at #4, the head file holds #6."""
    meta = MetadataStore(store_url)
    governance = GovernanceStore(meta.engine, root)
    for i in range(1, ENTRIES + 1):
        governance.audit("alice", "vote", f"proposal:{i}", {"decision": "approve", "n": i})
        if i == 4:
            meta.start_run("run-4", mesh="m", mesh_root="/m", engine="duckdb", selection=None)
            governance.anchor_run("run-4")
    yield governance
    meta.engine.dispose()


def tamper(store: GovernanceStore, *statements: str, **params: Any) -> None:
    """What someone with write access to the database can do: lift the append-only triggers, edit."""
    with store.engine.begin() as c:
        if c.dialect.name == "sqlite":
            c.execute(sa.text("drop trigger if exists audit_log_no_update"))
            c.execute(sa.text("drop trigger if exists audit_log_no_delete"))
        else:
            c.execute(sa.text("alter table audit_log disable trigger user"))
        for statement in statements:
            c.execute(sa.text(statement), params)


def rows(store: GovernanceStore) -> list[Any]:
    with store.engine.connect() as c:
        return list(c.execute(sa.text("select * from audit_log order by seq")))


def test_an_untouched_log_is_intact(store: GovernanceStore, root: Path) -> None:
    check = store.verify_audit()
    assert check.intact and check.problem is None
    assert (check.entries, check.last_seq, check.keyed_from) == (ENTRIES, ENTRIES, 1)
    assert check.anchors == [f"the head file {root / 'audit.head'}", "run run-4"]
    assert [r.seq for r in rows(store)] == list(range(1, ENTRIES + 1))
    head = json.loads((root / "audit.head").read_text())
    assert (head["count"], head["last_seq"], head["last_mac"]) == (ENTRIES, ENTRIES, rows(store)[-1].hash)
    assert (root / "secret.key").stat().st_mode & 0o777 == 0o600


def test_an_edited_entry_is_named(store: GovernanceStore) -> None:
    tamper(store, "update audit_log set actor = 'mallory' where seq = 3")
    check = store.verify_audit()
    assert (check.intact, check.problem, check.first_bad) == (False, "altered", 3)
    assert check.message == "entry #3 was altered"


def test_a_deleted_middle_entry_is_named_not_the_next_one(store: GovernanceStore) -> None:
    tamper(store, "delete from audit_log where seq = 4")
    check = store.verify_audit()
    assert (check.problem, check.first_bad, check.message) == ("missing", 4, "entry #4 is missing")


def test_a_deleted_tail_is_found_through_the_head_file(store: GovernanceStore, root: Path) -> None:
    tamper(store, "delete from audit_log where seq >= 5")
    check = store.verify_audit()
    assert (check.problem, check.first_bad) == ("tail_deleted", 5)
    assert check.anchor == f"the head file {root / 'audit.head'}"
    assert check.message.startswith("entry #5–#6 are missing: the log ends at #4, but the head file")


def test_a_deleted_tail_stays_found_while_andmesh_writes_on(store: GovernanceStore, root: Path) -> None:
    """New entries after a cut reuse the lost numbers: the head file is not moved over the evidence."""
    tamper(store, "delete from audit_log where seq >= 5")
    for n in range(3):  # #5, #6 again (with other content), then #7
        store.audit("bob", "access.requested", f"access:{n}", None)
    head = json.loads((root / "audit.head").read_text())
    assert head["last_seq"] == ENTRIES
    check = store.verify_audit()
    assert (check.problem, check.first_bad, check.anchor) == (
        "head_mismatch",
        6,
        f"the head file {root / 'audit.head'}",
    )
    assert "recorded entry #6 differently: the log was cut back and written again after it" in check.message


def test_a_truncated_table_is_found(store: GovernanceStore) -> None:
    tamper(store, "delete from audit_log")
    check = store.verify_audit()
    assert (check.problem, check.first_bad, check.entries) == ("tail_deleted", 1, 0)
    assert "entry #1–#6 are missing: the log is empty" in check.message


def _recompute(store: GovernanceStore, edit_seq: int, scheme: str | None, upto: int | None = None) -> None:
    """Edit one entry, then rewrite every hash from it on (to ``upto``) with the public, unkeyed formula."""
    entries = store.audit_entries()
    prev = entries[edit_seq - 2].hash if edit_seq > 1 else GENESIS
    statements, params = [], {}
    for r in entries[edit_seq - 1 : upto]:
        actor = "mallory" if r.seq == edit_seq else r.actor
        new = entry_hash(prev, r.at, actor, r.action, r.subject, r.details)
        set_scheme = f", scheme = '{scheme}'" if scheme else ""
        statements.append(
            f"update audit_log set actor = :a{r.seq}, prev_hash = :p{r.seq}, hash = :h{r.seq}{set_scheme} "
            f"where seq = {r.seq}"
        )
        params |= {f"a{r.seq}": actor, f"p{r.seq}": prev, f"h{r.seq}": new}
        prev = new
    tamper(store, *statements, **params)


@pytest.mark.parametrize("scheme", [None, "sha256"], ids=["keyed-label-kept", "downgraded-to-unkeyed"])
def test_a_rewritten_and_recomputed_chain_is_found(store: GovernanceStore, scheme: str | None) -> None:
    _recompute(store, 3, scheme)
    check = store.verify_audit()
    assert (check.problem, check.first_bad) == ("altered", 3), check.message


@SQLITE_ONLY
def test_a_chain_recomputed_under_a_guessed_key_is_found(store: GovernanceStore, root: Path) -> None:
    """The attacker runs andmesh's own code with a key of their own: the head file gives it away."""
    copy = root.parent / "mallory"
    GovernanceStore(sa.create_engine("sqlite://"), copy)  # a workspace, hence a key, of their own
    from andmesh.security.keys import workspace_key
    from andmesh.store.audit_chain import entry_mac

    key = workspace_key(copy, "audit")
    prev, statements, params = GENESIS, [], {}
    for r in store.audit_entries():
        assert r.seq is not None
        mac = entry_mac(key, r.seq, prev, r.at, r.actor, r.action, r.subject, r.details)
        statements.append(f"update audit_log set prev_hash = :p{r.seq}, hash = :h{r.seq} where seq = {r.seq}")
        params |= {f"p{r.seq}": prev, f"h{r.seq}": mac}
        prev = mac
    tamper(store, *statements, **params)
    check = store.verify_audit()
    assert (check.problem, check.first_bad) == ("altered", 1)
    assert "the workspace key is not the one that wrote the log" in check.message


def test_an_older_head_file_is_found(store: GovernanceStore, root: Path) -> None:
    head = root / "audit.head"
    older = root / "older.head"
    shutil.copy(head, older)
    store.audit("bob", "access.requested", "access:1", None)  # #7
    older.replace(head)
    check = store.verify_audit()
    assert (check.problem, check.first_bad, check.anchor) == ("head_mismatch", 7, f"the head file {head}")
    assert "ends at #6 but the log goes on to #7: it was replaced by an older copy" in check.message


def test_tail_deleted_and_head_file_rolled_back_the_run_record_still_knows(
    store: GovernanceStore, root: Path, store_url: str
) -> None:
    head = root / "audit.head"
    at_six = head.read_text()
    meta = MetadataStore(store_url)
    store.audit("bob", "access.requested", "access:1", None)  # #7
    meta.start_run("run-7", mesh="m", mesh_root="/m", engine="duckdb", selection=None)
    store.anchor_run("run-7")
    tamper(store, "delete from audit_log where seq = 7")
    head.write_text(at_six)  # a consistent older head: the file alone cannot tell
    check = store.verify_audit()
    assert (check.problem, check.first_bad, check.anchor) == ("tail_deleted", 7, "run run-7")
    assert check.message == "entry #7 is missing: the log ends at #6, but run run-7 recorded #7"
    meta.engine.dispose()


@SQLITE_ONLY
def test_a_forged_or_deleted_head_file_is_found(store: GovernanceStore, root: Path) -> None:
    head = root / "audit.head"
    body = json.loads(head.read_text())
    head.write_text(json.dumps(body | {"count": 99, "last_seq": 99}))
    check = store.verify_audit()
    assert (check.problem, check.anchor) == ("head_mismatch", f"the head file {head}")
    assert "is not signed by this workspace's audit key" in check.message
    head.unlink()
    check = store.verify_audit()
    assert check.problem == "head_mismatch" and "is missing" in check.message
    # A new append does not paper over the missing head file.
    store.audit("bob", "access.requested", "access:1", None)
    assert not head.exists() and store.verify_audit().problem == "head_mismatch"


@SQLITE_ONLY
def test_a_forged_run_anchor_is_found(store: GovernanceStore) -> None:
    with store.engine.begin() as c:
        c.execute(sa.text("update runs set audit_last_seq = 2, audit_count = 2 where id = 'run-4'"))
    check = store.verify_audit()
    assert (check.problem, check.anchor) == ("head_mismatch", "run run-4")


@SQLITE_ONLY
def test_verifying_never_mints_a_key(store: GovernanceStore, root: Path) -> None:
    (root / "secret.key").unlink()
    with pytest.raises(UsageError, match=r"secret\.key does not exist"):
        GovernanceStore(store.engine, root).verify_audit()
    assert not (root / "secret.key").exists()


def test_the_key_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANDMESH_SECRET_KEY", "k" * 40)
    meta = MetadataStore(f"sqlite:///{tmp_path / 'andmesh.db'}")
    GovernanceStore(meta.engine, tmp_path / "a").audit("alice", "vote", "proposal:1", None)
    assert not (tmp_path / "a" / "secret.key").exists()
    assert GovernanceStore(meta.engine, tmp_path / "a").verify_audit().intact
    monkeypatch.setenv("ANDMESH_SECRET_KEY", "x" * 40)  # another key: nothing verifies
    check = GovernanceStore(meta.engine, tmp_path / "a").verify_audit()
    assert not check.intact and check.first_bad == 1
    monkeypatch.setenv("ANDMESH_SECRET_KEY", "short")
    with pytest.raises(UsageError, match="too short"):
        GovernanceStore(meta.engine, tmp_path / "a").verify_audit()
    meta.engine.dispose()


def test_an_unreadable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    from andmesh.security.keys import workspace_key

    (tmp_path / "secret.key").mkdir()  # unreadable as a file, whoever runs the test (root too)
    with pytest.raises(UsageError, match="cannot read the workspace key") as caught:
        workspace_key(tmp_path, "audit")
    assert "ANDMESH_SECRET_KEY" in (caught.value.hint or "")


def test_the_key_is_created_once_and_never_overwritten(tmp_path: Path) -> None:
    from andmesh.security.keys import master_key, workspace_key

    first = master_key(tmp_path)
    assert len(first) == 32 and master_key(tmp_path) == first
    assert workspace_key(tmp_path, "audit") != workspace_key(tmp_path, "masking")
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]  # no temporary file left


# --- entries written before migration 0008 ---------------------------------------------------


def _legacy_store(url: str) -> None:
    """A store at revision 0006 with three entries chained the old, unkeyed way."""
    from alembic import command

    from andmesh.store.metadata import _alembic_config

    engine = sa.create_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    prev = GENESIS
    with engine.begin() as c:
        for i in range(1, 4):
            at = dt.datetime(2026, 11, 20, 12, i, tzinfo=dt.UTC)
            details = {"n": i}
            new = entry_hash(prev, at, "alice", "vote", f"proposal:{i}", details)
            c.execute(
                sa.text(
                    "insert into audit_log (at, actor, action, subject, details, prev_hash, hash) "
                    "values (:at, 'alice', 'vote', :subject, :details, :prev, :hash)"
                ),
                {
                    "at": at,
                    "subject": f"proposal:{i}",
                    "details": json.dumps(details),
                    "prev": prev,
                    "hash": new,
                },
            )
            prev = new
    engine.dispose()


def test_unkeyed_entries_are_numbered_then_sealed_under_the_key(blank_url: str, root: Path) -> None:
    _legacy_store(blank_url)
    meta = MetadataStore(blank_url)  # migrates to head: 0008 numbers the old entries
    governance = GovernanceStore(meta.engine, root)
    assert [(r.seq, r.scheme) for r in rows(governance)] == [(1, "sha256"), (2, "sha256"), (3, "sha256")]
    before = governance.verify_audit()
    assert before.intact and before.keyed_from is None and not (root / "secret.key").exists()
    governance.audit("bob", "access.requested", "access:1", None)
    entries = governance.audit_entries()
    assert [(e.seq, e.action, e.keyed) for e in entries] == [
        (1, "vote", False),
        (2, "vote", False),
        (3, "vote", False),
        (4, "audit.sealed", True),
        (5, "access.requested", True),
    ]
    assert entries[3].details["legacy_hashes"] == [e.hash for e in entries[:3]]  # type: ignore[index]
    check = governance.verify_audit()
    assert check.intact and check.keyed_from == 4, check.message
    # Rewriting an old entry and recomputing the old public chain no longer goes unseen.
    _recompute(governance, 2, None, upto=3)
    check = governance.verify_audit()
    assert (check.problem, check.first_bad) == ("altered", 2), check.message
    assert "differs from its seal in #4" in check.message
    meta.engine.dispose()


def test_the_audit_command_seals_reports_and_exits_1_on_tampering(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    url = f"sqlite:///{ws / 'andmesh.db'}"
    ws.mkdir()
    _legacy_store(url)
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(ws), "council", "audit"])
    assert result.exit_code == 0, result.output
    assert "hash chain intact: 4 entries, keyed from #4" in result.output  # sealed by the command
    meta = MetadataStore(url)
    tamper(GovernanceStore(meta.engine, ws), "delete from audit_log where seq = 2")
    result = runner.invoke(app, ["--workspace", str(ws), "council", "audit", "--json"])
    assert result.exit_code == 1
    check = json.loads(result.output)["verification"]
    assert (check["intact"], check["problem"], check["first_bad"]) == (False, "missing", 2)
    result = runner.invoke(app, ["--workspace", str(ws), "council", "audit"])
    assert result.exit_code == 1 and "entry #2 is missing" in result.output
    (ws / "secret.key").unlink()
    result = runner.invoke(app, ["--workspace", str(ws), "council", "audit"])
    assert result.exit_code == 2 and "does not exist" in result.output and "Traceback" not in result.output
    meta.engine.dispose()
