"""Sources of every format bind alike: the same rows, the same column types as the checks see
them, and the same clear error for a file that cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.engine.base import Engine
from andmesh.errors import DataFileError
from andmesh.quality.dtypes import engine_type


def bound(engine: Engine, files: list[Path], file_format: str) -> tuple[int, dict[str, str]]:
    """Rows and column types (as the checks name them) of ``files`` bound as ``src``."""
    session = engine.session()
    try:
        session.bind("src", [str(f) for f in files], file_format)
        rows = session.fetch('SELECT COUNT(*) AS "n" FROM src')[0]["n"]
        types = {name: str(engine_type(typ)) for name, typ, _ in session.columns("src")}
        return rows, types
    finally:
        session.close()


def test_parquet_over_several_files(engine: Engine, tmp_path: Path) -> None:
    files = []
    for part in range(2):
        file = tmp_path / f"part-{part}.parquet"
        pq.write_table(
            pa.table(
                {
                    "id": pa.array([part * 10 + i for i in range(3)], pa.int64()),
                    "amount": pa.array([1.5, None, 2.0], pa.float64()),
                    "price": pa.array([None, None, None], pa.decimal128(12, 2)),
                    "tags": pa.array([["a"], [], None], pa.list_(pa.string())),
                }
            ),
            file,
        )
        files.append(file)
    rows, types = bound(engine, files, "parquet")
    assert rows == 6
    assert types == {"id": "int64", "amount": "float64", "price": "decimal(12, 2)", "tags": "array<string>"}


def test_csv_typed_as_duckdb_sniffs_it(engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "customers.csv"
    file.write_text(
        "id,amount,day,at,name\n1,1.50,2024-01-02,2024-01-02 10:00:00,x\n2,,2024-02-03,2024-01-03 11:00:00,\n"
    )
    rows, types = bound(engine, [file], "csv")
    assert rows == 2
    assert types == {
        "id": "int64",
        "amount": "float64",
        "day": "date",
        "at": "timestamp(6)",
        "name": "string",
    }


@pytest.mark.parametrize("layout", ["records", "array"])
def test_json_records_and_arrays(engine: Engine, tmp_path: Path, layout: str) -> None:
    records = [{"id": 1, "x": 1.5, "s": "a"}, {"id": 2, "x": None, "s": "b"}]
    file = tmp_path / "events.json"
    if layout == "array":
        file.write_text(json.dumps(records))
    else:
        file.write_text("\n".join(json.dumps(r) for r in records))
    rows, types = bound(engine, [file], "json")
    assert rows == 2
    assert types == {"id": "int64", "x": "float64", "s": "string"}


@pytest.mark.notyet(["spark"], "Spark's JSON reader keeps dates as strings; DuckDB's detects them")
def test_json_dates_are_detected(engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "events.json"
    file.write_text('{"day": "2024-01-02"}\n{"day": "2024-02-03"}\n')
    _, types = bound(engine, [file], "json")
    assert types == {"day": "date"}


def test_a_truncated_parquet_file_is_named(engine: Engine, tmp_path: Path) -> None:
    good = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": [1, 2]}), good)
    broken = tmp_path / "b.parquet"
    broken.write_bytes(good.read_bytes()[:40])
    with pytest.raises(DataFileError) as caught:
        bound(engine, [good, broken], "parquet")
    assert str(broken) in caught.value.message
    assert "not a readable parquet file" in caught.value.message


def test_a_rewritten_parquet_file_is_read_with_its_new_columns(engine: Engine, tmp_path: Path) -> None:
    # Spark's session remembers the schema it inferred for a set of files (an inference is a Spark
    # job): a file written again under the same name must not be read with the old schema.
    file = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": pa.array([1, 2], pa.int64())}), file)
    assert bound(engine, [file], "parquet") == (2, {"id": "int64"})
    pq.write_table(pa.table({"id": pa.array([3], pa.int64()), "name": pa.array(["x"])}), file)
    assert bound(engine, [file], "parquet") == (1, {"id": "int64", "name": "string"})
    renamed = tmp_path / "b.parquet"
    file.rename(renamed)  # a published version is its staged files renamed: still read right
    assert bound(engine, [renamed], "parquet") == (1, {"id": "int64", "name": "string"})
