"""The audit chain's formulas and its verification, apart from any database or file.

Every entry has a sequence number (1, 2, 3… with no gap) and a MAC: HMAC-SHA256 under the
workspace's audit key over the entry's sequence number, the previous entry's MAC and the
entry's canonical JSON. The head of the chain (how many entries, the last one's number and
MAC) is kept outside the audit table and signed with the same key (:func:`head_mac`). Without
the key nobody can write an entry or a head that verifies, so editing, deleting, truncating or
rewriting-and-recomputing the log is found, and the first entry concerned is named.

Entries written before the log was keyed (migration 0008) carry the older public SHA-256 chain
(:func:`entry_hash`). The first keyed entry after them *seals* them: its details list their
hashes, under its MAC, so rewriting one of them later is found too and named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

GENESIS = "0" * 64
LEGACY = "sha256"
KEYED = "hmac-sha256"
SEAL_ACTION = "audit.sealed"


def _canonical(parts: list[Any]) -> bytes:
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str).encode()


def _utc(at: dt.datetime) -> str:
    # SQLite hands timezone-aware columns back naive; everything andmesh stores is UTC.
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat()


def entry_hash(prev_hash: str, at: dt.datetime, actor: str, action: str, subject: str, details: Any) -> str:
    """The unkeyed SHA-256 link of entries written before migration 0008 (anyone can recompute it).

    >>> at = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    >>> entry_hash(GENESIS, at, "alice", "vote", "proposal:1", {"decision": "approve"})[:12]
    'fae79a250dc7'
    """
    return hashlib.sha256(_canonical([prev_hash, _utc(at), actor, action, subject, details])).hexdigest()


def entry_mac(
    key: bytes, seq: int, prev: str, at: dt.datetime, actor: str, action: str, subject: str, details: Any
) -> str:
    """HMAC-SHA256 under the audit key over (seq, previous MAC, the entry's canonical JSON).

    >>> at = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    >>> mac = entry_mac(b"k" * 32, 1, GENESIS, at, "alice", "vote", "proposal:1", {"decision": "approve"})
    >>> mac != entry_mac(b"x" * 32, 1, GENESIS, at, "alice", "vote", "proposal:1", {"decision": "approve"})
    True
    >>> mac != entry_mac(b"k" * 32, 2, GENESIS, at, "alice", "vote", "proposal:1", {"decision": "approve"})
    True
    """
    payload = _canonical([seq, prev, _utc(at), actor, action, subject, details])
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


class AuditHead(BaseModel):
    """The head of the chain as an anchor records it."""

    count: int = Field(description="Entries in the log.")
    last_seq: int = Field(description="Sequence number of the last entry (0: empty log).")
    last_mac: str = Field(description="MAC (or, before keying, hash) of the last entry.")
    keyed_from: int | None = Field(
        default=None, description="Sequence number of the first keyed entry (entries before it are sealed)."
    )


def head_mac(key: bytes, scope: str, head: AuditHead) -> str:
    """The signature of an anchor; ``scope`` ("file", "run:<id>") stops copying one anchor to another."""
    payload = _canonical(["audit-head", scope, head.count, head.last_seq, head.last_mac, head.keyed_from])
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


class AuditProblem(StrEnum):
    altered = "altered"  # an entry's content, number or link does not match its MAC
    missing = "missing"  # a sequence number is absent from the middle of the log
    tail_deleted = "tail_deleted"  # an anchor recorded entries past the log's end
    head_mismatch = "head_mismatch"  # an anchor is unsigned, stale, missing or disagrees with the log


class AuditVerification(BaseModel):
    """What `andmesh council audit` found: the log intact, or the first thing wrong with it."""

    intact: bool
    entries: int = Field(description="Entries present in the audit table.")
    last_seq: int = Field(description="Sequence number of the last entry present (0: none).")
    keyed_from: int | None = Field(
        default=None, description="First keyed entry; earlier ones were written unkeyed and are sealed by it."
    )
    problem: AuditProblem | None = None
    first_bad: int | None = Field(
        default=None, description="Sequence number of the first missing or altered entry.", examples=[17]
    )
    anchor: str | None = Field(
        default=None, description="The anchor that disagrees, when the problem was found through one."
    )
    message: str = Field(
        examples=["entry #17 is missing", "hash chain intact: 42 entries, head anchored in 3 places"]
    )
    anchors: list[str] = Field(default_factory=list, description="The anchors the log was checked against.")


@dataclass(frozen=True)
class Row:
    """One audit entry as stored."""

    id: int
    seq: int | None
    at: dt.datetime
    actor: str
    action: str
    subject: str
    details: Any
    prev_hash: str
    hash: str
    scheme: str | None


@dataclass(frozen=True)
class Anchor:
    """A head recorded outside the audit table, and whether its signature held."""

    name: str
    head: AuditHead
    signed: bool


@dataclass
class _Found:
    problem: AuditProblem
    first_bad: int | None
    message: str
    anchor: str | None = None


def verify_chain(
    rows: Sequence[Row],
    key: bytes | None,
    anchors: Iterable[Anchor] = (),
    *,
    head_file: Anchor | None = None,
    head_file_name: str = "the head file",
) -> AuditVerification:
    """Check every entry against its MAC and the whole log against its anchors.

    ``head_file`` is None when the file does not exist; ``key`` may be None only if the log has
    no keyed entry and there is no anchor (an unkeyed legacy log that was never sealed).
    """
    anchors = list(anchors)
    hint = head_file.head.keyed_from if head_file is not None and head_file.signed else None
    seen = _Walk()
    found = _walk(sorted(rows, key=_order), key, hint, seen)
    macs, keyed_from = seen.macs, seen.keyed_from
    last_seq = max(macs, default=0)
    checked = ([head_file.name] if head_file is not None else []) + [a.name for a in anchors]
    if found is None:
        found = _against_anchors(macs, last_seq, keyed_from, anchors, head_file, head_file_name)
    common = {"entries": len(rows), "last_seq": last_seq, "keyed_from": keyed_from, "anchors": checked}
    if found is None:
        sealed = f", keyed from #{keyed_from}" if keyed_from and keyed_from > 1 else ""
        places = f"{len(checked)} place" + ("" if len(checked) == 1 else "s")
        return AuditVerification(
            intact=True,
            message=f"hash chain intact: {len(rows)} entries{sealed}, head anchored in {places}",
            **common,
        )
    return AuditVerification(
        intact=False,
        problem=found.problem,
        first_bad=found.first_bad,
        anchor=found.anchor,
        message=found.message,
        **common,
    )


def _order(row: Row) -> tuple[bool, int, int]:
    return (row.seq is None, row.seq or 0, row.id)


@dataclass
class _Walk:
    """What walking the chain learnt: every entry's MAC by number, where keying began."""

    macs: dict[int, str] = field(default_factory=dict)
    keyed_from: int | None = None


def _walk(rows: Sequence[Row], key: bytes | None, keyed_hint: int | None, seen: _Walk) -> _Found | None:
    """The first entry, in sequence order, that breaks the chain."""
    prev, expected = GENESIS, 1
    legacy: list[str] = []
    for row in rows:
        if row.seq is None:
            return _Found(AuditProblem.altered, None, f"entry id {row.id} has lost its sequence number")
        if row.seq > expected:
            span = f"#{expected}" if row.seq == expected + 1 else f"#{expected}–#{row.seq - 1}"
            verb = "is" if row.seq == expected + 1 else "are"
            return _Found(AuditProblem.missing, expected, f"entry {span} {verb} missing")
        if row.seq < expected:
            return _Found(AuditProblem.altered, row.seq, f"entry #{row.seq} appears twice")
        if row.scheme == KEYED:
            found = _keyed(row, key, prev, legacy, seen)
        else:
            found = _unkeyed(row, prev, seen.keyed_from or keyed_hint)
            legacy.append(row.hash)
        if found is not None:
            return found
        seen.macs[row.seq] = prev = row.hash
        expected += 1
    return None


def _keyed(row: Row, key: bytes | None, prev: str, legacy: list[str], seen: _Walk) -> _Found | None:
    if key is None:  # the caller loads the key whenever a keyed entry exists
        raise ValueError("a keyed audit entry needs the audit key")
    assert row.seq is not None
    first = seen.keyed_from is None
    seen.keyed_from = seen.keyed_from or row.seq
    # The entry against its own MAC first, its link to the previous one after: a valid seal can
    # then name which unkeyed entry was rewritten, even with their public chain recomputed.
    mac = entry_mac(key, row.seq, row.prev_hash, row.at, row.actor, row.action, row.subject, row.details)
    if row.hash != mac:
        why = " (or the workspace key is not the one that wrote the log)" if first else ""
        return _Found(AuditProblem.altered, row.seq, f"entry #{row.seq} was altered{why}")
    if first and legacy:
        sealed = _unsealed(row, legacy)
        if sealed is not None:
            return sealed
    if row.prev_hash != prev:
        message = f"entry #{row.seq} was altered: it is not chained to entry #{row.seq - 1}"
        return _Found(AuditProblem.altered, row.seq, message)
    return None


def _unkeyed(row: Row, prev: str, keyed_from: int | None) -> _Found | None:
    assert row.seq is not None
    if keyed_from is not None and row.seq >= keyed_from:
        message = f"entry #{row.seq} was altered: it is not keyed, but the log is keyed from #{keyed_from}"
        return _Found(AuditProblem.altered, row.seq, message)
    if row.prev_hash != prev or row.hash != entry_hash(
        prev, row.at, row.actor, row.action, row.subject, row.details
    ):
        return _Found(AuditProblem.altered, row.seq, f"entry #{row.seq} was altered")
    return None


def _unsealed(seal: Row, legacy: list[str]) -> _Found | None:
    """The first unkeyed entry that differs from what the seal recorded."""
    details = seal.details if isinstance(seal.details, dict) else {}
    recorded = details.get("legacy_hashes") if seal.action == SEAL_ACTION else None
    if not isinstance(recorded, list):
        return _Found(
            AuditProblem.altered,
            1,
            f"entries #1–#{len(legacy)} are unkeyed but entry #{seal.seq} does not seal them",
        )
    for seq, (now, then) in enumerate(zip(legacy, recorded, strict=False), start=1):
        if now != then:
            return _Found(
                AuditProblem.altered,
                seq,
                f"entry #{seq} was altered (it differs from its seal in #{seal.seq})",
            )
    if len(recorded) != len(legacy):
        first = min(len(recorded), len(legacy)) + 1
        return _Found(AuditProblem.missing, first, f"entry #{first} is missing (sealed in #{seal.seq})")
    return None


def _against_anchors(
    macs: dict[int, str],
    last_seq: int,
    keyed_from: int | None,
    anchors: list[Anchor],
    head_file: Anchor | None,
    head_file_name: str,
) -> _Found | None:
    every = ([head_file] if head_file is not None else []) + anchors
    for anchor in every:
        if not anchor.signed:
            return _Found(
                AuditProblem.head_mismatch,
                None,
                f"{anchor.name} is not signed by this workspace's audit key (forged, or the key changed)",
                anchor.name,
            )
    beyond = [a for a in every if a.head.last_seq > last_seq]
    if beyond:
        far = max(beyond, key=lambda a: a.head.last_seq)
        end = far.head.last_seq
        span = f"#{last_seq + 1}" if end == last_seq + 1 else f"#{last_seq + 1}–#{end}"
        verb = "is" if end == last_seq + 1 else "are"
        ends = f"the log ends at #{last_seq}" if last_seq else "the log is empty"
        return _Found(
            AuditProblem.tail_deleted,
            last_seq + 1,
            f"entry {span} {verb} missing: {ends}, but {far.name} recorded #{end}",
            far.name,
        )
    for anchor in every:
        seq = anchor.head.last_seq
        if (seq and macs.get(seq) != anchor.head.last_mac) or anchor.head.count != seq:
            return _Found(
                AuditProblem.head_mismatch,
                seq,
                f"{anchor.name} recorded entry #{seq} differently: the log was cut back and written again after it",
                anchor.name,
            )
    if head_file is None:
        if keyed_from is not None:
            return _Found(
                AuditProblem.head_mismatch,
                None,
                f"{head_file_name} is missing (it anchors the keyed log)",
                head_file_name,
            )
    elif head_file.head.last_seq < last_seq:
        return _Found(
            AuditProblem.head_mismatch,
            head_file.head.last_seq + 1,
            f"{head_file.name} ends at #{head_file.head.last_seq} but the log goes on to #{last_seq}: "
            "it was replaced by an older copy (or andmesh stopped between a write and its head update)",
            head_file.name,
        )
    return None
