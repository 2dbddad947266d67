"""The engine boundary on its own: a sealed DuckDB session, the guard bypassed."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.engine.duckdb import DuckDBSession
from andmesh.errors import EngineError
from tests.security.hostile import CORPUS, make_canary, queries

# What the engine must refuse by itself: every query that opens a file by name.
READS_FILES = {
    entry["id"]
    for entry in CORPUS
    if any(token in entry["sql"] for token in ("{txt}", "{csv}", "{parquet}", "{json}", "{dir}", "http"))
    and not entry.get("harmless_on_engine")
}


@pytest.fixture
def bound(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(pa.table({"x": [1, 2]}), data / "t.parquet")
    return data / "t.parquet"


def test_a_sealed_session_reads_its_inputs_and_nothing_else(tmp_path: Path, bound: Path) -> None:
    canary = make_canary(tmp_path)
    stage = tmp_path / "stage"
    outcomes: dict[str, str] = {}
    for query_id, sql in queries(canary, "t"):
        session = DuckDBSession()
        try:
            session.register("t", [str(bound)], "parquet")
            session.seal(stage / query_id)
            try:
                files = session.write_parquet(session.sql(sql, "duckdb"), stage / query_id)
            except Exception as exc:
                outcomes[query_id] = "failed"
                canary.assert_absent(exc)
                continue
            outcomes[query_id] = "ran"
            canary.assert_absent(pq.read_table(files[0]).to_pylist())
        finally:
            session.close()
    canary.assert_absent(folders=(stage,))
    assert READS_FILES and all(outcomes[q] == "failed" for q in READS_FILES), {
        q: outcomes[q] for q in READS_FILES if outcomes[q] != "failed"
    }


def test_the_seal_cannot_be_undone_and_nothing_can_be_bound_after_it(tmp_path: Path, bound: Path) -> None:
    canary = make_canary(tmp_path)
    session = DuckDBSession()
    try:
        session.register("t", [str(bound)], "parquet")
        session.seal()
        raw = session.con.con
        for statement in (
            "SET enable_external_access = true",
            "SET allowed_directories = ['/']",
            "SET lock_configuration = false",
            "RESET lock_configuration",
            "SET python_enable_replacements = true",
        ):
            with pytest.raises(Exception, match=r"locked|lock_configuration|Cannot"):
                raw.execute(statement)
        with pytest.raises(Exception, match=r"Permission|disabled"):
            raw.execute(f"select * from read_text('{canary.dir / 'canary.txt'}')")
        with pytest.raises(Exception, match=r"Permission|disabled"):
            raw.execute("LOAD httpfs")
        with pytest.raises(EngineError, match="sealed"):
            session.register("u", [str(canary.dir / "canary.parquet")], "parquet")
        with pytest.raises(EngineError, match="sealed without it"):
            session.write_parquet(session.sql("select * from t", "duckdb"), tmp_path / "elsewhere")
        assert session.to_arrow(session.sql("select sum(x) as s from t", "duckdb")).to_pylist() == [{"s": 3}]
    finally:
        session.close()
    canary.assert_absent(folders=(tmp_path / "elsewhere",) if (tmp_path / "elsewhere").exists() else ())


def test_python_objects_are_not_scanned_by_name(bound: Path) -> None:
    leaked = pa.table({"secret": ["in-process data"]})  # noqa: F841 - a name DuckDB would find
    session = DuckDBSession()
    try:
        session.register("t", [str(bound)], "parquet")
        session.seal()
        with pytest.raises(Exception, match="leaked"):
            session.to_arrow(session.sql("select * from leaked", "duckdb"))
    finally:
        session.close()


def test_the_spill_folder_is_private_and_removed(bound: Path) -> None:
    session = DuckDBSession()
    spill = session._spill
    session.register("t", [str(bound)], "parquet")
    session.seal()
    setting = session.con.con.execute("select current_setting('temp_directory')").fetchone()
    assert setting is not None and Path(setting[0]) == spill and spill.name.startswith("andmesh-duckdb-")
    session.close()
    assert not spill.exists()
