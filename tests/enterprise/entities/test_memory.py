"""The resolution's DuckDB takes its budget from the engine configuration, and spills instead
of failing: a small budget gives the same enterprise ids, only slower."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from andmesh.engine.config import EngineConfig
from andmesh.enterprise.entities.resolve import resolve
from andmesh.errors import UsageError
from tests.enterprise.entities.conftest import o2c_spec


def test_a_small_memory_budget_gives_the_same_result(
    o2c_tables: tuple[dict[str, pa.Table], Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tables, _ = o2c_tables
    free = resolve(o2c_spec(), tables)
    monkeypatch.setenv("ANDMESH_MEMORY_LIMIT", "96MB")
    monkeypatch.setenv("ANDMESH_TEMP_DIRECTORY", str(tmp_path / "spill"))
    monkeypatch.setenv("ANDMESH_THREADS", "1")
    bounded = resolve(o2c_spec(), tables)
    assert bounded.summary.model_version == free.summary.model_version
    assert bounded.xref.select(["source", "record_id", "entity_id"]).equals(
        free.xref.select(["source", "record_id", "entity_id"])
    )
    # The budget does reach the resolution's DuckDB: far too small, and it says so.
    monkeypatch.setenv("ANDMESH_MEMORY_LIMIT", "1MB")
    with pytest.raises(duckdb.OutOfMemoryException):
        resolve(o2c_spec(), tables)


def test_a_memory_budget_that_is_not_a_size_is_refused_with_a_hint() -> None:
    with pytest.raises(UsageError) as raised:
        EngineConfig.from_env({"ANDMESH_MEMORY_LIMIT": "lots"})
    assert "ANDMESH_MEMORY_LIMIT" in str(raised.value) and "6GB" in (raised.value.hint or "")
    with pytest.raises(UsageError):
        EngineConfig.from_env({"ANDMESH_THREADS": "0"})


def test_a_budget_always_comes_with_a_spill_folder() -> None:
    config = EngineConfig.from_env({"ANDMESH_MEMORY_LIMIT": "2 GiB"}).duckdb()
    assert config["memory_limit"] == "2GiB" and Path(config["temp_directory"]).parent.name == "andmesh-spill"
