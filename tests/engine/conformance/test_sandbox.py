"""What a sealed session refuses, on every engine. DuckDB locks itself; Spark checks each user
query's plan (docs/engines.md says what that does not cover)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.engine.base import Engine
from andmesh.engine.capabilities import ChecksInputFiles, LocksFileAccess, supports
from andmesh.errors import EngineError


def parquet(tmp_path: Path, name: str) -> str:
    file = tmp_path / f"{name}.parquet"
    pq.write_table(pa.table({"id": [1, 2, 3]}), file)
    return str(file)


def behind_the_back(session: Any, name: str, file: str) -> None:
    """A view the session did not bind (what a bug in the platform, not the user, could leave)."""
    if hasattr(session, "raw"):  # DuckDB
        session.raw.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{file}')")
    else:
        session.spark.read.parquet(file).createOrReplaceTempView(name)


def test_every_engine_confines_user_sql_one_way_or_another(engine: Engine) -> None:
    session = engine.session()
    try:
        assert supports(session, LocksFileAccess) or supports(session, ChecksInputFiles)
    finally:
        session.close()


def test_a_sealed_session_binds_nothing_more(engine: Engine, tmp_path: Path) -> None:
    session = engine.session()
    try:
        session.bind("t", [parquet(tmp_path, "t")], "parquet")
        assert session.fetch_user("SELECT COUNT(*) AS n FROM t") == [{"n": 3}]
        with pytest.raises(EngineError, match="sealed"):
            session.bind("u", [parquet(tmp_path, "u")], "parquet")
    finally:
        session.close()


def test_user_sql_cannot_read_a_file_that_was_not_bound(engine: Engine, tmp_path: Path) -> None:
    session = engine.session()
    try:
        session.bind("t", [parquet(tmp_path, "t")], "parquet")
        behind_the_back(session, "other", parquet(tmp_path, "other"))
        with pytest.raises(Exception, match=r"(?i)other\.parquet|permission|not allowed|disabled"):
            session.fetch_user("SELECT COUNT(*) AS n FROM other")
    finally:
        session.close()


def test_output_goes_only_to_the_staging_folder(engine: Engine, tmp_path: Path) -> None:
    session = engine.session()
    try:
        table = session.register("t", [parquet(tmp_path, "t")], "parquet")
        session.seal(tmp_path / "staging")
        with pytest.raises(EngineError, match="sealed without it"):
            session.write_parquet(table, tmp_path / "elsewhere")
        written = session.write_parquet(table, tmp_path / "staging" / "port")
        assert written and all(f.name.startswith("part-") for f in written)
        assert sum(pq.read_metadata(f).num_rows for f in written) == 3
        assert sorted(p.name for p in (tmp_path / "staging" / "port").iterdir()) == [f.name for f in written]
    finally:
        session.close()


def test_jvm_functions_are_refused(engine: Engine, tmp_path: Path) -> None:
    session = engine.session()
    try:
        session.bind("t", [parquet(tmp_path, "t")], "parquet")
        # Spark refuses it before planning; DuckDB has no such function.
        with pytest.raises(Exception, match=r"JVM|java_method"):
            session.fetch_user(
                "SELECT java_method('java.lang.System', 'getProperty', 'user.home') AS h FROM t"
            )
    finally:
        session.close()
