"""The content of source files, hashed once and remembered by (path, size, mtime, inode).

A product's fingerprint covers what its sources hold, not where they are (issue 14): the
same files under another data folder leave the mesh up to date. Reading every byte on
every run would make a no-op run as slow as the data is large, so a file's SHA-256 is kept
in the metadata store with the size, modification time (ns) and inode it had when hashed;
while all four are unchanged, the file is taken to be unchanged. (A tool that rewrites a
file in place keeping its size and restoring its mtime defeats this, as it does make and
rsync; `andmesh run --force` rebuilds regardless.)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from typing import Protocol


class DigestMemory(Protocol):
    """Where digests are remembered (the metadata store)."""

    def file_digests(self, paths: Iterable[str]) -> dict[str, tuple[int, int, int, str]]: ...

    def remember_file_digests(self, digests: dict[str, tuple[int, int, int, str]]) -> None: ...


def file_sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class ContentDigests:
    """SHA-256 of files, read from the memory when their stat is unchanged, hashed otherwise."""

    def __init__(self, memory: DigestMemory | None) -> None:
        self.memory = memory
        self._known: dict[str, tuple[int, int, int, str]] = {}
        self.hashed = 0  # files read in full by this instance (for tests and benchmarks)

    def of(self, paths: list[str]) -> dict[str, str]:
        stats = {path: _stat(path) for path in paths}
        missing = [p for p in paths if p not in self._known]
        if missing and self.memory is not None:
            self._known.update(self.memory.file_digests(missing))
        fresh: dict[str, tuple[int, int, int, str]] = {}
        result: dict[str, str] = {}
        for path in paths:
            known = self._known.get(path)
            if known is not None and known[:3] == stats[path]:
                result[path] = known[3]
                continue
            digest = file_sha256(path)
            after = _stat(path)
            self.hashed += 1
            result[path] = digest
            if after == stats[path]:  # a file written while being read is not remembered
                fresh[path] = (*after, digest)
        if fresh:
            self._known.update(fresh)
            if self.memory is not None:
                self.memory.remember_file_digests(fresh)
        return result


def _stat(path: str) -> tuple[int, int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns, stat.st_ino
