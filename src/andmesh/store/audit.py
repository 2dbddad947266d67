"""The audit log in the metadata store: appended under a lock, keyed, anchored twice outside it.

- Appending takes the database's write lock first (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a
  self-exclusive table lock), so sequence numbers stay gapless and two writers never chain to
  the same previous entry.
- After the commit the new head is written to ``<workspace>/audit.head`` (atomically, under a
  file lock, only forwards), and :meth:`AuditLog.anchor_run` copies it into the run record.
- :meth:`AuditLog.verify` checks the chain against both (see :mod:`andmesh.store.audit_chain`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from andmesh.security.keys import workspace_key
from andmesh.store.audit_chain import (
    GENESIS,
    KEYED,
    SEAL_ACTION,
    Anchor,
    AuditHead,
    AuditVerification,
    Row,
    entry_mac,
    head_mac,
    verify_chain,
)
from andmesh.store.schema import audit_log, runs

HEAD_FILE = "audit.head"
KEY_PURPOSE = "audit"


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def begin_write(c: sa.Connection) -> None:
    """Take SQLite's write lock now, before the transaction reads anything it will decide on.

    pysqlite starts a transaction only at the first write, so reads before it see a state
    another writer may change before ours commits. PostgreSQL locks rows or tables instead.
    """
    if c.dialect.name == "sqlite":
        driver = c.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            c.exec_driver_sql("BEGIN IMMEDIATE")


class AuditWriter:
    """Appends entries inside one transaction of the caller's; the head is published after commit."""

    def __init__(self, log: AuditLog, connection: sa.Connection) -> None:
        self.log = log
        self.connection = connection
        self.before: AuditHead | None = None  # the head when this transaction first appended
        self.head: AuditHead | None = None

    def record(self, actor: str, action: str, subject: str, details: dict[str, Any] | None) -> None:
        self.open()
        self._append(actor, action, subject, details)

    def open(self) -> None:
        """Lock the log and read its head; seal unkeyed entries first if there are any."""
        if self.head is not None:
            return
        c = self.connection
        begin_write(c)
        if c.dialect.name == "postgresql":
            # Self-exclusive, yet readers go on: one appender at a time, in sequence order.
            c.exec_driver_sql("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
        self.before = self.head = self.log.head_in(c)
        if self.head.last_seq and self.head.keyed_from is None:
            self._append(*self.log.seal_entry(c))

    def _append(self, actor: str, action: str, subject: str, details: dict[str, Any] | None) -> None:
        assert self.head is not None
        seq, prev, at = self.head.last_seq + 1, self.head.last_mac, _now()
        mac = entry_mac(self.log.key(), seq, prev, at, actor, action, subject, details)
        self.connection.execute(
            audit_log.insert().values(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                details=details,
                prev_hash=prev,
                hash=mac,
                scheme=KEYED,
            )
        )
        self.head = AuditHead(
            count=self.head.count + 1, last_seq=seq, last_mac=mac, keyed_from=self.head.keyed_from or seq
        )


class AuditLog:
    """The audit log of one workspace: its key and head file under ``root``, its entries in ``engine``."""

    def __init__(self, engine: sa.Engine, root: Path) -> None:
        self.engine = engine
        self.root = root
        self._key: bytes | None = None

    @property
    def head_path(self) -> Path:
        return self.root / HEAD_FILE

    def key(self, *, create: bool = True) -> bytes:
        if self._key is None:
            self._key = workspace_key(self.root, KEY_PURPOSE, create=create)
        return self._key

    # --- writing ----------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[AuditWriter]:
        """One transaction that may append entries; the head file follows once it has committed."""
        with self.engine.begin() as c:
            begin_write(c)
            writer = AuditWriter(self, c)
            yield writer
        if writer.head is not None and writer.before is not None and writer.head != writer.before:
            self._publish(writer.before, writer.head)

    def head_in(self, c: sa.Connection) -> AuditHead:
        """The head as the table holds it (read under the append lock)."""
        # One statement (one round trip, under the append lock every writer waits for).
        keyed = sa.select(sa.func.min(audit_log.c.seq)).where(audit_log.c.scheme == KEYED).scalar_subquery()
        last = c.execute(
            sa.select(audit_log.c.seq, audit_log.c.hash, keyed.label("keyed_from"))
            .order_by(audit_log.c.seq.desc())
            .limit(1)
        ).first()
        if last is None:
            return AuditHead(count=0, last_seq=0, last_mac=GENESIS)
        return AuditHead(
            count=int(last.seq), last_seq=int(last.seq), last_mac=last.hash, keyed_from=last.keyed_from
        )

    def seal_entry(self, c: sa.Connection) -> tuple[str, str, str, dict[str, Any]]:
        """The entry that seals the unkeyed entries written before migration 0008 under the key."""
        hashes = list(c.execute(sa.select(audit_log.c.hash).order_by(audit_log.c.seq)).scalars())
        details = {
            "legacy_entries": len(hashes),
            "legacy_hashes": hashes,
            "why": "entries before this one were chained by unkeyed SHA-256; their hashes are now under the key",
        }
        return "andmesh", SEAL_ACTION, "audit_log", details

    def _publish(self, before: AuditHead, head: AuditHead) -> None:
        """Move the head file forward to ``head`` unless doing so would hide a problem."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / f"{HEAD_FILE}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.read_head_file()
            if current is None:
                if before.keyed_from is not None:
                    return  # a keyed log lost its head file: leave that for the verifier to report
            elif not current.signed:
                return  # forged or foreign: keep it as evidence
            elif current.head.last_seq >= head.last_seq:
                return  # a writer that committed after us got here first
            elif (current.head.last_seq, current.head.last_mac) != (
                before.last_seq,
                before.last_mac,
            ) and not self._holds(current.head):
                return  # the file disagrees with the log (cut back?): keep it as evidence
            self._write_head_file(head)

    def _holds(self, head: AuditHead) -> bool:
        """The log still has ``head``'s last entry, unchanged (so the file is merely behind)."""
        with self.engine.connect() as c:
            found = c.execute(sa.select(audit_log.c.hash).where(audit_log.c.seq == head.last_seq)).scalar()
        return found == head.last_mac

    def _write_head_file(self, head: AuditHead) -> None:
        body = head.model_dump() | {"mac": head_mac(self.key(), "file", head)}
        tmp = self.head_path.with_name(f".{HEAD_FILE}.{os.getpid()}")
        with tmp.open("w") as handle:
            handle.write(json.dumps(body, indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())  # a power cut leaves the old head or the new one, never an empty file
        os.replace(tmp, self.head_path)

    def read_head_file(self) -> Anchor | None:
        name = f"the head file {self.head_path}"
        try:
            body = json.loads(self.head_path.read_text())
            mac = body.pop("mac")
            head = AuditHead(**body)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError):
            return Anchor(name, AuditHead(count=0, last_seq=0, last_mac=GENESIS), signed=False)
        return Anchor(name, head, signed=mac == head_mac(self.key(create=False), "file", head))

    # --- run records ------------------------------------------------------------------------

    def anchor_run(self, run_id: str) -> AuditHead:
        """Record the current head in the run record ``run_id`` (signed with the run's id)."""
        with self.engine.begin() as c:
            # The run record has no column for keyed_from: the head file alone carries it.
            head = self.head_in(c).model_copy(update={"keyed_from": None})
            c.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(
                    audit_count=head.count,
                    audit_last_seq=head.last_seq,
                    audit_last_mac=head.last_mac,
                    audit_anchor_mac=head_mac(self.key(), f"run:{run_id}", head),
                )
            )
        return head

    def _run_anchors(self, c: sa.Connection, key: bytes) -> list[Anchor]:
        query = (
            sa.select(
                runs.c.id,
                runs.c.audit_count,
                runs.c.audit_last_seq,
                runs.c.audit_last_mac,
                runs.c.audit_anchor_mac,
            )
            .where(runs.c.audit_anchor_mac.is_not(None))
            .order_by(runs.c.started_at)
        )
        found = []
        for r in c.execute(query):
            head = AuditHead(
                count=r.audit_count or 0, last_seq=r.audit_last_seq or 0, last_mac=r.audit_last_mac or ""
            )
            signed = r.audit_anchor_mac == head_mac(key, f"run:{r.id}", head)
            found.append(Anchor(f"run {r.id}", head, signed))
        return found

    # --- verifying --------------------------------------------------------------------------

    def verify(self) -> AuditVerification:
        """The whole log against its MACs, the head file and every anchored run record."""
        with self.engine.connect() as c:
            rows = [
                Row(
                    id=r.id,
                    seq=r.seq,
                    at=_aware(r.at),
                    actor=r.actor,
                    action=r.action,
                    subject=r.subject,
                    details=r.details,
                    prev_hash=r.prev_hash,
                    hash=r.hash,
                    scheme=r.scheme,
                )
                for r in c.execute(sa.select(audit_log))
            ]
            anchored = c.execute(
                sa.select(sa.func.count()).where(runs.c.audit_anchor_mac.is_not(None))
            ).scalar()
            needs_key = anchored or self.head_path.exists() or any(r.scheme == KEYED for r in rows)
            key = self.key(create=False) if needs_key else None
            anchors = self._run_anchors(c, key) if key is not None else []
        head_file = self.read_head_file() if key is not None else None
        return verify_chain(
            rows, key, anchors, head_file=head_file, head_file_name=f"the head file {self.head_path}"
        )

    def seal(self) -> None:
        """Seal unkeyed entries now rather than at the next append (a no-op on a keyed or empty log)."""
        with self.engine.connect() as c:
            head = self.head_in(c)
        if head.last_seq and head.keyed_from is None:
            with self.writing() as w:
                w.open()
