"""The hostile SQL corpus and its canary: one helper for every place user SQL runs."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

CORPUS_FILE = Path(__file__).with_name("hostile_sql.yaml")
CORPUS: list[dict[str, Any]] = yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))
IDS = [entry["id"] for entry in CORPUS]


@dataclass(frozen=True)
class Canary:
    """Files holding a unique marker, outside every bound input; nothing may ever show it."""

    dir: Path
    marker: str
    out: Path

    def render(self, sql: str, table: str) -> str:
        return sql.format(
            table=table,
            txt=self.dir / "canary.txt",
            csv=self.dir / "canary.csv",
            parquet=self.dir / "canary.parquet",
            json=self.dir / "canary.json",
            dir=self.dir,
            out=self.out,
        )

    def assert_absent(self, *texts: object, folders: tuple[Path, ...] = ()) -> None:
        """The marker is in none of ``texts`` and in no file under ``folders`` (Parquet read back)."""
        for text in texts:
            assert self.marker not in str(text), f"canary leaked: {str(text)[:300]}"
        for folder in folders:
            for file in (f for f in folder.rglob("*") if f.is_file()):
                assert self.marker.encode() not in file.read_bytes(), f"canary leaked into {file}"
                if file.suffix == ".parquet":
                    assert self.marker not in str(pq.read_table(file).to_pylist()), f"canary in {file}"
        assert not self.out.exists(), f"{self.out} was written"


def make_canary(root: Path) -> Canary:
    folder = root / "secret"
    folder.mkdir(parents=True)
    marker = f"CANARY-{uuid.uuid4().hex}"
    (folder / "canary.txt").write_text(f"{marker}\n", encoding="utf-8")
    (folder / "canary.csv").write_text(f"secret\n{marker}\n", encoding="utf-8")
    (folder / "canary.json").write_text(json.dumps({"secret": marker}) + "\n", encoding="utf-8")
    pq.write_table(pa.table({"secret": [marker]}), folder / "canary.parquet")
    return Canary(folder, marker, root / "out" / "leak.csv")


def queries(canary: Canary, table: str) -> list[tuple[str, str]]:
    """Every corpus entry as (id, SQL) for a place whose bound table is ``table``."""
    return [(entry["id"], canary.render(entry["sql"], table)) for entry in CORPUS]
