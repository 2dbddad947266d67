"""A run's engine sessions, opened ahead and closed on a helper thread."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from andmesh.engine.duckdb import DuckDBEngine, DuckDBSession
from andmesh.pipeline.sessions import SessionPool


def test_sessions_opened_ahead_are_fresh_and_closed_once_handed_back(tmp_path: Path) -> None:
    pool = SessionPool(DuckDBEngine(threads=1))
    first = pool.take()
    pool.open_ahead()
    pool.open_ahead()  # one ahead at a time
    second = pool.take()
    assert isinstance(first, DuckDBSession) and isinstance(second, DuckDBSession)
    assert first is not second and not second.sealed
    file = tmp_path / "t.parquet"
    duckdb.execute(f"COPY (SELECT 1 AS id) TO '{file}' (FORMAT parquet)")
    first.bind("t", [str(file)], "parquet")
    with pytest.raises(duckdb.CatalogException):  # sessions share nothing
        second.fetch("select * from t")
    pool.release(first)
    pool.release(second)
    pool.open_ahead()  # never taken: closed with the pool
    ahead = pool._next
    pool.close()
    assert ahead is not None
    for session in (first, second, ahead.result()):
        with pytest.raises(duckdb.ConnectionException):
            session.fetch("select 1")


def test_other_engines_are_asked_as_before(tmp_path: Path) -> None:
    class Counting(DuckDBEngine):
        name = "spark"  # any engine but DuckDB
        opened = 0

        def session(self) -> DuckDBSession:
            Counting.opened += 1
            return super().session()

    pool = SessionPool(Counting())
    pool.open_ahead()
    assert Counting.opened == 0 and pool._next is None
    session = pool.take()
    pool.release(session)  # closed at once
    with pytest.raises(duckdb.ConnectionException):
        session.fetch("select 1")
    pool.close()
