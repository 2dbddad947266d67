"""The workspace secret: one master key outside the database, a derived key per purpose.

``ANDMESH_SECRET_KEY`` (hex or any text) wins; otherwise ``<workspace>/secret.key`` holds 32
random bytes, created on first use with mode 0600 and never overwritten.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from andmesh.errors import UsageError

KEY_FILE = "secret.key"


def master_key(root: Path) -> bytes:
    env = os.environ.get("ANDMESH_SECRET_KEY")
    if env:
        return env.encode()
    path = root / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise UsageError(f"cannot read the workspace key {path}: {exc.strerror}") from exc
    root.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def derive_key(master: bytes, purpose: str) -> bytes:
    """A key for one purpose, so the audit chain and masking never share a key.

    >>> derive_key(b"k", "masking") != derive_key(b"k", "audit")
    True
    """
    return hmac.new(master, b"andmesh/" + purpose.encode(), hashlib.sha256).digest()


def workspace_key(root: Path, purpose: str) -> bytes:
    return derive_key(master_key(root), purpose)
