"""The workspace secret: one master key kept outside the metadata store, one derived key per purpose.

``ANDMESH_SECRET_KEY`` wins when set (any text of at least 32 characters, e.g. the output of
``python -c "import secrets; print(secrets.token_hex(32))"``); every host that shares a store
must then share it. Otherwise ``<workspace>/secret.key`` holds 32 random bytes, created on
first use with mode 0600 and never overwritten. The audit chain and value masking each get
their own key from :func:`workspace_key`, so knowing one never reveals the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from andmesh.errors import UsageError

KEY_FILE = "secret.key"
ENV = "ANDMESH_SECRET_KEY"
KEY_BYTES = 32


def master_key(root: Path, *, create: bool = True) -> bytes:
    """The workspace's master secret: ``ANDMESH_SECRET_KEY``, else ``<root>/secret.key``.

    With ``create=False`` a missing key is an error instead of a new key: a verifier must
    never mint the key it is about to check against.
    """
    env = os.environ.get(ENV)
    if env:
        if len(env) < KEY_BYTES:
            raise UsageError(
                f"{ENV} is {len(env)} characters long: too short for a key",
                hint=f"use at least {KEY_BYTES} random characters, e.g. `python -c "
                '"import secrets; print(secrets.token_hex(32))"`',
            )
        return env.encode()
    path = root / KEY_FILE
    key = _read(path)
    if key is not None:
        return key
    if not create:
        raise UsageError(
            f"the workspace key {path} does not exist (and {ENV} is not set)",
            hint=f"restore {path} from your backup or set {ENV}; without the key nothing keyed can be verified",
        )
    return _create(path)


def derive_key(master: bytes, purpose: str) -> bytes:
    """A key for one purpose (HMAC-SHA256 of the purpose under the master key).

    >>> derive_key(b"k" * 32, "audit") != derive_key(b"k" * 32, "masking")
    True
    >>> derive_key(b"k" * 32, "audit").hex()[:16]
    'cf194df306d2f563'
    """
    return hmac.new(master, b"andmesh/" + purpose.encode(), hashlib.sha256).digest()


def workspace_key(root: Path, purpose: str, *, create: bool = True) -> bytes:
    """The key for ``purpose`` ("audit", "masking"…) in the workspace at ``root``."""
    return derive_key(master_key(root, create=create), purpose)


def _read(path: Path) -> bytes | None:
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(
            f"cannot read the workspace key {path}: {exc.strerror}",
            hint=f"run andmesh as the user who owns {path} (mode 0600), or set {ENV}",
        ) from exc
    if len(key) < KEY_BYTES:
        raise UsageError(
            f"the workspace key {path} is {len(key)} bytes long, expected {KEY_BYTES}",
            hint="restore it from your backup; a new key would make everything keyed so far unverifiable",
        )
    return key


def _create(path: Path) -> bytes:
    # Written whole under a temporary name, then linked into place: link() fails when the
    # name exists, so two processes racing to create the key agree on one, and nobody ever
    # reads a half-written key or overwrites an existing one.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    key = _read(path)
    assert key is not None
    return key
