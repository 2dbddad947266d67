"""Writing a dataset as part files, visible only once complete.

Everything goes to a hidden sibling folder (``.<name>.generating-<pid>``) that is
renamed into place at the end; if anything fails, the sibling is removed and the
target is left as it was. One part file per chunk per table: Parquet, or CSV with a
header for the tables the contract says are CSV.

Part files are written on a background thread (Arrow releases the GIL while encoding
and compressing), so one chunk is written while the next is generated. At most one
chunk waits to be written, which bounds memory at about two chunks.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from ruamel.yaml import YAML

from andmesh.generate.errors import OutputExistsError
from andmesh.generate.schema import TABLES


def check_target(out: Path, overwrite: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder without ``overwrite``."""
    if out.exists() and not out.is_dir():
        raise OutputExistsError(out)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(out)


class DatasetWriter:
    """Collects part files in a staging folder; :meth:`commit` moves them into place."""

    def __init__(self, out: Path, overwrite: bool) -> None:
        self.out = out
        self.overwrite = overwrite
        check_target(out, overwrite)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.staging = out.parent / f".{out.name}.generating-{os.getpid()}"
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir()
        self.parts: dict[str, int] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="andmesh-writer")
        self._pending: list[Future[None]] = []

    def write_part(self, key: str, table: pa.Table, part: int) -> None:
        """Queue ``table`` to be written as part number ``part`` of table ``key``."""
        spec = TABLES[key]
        if table.schema != spec.schema:
            raise TypeError(f"{key}: schema {table.schema} does not match the contract {spec.schema}")
        folder = self.staging / key
        folder.mkdir(parents=True, exist_ok=True)
        self.parts[key] = self.parts.get(key, 0) + 1
        if spec.format == "csv":
            path = folder / f"part-{part:05d}.csv"
            self._pending.append(self._pool.submit(pcsv.write_csv, table, path))
        else:
            path = folder / f"part-{part:05d}.parquet"
            self._pending.append(self._pool.submit(pq.write_table, table, path, compression="zstd"))

    def flush(self) -> None:
        """Wait until every queued part is written (re-raising a failed write)."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def write_yaml(self, relative: str, data: Any) -> None:
        """Write ``data`` as YAML at ``relative`` inside the dataset."""
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        yaml = YAML()  # round-trip dumper: keeps key order, block style
        with path.open("w", encoding="utf-8") as handle:
            yaml.dump(data, handle)

    def commit(self) -> None:
        """Move the staged dataset to ``out`` (replacing it when ``overwrite``)."""
        self.flush()
        self._pool.shutdown()
        check_target(self.out, self.overwrite)
        if self.out.exists():
            old = self.out.parent / f".{self.out.name}.replaced-{os.getpid()}"
            self.out.rename(old)
            self.staging.rename(self.out)
            shutil.rmtree(old)
        else:
            self.staging.rename(self.out)

    def abort(self) -> None:
        """Stop writing and remove the staging folder (the target is untouched)."""
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)
        self._pending = []
        shutil.rmtree(self.staging, ignore_errors=True)
