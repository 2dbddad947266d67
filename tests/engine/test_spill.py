"""Every DuckDB database spills into a folder of its own, gone when it closes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from andmesh.engine.config import EngineConfig
from andmesh.engine.duckdb import DuckDBSession

BIG = "CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(600000)"
READ = "SELECT count(DISTINCT s), sum(i) FROM t"


def connect(env: dict[str, str]) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config=dict(EngineConfig.from_env(env).duckdb()))


def test_two_databases_spilling_at_once_keep_their_own_files(tmp_path: Path) -> None:
    env = {"ANDMESH_MEMORY_LIMIT": "20MB", "ANDMESH_TEMP_DIRECTORY": str(tmp_path), "ANDMESH_THREADS": "1"}
    first, second = connect(env), connect(env)
    for con in (first, second):
        con.execute(BIG)  # larger than the budget: its blocks go to the spill folder
    folders = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert len(folders) == 2 and all(any(f.iterdir()) for f in folders)
    first.close()  # deletes its own temporary files, and its folder
    assert second.execute(READ).fetchone() == (600000, 599999 * 600000 // 2)
    second.close()
    assert list(tmp_path.iterdir()) == []


def test_the_default_spill_folder_is_private_under_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDMESH_TEMP_DIRECTORY", raising=False)
    one = EngineConfig(memory_limit="1GB").duckdb()["temp_directory"]
    two = EngineConfig(memory_limit="1GB").duckdb()["temp_directory"]
    assert one != two and Path(str(one)).parent == Path(str(two)).parent
    assert Path(str(one)).parent.name == "andmesh-spill" and not Path(str(one)).exists()


def test_a_session_leaves_no_spill_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANDMESH_TEMP_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("ANDMESH_MEMORY_LIMIT", "20MB")
    session = DuckDBSession(threads=1)
    session.seal()  # sealed: DuckDB still makes (and removes) its own spill folder
    session.raw.execute(BIG)
    assert session.raw.execute(READ).fetchone() == (600000, 599999 * 600000 // 2)
    session.close()
    assert list(tmp_path.iterdir()) == []
