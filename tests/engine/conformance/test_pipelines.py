"""SQL pipelines, written in DuckDB's dialect, give the same columns and types on every engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.engine.base import Engine


@pytest.fixture
def events(tmp_path: Path) -> Path:
    file = tmp_path / "events.parquet"
    pq.write_table(
        pa.table(
            {
                "id": pa.array([1, 2, 3], pa.int64()),
                "ts": pa.array([dt.datetime(2026, 3, 1, 9, 30)] * 3, pa.timestamp("us")),
                "amount": pa.array([1.25, 2.5, None], pa.float64()),
            }
        ),
        file,
    )
    return file


def schema_of(engine: Engine, events: Path, query: str) -> dict[str, str]:
    session = engine.session()
    try:
        session.register("events", [str(events)], "parquet")
        return {name: str(dtype) for name, dtype in session.sql(query, "duckdb").schema().items()}
    finally:
        session.close()


def test_casts_aggregates_and_windows(engine: Engine, events: Path) -> None:
    query = (
        "select id::varchar as key, coalesce(amount, 0)::decimal(12, 2) as amount, "
        "cast(ts as date) as day, sum(amount) over () as total from events"
    )
    assert schema_of(engine, events, query) == {
        "key": "string",
        "amount": "decimal(12, 2)",
        "day": "date",
        "total": "float64",
    }


@pytest.mark.notyet(
    ["spark"],
    "Spark's row_number() is INT where DuckDB's is BIGINT (a contract's integer columns are published "
    "as int64 on both: conform casts them)",
)
def test_row_number_is_a_bigint(engine: Engine, events: Path) -> None:
    query = "select row_number() over (order by id desc) as rank from events"
    assert schema_of(engine, events, query) == {"rank": "int64"}


@pytest.mark.notimpl(
    ["spark"],
    "Spark's date_trunc returns an instant (TIMESTAMP) for a wall-clock input; DuckDB keeps TIMESTAMP "
    "without a zone. Transpiling with the inputs' types (sqlglot's annotate_types) would cast it back",
)
def test_date_trunc_keeps_a_wall_clock_time(engine: Engine, events: Path) -> None:
    assert schema_of(engine, events, "select date_trunc('day', ts) as day from events") == {
        "day": "timestamp(6)"
    }


def test_regexp_full_match_matches_the_whole_value(engine: Engine, tmp_path: Path) -> None:
    # DuckDB's full match has no Spark function: it runs as an anchored search (`\z`, not `$`, so a
    # value with a trailing line break does not match), with the pattern as a literal or a column.
    file = tmp_path / "ids.parquet"
    values = ["DE123456789", "xDE123456789", "DE1234567890", "DE123456789\n", None]
    pq.write_table(pa.table({"tax_id": values, "shape": ["DE[0-9]{9}"] * len(values)}), file)
    session = engine.session()
    try:
        session.register("ids", [str(file)], "parquet")
        query = (
            "select tax_id, regexp_full_match(tax_id, 'DE[0-9]{9}') as literal, "
            "regexp_full_match(tax_id, shape) as from_column from ids"
        )
        rows = session.to_arrow(session.sql(query, "duckdb")).to_pylist()
    finally:
        session.close()
    got = {r["tax_id"]: (r["literal"], r["from_column"]) for r in rows}
    assert got == {
        "DE123456789": (True, True),
        "xDE123456789": (False, False),
        "DE1234567890": (False, False),
        "DE123456789\n": (False, False),
        None: (None, None),
    }


def test_a_python_pipelines_in_memory_table_is_written(engine: Engine, tmp_path: Path) -> None:
    # Entity resolution's pipelines return `ibis.memtable(...)`: the engine writes it like any table.
    import ibis

    table = pa.table(
        {
            "entity_id": ["EC-1", "EC-1", "EC-2"],
            "score": pa.array([0.5, 1.0, None], pa.float64()),
            "on": pa.array([dt.date(2026, 3, 1)] * 3, pa.date32()),
        }
    )
    session = engine.session()
    try:
        files = session.write_parquet(
            ibis.memtable(table).filter(ibis._.entity_id == "EC-1"), tmp_path / "out"
        )
    finally:
        session.close()
    written = pa.concat_tables([pq.read_table(f) for f in files])
    assert written.sort_by("score").to_pylist() == table.slice(0, 2).to_pylist()


def test_written_parquet_columns_are_all_optional(engine: Engine, events: Path, tmp_path: Path) -> None:
    # Spark's plan proves `count(*)`, `coalesce(x, 0)`, a struct of literals non-null and would write
    # them `required`; DuckDB writes every column `optional`: a product's files must not depend on
    # the engine that built it (the Iceberg schema, from the contract, is the same on both).
    query = (
        "select count(*) as n, coalesce(sum(amount), 0) as total, {'a': 1} as st, [1, 2] as arr from events"
    )
    session = engine.session()
    try:
        session.register("events", [str(events)], "parquet")
        out = tmp_path / "staging"
        out.mkdir()
        session.seal(out)
        files = session.write_parquet(session.sql(query, "duckdb"), out / "part")
    finally:
        session.close()
    table = pa.concat_tables(pq.read_table(f) for f in files)
    assert table.to_pylist() == [{"n": 3, "total": 3.75, "st": {"a": 1}, "arr": [1, 2]}]
    assert _required(table.schema) == []


def _required(fields: pa.Schema | pa.StructType | list[pa.Field], prefix: str = "") -> list[str]:
    """The fields (nested ones dotted, list elements as ``[]``) that may not be null."""
    out = []
    for field in fields:
        name = prefix + field.name
        if not field.nullable:
            out.append(name)
        if pa.types.is_struct(field.type):
            out += _required(field.type, name + ".")
        if pa.types.is_list(field.type):
            out += _required([field.type.value_field.with_name("[]")], name)
    return out
