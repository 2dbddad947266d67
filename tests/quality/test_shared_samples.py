"""Failed row-level checks take their samples from one shared scan, and show the same rows.

`andmesh test` on a dirty table used to read the whole table once per failed check to find
five failing rows each; checks failing on few rows now share one query. The samples must
be those each check's own query finds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from andmesh.engine.duckdb import DuckDBEngine
from andmesh.quality import checks
from andmesh.quality.standalone import check_files

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: samples
version: 1.0.0
status: active
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true, primaryKey: true}
      - {name: email, logicalType: string, classification: pii, logicalTypeOptions: {pattern: '^[a-z]+@[a-z]+[.][a-z]+$'}}
      - {name: amount, logicalType: number, logicalTypeOptions: {minimum: 0, maximum: 100}}
      - {name: status, logicalType: string, quality: [{metric: invalidValues, arguments: {validValues: [open, paid]}, mustBe: 0}]}
      - {name: note, logicalType: string, required: true}
"""


class CountingEngine(DuckDBEngine):
    """DuckDB, counting the queries that read rows back."""

    def __init__(self) -> None:
        super().__init__(threads=1)
        self.fetches = 0

    def session(self) -> Any:
        session = super().session()
        fetch = session.fetch

        def counted(query: str) -> list[dict[str, Any]]:
            self.fetches += 1
            return fetch(query)

        session.fetch = counted  # type: ignore[method-assign]
        return session


@pytest.fixture
def dirty(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "contract.yaml").write_text(CONTRACT)
    data = tmp_path / "t.parquet"
    # 3,000 rows: a few bad emails, amounts and statuses spread out; `note` missing on every
    # second row (1,500 failures: more than the shared scan takes, so it keeps its own query).
    duckdb.execute(
        f"""COPY (SELECT i AS id,
                   CASE WHEN i % 997 = 5 THEN 'Not An Email' ELSE 'a@b.example' END AS email,
                   CASE WHEN i % 701 = 3 THEN -1.5 WHEN i % 1301 = 7 THEN 250.0 ELSE 10.0 END AS amount,
                   CASE WHEN i % 499 = 11 THEN 'lost' ELSE 'open' END AS status,
                   CASE WHEN i % 2 = 0 THEN NULL ELSE 'n' END AS note
            FROM range(3000) r(i)) TO '{data}' (FORMAT parquet)"""
    )
    return tmp_path / "contract.yaml", data


def _samples(engine: DuckDBEngine, contract: Path, data: Path) -> dict[str, list[dict[str, Any]]]:
    run = check_files(engine, contract, [str(data)])
    # Masked values differ between runs (a one-off key without a workspace): compared as masked.
    return {
        c.id: sorted(
            (
                {k: "masked" if str(v).startswith("masked:") else v for k, v in row.items()}
                for row in c.samples
            ),
            key=repr,
        )
        for r in run.runs
        for c in r.checks
        if c.status.value == "failed" and c.samples
    }


def test_shared_samples_are_those_of_each_checks_own_query(
    dirty: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    contract, data = dirty
    shared_engine = CountingEngine()
    shared = _samples(shared_engine, contract, data)
    monkeypatch.setattr(checks, "SHARED_SAMPLE_ROWS", -1)  # every check its own query, as before
    alone_engine = CountingEngine()
    alone = _samples(alone_engine, contract, data)
    assert set(shared) == {
        "t.email.pattern",
        "t.amount.minimum",
        "t.amount.maximum",
        "t.status.quality[0].invalidValues",
        "t.note.required",
    }
    # Samples of checks failing on few rows are every failing row (up to 5): the same sets.
    for check_id in shared:
        if check_id != "t.note.required":
            assert shared[check_id] == alone[check_id], check_id
    assert len(shared["t.note.required"]) == 5
    assert all(row["note"] is None for row in shared["t.note.required"])
    assert all(row["email"] == "masked" for row in shared["t.email.pattern"])
    assert sorted(row["id"] for row in shared["t.amount.maximum"]) == [7, 1308, 2609]
    # Each of these four has a query of its own either way: a comparison or a list alone is
    # pushed into the Parquet scan (only null tests share one scan, see below).
    assert alone_engine.fetches == shared_engine.fetches


NULLS = """\
apiVersion: v3.1.0
kind: DataContract
id: nulls
version: 1.0.0
status: active
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, primaryKey: true}
      - {name: a, logicalType: integer, required: true}
      - {name: b, logicalType: string, required: true}
      - {name: c, logicalType: number, required: true}
"""


def test_null_tests_share_one_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three `required` columns with a few nulls each: one query finds the samples of all three,
    the same rows their own queries find."""
    (tmp_path / "contract.yaml").write_text(NULLS)
    data = tmp_path / "t.parquet"
    duckdb.execute(
        f"""COPY (SELECT i AS id, CASE WHEN i % 401 = 1 THEN NULL ELSE i END AS a,
                   CASE WHEN i % 307 = 2 THEN NULL ELSE 'x' END AS b,
                   CASE WHEN i % 997 = 3 THEN NULL ELSE 1.5 END AS c
            FROM range(3000) r(i)) TO '{data}' (FORMAT parquet)"""
    )
    shared_engine = CountingEngine()
    shared = _samples(shared_engine, tmp_path / "contract.yaml", data)
    monkeypatch.setattr(checks, "SHARED_SAMPLE_ROWS", -1)
    alone_engine = CountingEngine()
    alone = _samples(alone_engine, tmp_path / "contract.yaml", data)
    assert set(shared) == {"t.a.required", "t.b.required", "t.c.required"}
    assert sorted(row["id"] for row in shared["t.c.required"]) == [3, 1000, 1997, 2994]
    assert shared == {k: alone[k] for k in shared}
    assert alone_engine.fetches - shared_engine.fetches == 2


def test_shared_samples_are_the_first_failing_rows_by_key(tmp_path: Path) -> None:
    """Eight rows fail, stored in descending key order across row groups read by two threads:
    the five shown are always the five smallest keys, whatever order the scan returns them in."""
    (tmp_path / "contract.yaml").write_text(CONTRACT)
    data = tmp_path / "t.parquet"
    duckdb.execute(
        f"""COPY (SELECT 20000 - i AS id, 'a@b.example' AS email,
                   CASE WHEN i % 2500 = 1 THEN -1.0 ELSE 10.0 END AS amount,
                   CASE WHEN i % 2500 = 2 THEN 'lost' ELSE 'open' END AS status, 'n' AS note
            FROM range(20000) r(i)) TO '{data}' (FORMAT parquet, ROW_GROUP_SIZE 2048)"""
    )
    engine = DuckDBEngine(threads=2)
    seen = [_samples(engine, tmp_path / "contract.yaml", data) for _ in range(3)]
    assert seen[0] == seen[1] == seen[2]
    # Failing ids: 20000 - i for i = 1, 2501, …, 17501 (amount) and 2, 2502, … (status).
    assert sorted(row["id"] for row in seen[0]["t.amount.minimum"]) == [2499, 4999, 7499, 9999, 12499]
    assert sorted(row["id"] for row in seen[0]["t.status.quality[0].invalidValues"]) == [
        2498,
        4998,
        7498,
        9998,
        12498,
    ]
