"""One clear error for the faults of the disk under a workspace: full, or not writable.

A full disk shows up in many shapes: ``OSError`` ENOSPC/EFBIG/EDQUOT from Python and
pyarrow, SQLite's "database or disk is full", DuckDB's "No space left on device". They
all become :class:`~andmesh.errors.DiskFull`; a write refused by a read-only SQLite file
becomes :class:`~andmesh.errors.ReadOnlyWorkspace`.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from andmesh.errors import AndmeshError, DiskFull, ReadOnlyWorkspace

_FULL_CODES = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_FULL_TEXTS = (*(os.strerror(code).lower() for code in _FULL_CODES), "database or disk is full")
_READ_ONLY_TEXTS = ("attempt to write a readonly database", "read-only file system")
# SQLite reports a full disk met while growing its shared-memory file only as an I/O error.
_VAGUE_TEXTS = ("disk i/o error",)
_NEARLY_FULL = 1 << 20


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _nearly_full(disk: Path | None) -> bool:
    while disk is not None and not disk.exists() and disk != disk.parent:
        disk = disk.parent
    try:
        return disk is not None and shutil.disk_usage(disk).free < _NEARLY_FULL
    except OSError:
        return False


def is_disk_full(exc: BaseException, disk: Path | None = None) -> bool:
    """Whether ``exc`` (or what caused it) is a write that failed for lack of space.

    A vague I/O error counts when the disk holding ``disk`` has (almost) no space left.
    """
    for link in _chain(exc):
        if isinstance(link, OSError) and link.errno in _FULL_CODES:
            return True
        text = str(link).lower()
        if any(t in text for t in _FULL_TEXTS):
            return True
        if any(t in text for t in _VAGUE_TEXTS) and _nearly_full(disk):
            return True
    return False


def disk_full(exc: BaseException, where: str) -> DiskFull:
    reason = next(
        (os.strerror(link.errno) for link in _chain(exc) if isinstance(link, OSError) and link.errno),
        "no space left",
    )
    return DiskFull(
        f"the disk is full ({reason}) while writing {where}: andmesh stopped; nothing was half-written "
        "and every output port keeps the version it had",
        hint="free space on the disk that holds the workspace (or raise the quota / file size limit) "
        "and re-run; `andmesh doctor` checks the workspace",
    )


def translate(exc: BaseException, where: str, disk: Path | None = None) -> AndmeshError | None:
    """The andmesh error a low-level write failure stands for, or None if it is something else."""
    if isinstance(exc, (DiskFull, ReadOnlyWorkspace)):
        return exc
    if is_disk_full(exc, disk):
        return disk_full(exc, where)
    if any(any(text in str(link).lower() for text in _READ_ONLY_TEXTS) for link in _chain(exc)):
        return ReadOnlyWorkspace(
            f"{where} is read-only: this command writes and cannot run here",
            hint="run it on a writable copy of the workspace, or with a user who may write it",
        )
    return None


def guard_engine(engine: sa.Engine, where: str, disk: Path | None = None) -> None:
    """Raise andmesh's errors for a full disk or a read-only database on ``engine``."""

    def handle(context: Any) -> None:
        replacement = translate(context.original_exception, where, disk)
        if replacement is not None:
            raise replacement from context.original_exception

    sa.event.listen(engine, "handle_error", handle)
