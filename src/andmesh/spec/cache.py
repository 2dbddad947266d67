"""A workspace's memory of spec files it has already parsed and validated.

Loading the reference mesh spends most of its time in the YAML parser (ruamel keeps every
comment and position) and in the ODCS JSON Schema; a re-run on unchanged specs did all of
it again. This cache keeps, per file content (SHA-256 of the bytes), the plain data and the
position index the parser produced, whether validation found nothing to say about the file,
and which SQL pipelines passed the guard with the inputs they were checked against (with the
guard's output, the SQL the build runs, so a re-run's build does not parse the query again).

It is an optimisation, never a source of truth:

- an entry is found by the content's hash, so an edited file is simply a miss;
- the whole file is stamped with andmesh's version and the size and modification time of the
  code that parses and validates specs, so an upgrade or an edited validator empties it;
- the file is signed with a workspace key (HMAC-SHA256); a file that fails the signature,
  does not parse, or has the wrong shape is ignored as if absent (and rewritten);
- only clean verdicts are remembered: a file or query with problems is validated in full
  every time, so lint's messages, with their file:line, are exactly those of a cold load.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from andmesh.security import signed_file
from andmesh.spec.yamlsource import PathKey, YamlDocument

FORMAT = 1
# Bounds what a workspace keeps: the reference meshes have ~80 spec files and ~20 queries.
MAX_ENTRIES = 4096
_SIGNATURE = "signature"


@cache
def code_stamp() -> str:
    """What the cached verdicts depend on besides the files: andmesh's spec code and libraries."""
    here = Path(__file__).resolve().parent
    code = sorted(here.glob("*.py"))
    with contextlib.suppress(ImportError, OSError):
        import open_data_contract_standard

        package = Path(open_data_contract_standard.__file__).parent
        code += [package / "schema.json", package / "model.py"]
    packages = ("andmesh", "open-data-contract-standard", "pydantic", "jsonschema", "ruamel.yaml", "sqlglot")
    return signed_file.code_stamp(FORMAT, packages, code)


def content_key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def text_key(*parts: str) -> str:
    """A key for a verdict that depends on several texts (query, inputs, dialect)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


class SpecCache:
    """Parsed spec documents and clean verdicts, kept in one signed JSON file."""

    def __init__(self, file: Path | None, key: bytes) -> None:
        self.file = file
        self._key = key
        self._docs: dict[str, dict[str, Any]] = {}
        self._verdicts: set[str] = set()
        self._sql: dict[str, str] = {}  # verdict → the SQL the guard made of the query
        self._used: set[str] = set()
        self._dirty = False
        if file is not None:
            self._load(file)

    # --- reading the file -------------------------------------------------------------

    def _load(self, file: Path) -> None:
        data = signed_file.read_signed_json(file, self._key, code_stamp())
        if data is None:
            return
        docs, verdicts = data.get("docs"), data.get("verdicts")
        if isinstance(docs, dict) and isinstance(verdicts, list):
            self._docs = {k: v for k, v in docs.items() if isinstance(v, dict)}
            self._verdicts = {v for v in verdicts if isinstance(v, str)}
            sql = data.get("sql")
            if isinstance(sql, dict):
                self._sql = {k: v for k, v in sql.items() if isinstance(v, str) and k in self._verdicts}

    # --- documents --------------------------------------------------------------------

    def document(self, key: str, file: Path) -> tuple[YamlDocument, bool] | None:
        """The document parsed from content ``key`` (now read from ``file``), and whether it validated clean."""
        entry = self._docs.get(key)
        if entry is None:
            return None
        try:
            positions: dict[PathKey, tuple[int, int]] = {
                tuple(path): (int(line), int(column)) for path, line, column in entry["positions"]
            }
            doc = YamlDocument(file=file, data=entry["data"], positions=positions)
            clean = entry["clean"] is True
        except (KeyError, TypeError, ValueError):
            return None
        self._used.add(key)
        return doc, clean

    def remember(self, key: str, doc: YamlDocument, clean: bool) -> None:
        entry = {
            "data": doc.data,
            "positions": [[list(path), line, column] for path, (line, column) in doc.positions.items()],
            "clean": clean,
        }
        try:
            # Only what survives JSON unchanged is kept (a custom tag's object is not).
            if json.loads(json.dumps(entry)) != entry:
                return
        except (TypeError, ValueError):
            return
        self._docs[key] = entry
        self._used.add(key)
        self._dirty = True

    # --- verdicts on SQL and other checks ----------------------------------------------

    def passed(self, key: str) -> bool:
        if key in self._verdicts:
            self._used.add(key)
            return True
        return False

    def passed_sql(self, key: str) -> str | None:
        """The guarded SQL remembered with the verdict ``key`` (None: none was)."""
        return self._sql.get(key) if key in self._verdicts else None

    def mark_passed(self, key: str, sql: str | None = None) -> None:
        if key not in self._verdicts or (sql is not None and self._sql.get(key) != sql):
            self._verdicts.add(key)
            if sql is not None:
                self._sql[key] = sql
            self._dirty = True
        self._used.add(key)

    # --- writing ----------------------------------------------------------------------

    def save(self) -> None:
        """Write the cache if it learnt something; a failure to write is not an error."""
        if self.file is None or not self._dirty:
            return
        docs = self._docs
        verdicts = self._verdicts
        if len(docs) + len(verdicts) > MAX_ENTRIES:  # keep what this load used
            docs = {k: v for k, v in docs.items() if k in self._used}
            verdicts = {v for v in verdicts if v in self._used}
        sql = {k: v for k, v in self._sql.items() if k in verdicts}
        signed_file.write_signed_json(
            self.file,
            self._key,
            {"stamp": code_stamp(), "docs": docs, "verdicts": sorted(verdicts), "sql": sql},
        )
        self._dirty = False
