"""Workspace files andmesh writes for itself and trusts only when they carry its signature.

The spec cache and the lineage memory keep what a re-run need not compute again in one JSON
file each: the first line is the HMAC-SHA256 of the body under a workspace key, the body holds
a ``stamp`` of the code and library versions it was computed with. A file that is missing,
forged, signed with another key, damaged or stamped by other code reads as None — the caller
starts afresh — and a file that cannot be written is no error: both are optimisations, never
a source of truth.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any


def code_stamp(form: int, packages: Iterable[str], files: Iterable[Path]) -> str:
    """What a file's contents depend on besides its inputs: a format, library versions, code files."""
    digest = hashlib.sha256(f"format {form}".encode())
    for name in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}={metadata.version(name)};".encode())
    for file in files:
        with contextlib.suppress(OSError):
            stat = file.stat()
            digest.update(f"{file.name}|{stat.st_size}|{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def _sign(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).hexdigest().encode()


def read_signed_json(file: Path, key: bytes, stamp: str) -> dict[str, Any] | None:
    """The body of ``file`` when its signature and stamp hold, else None.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "c.json"
    >>> write_signed_json(path, b"k" * 32, {"stamp": "s1", "n": 1})
    True
    >>> read_signed_json(path, b"k" * 32, "s1"), read_signed_json(path, b"x" * 32, "s1")
    ({'stamp': 's1', 'n': 1}, None)
    >>> read_signed_json(path, b"k" * 32, "s2") is None
    True
    """
    try:
        raw = file.read_bytes()
    except OSError:
        return None
    head, sep, body = raw.partition(b"\n")
    if not sep or not hmac.compare_digest(head, _sign(key, body)):
        return None  # corrupt, forged or signed with another key
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("stamp") != stamp:
        return None
    return data


def write_signed_json(file: Path, key: bytes, data: dict[str, Any]) -> bool:
    """Write ``data`` signed, atomically and owner-only; False when it could not be written."""
    body = json.dumps(data, separators=(",", ":")).encode()
    tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(tmp, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as handle:
            handle.write(_sign(key, body) + b"\n" + body)
        tmp.replace(file)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True
