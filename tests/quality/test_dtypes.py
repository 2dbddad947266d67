"""The checks' own type reading names and classifies every type as Ibis does (messages depend on it)."""

from __future__ import annotations

import duckdb
import pytest
from ibis.backends.sql.datatypes import DuckDBType

from andmesh.quality.dtypes import engine_type, honours, parse_physical

FLAGS = (
    "integer", "signed_integer", "floating", "decimal", "numeric", "string", "uuid", "boolean",
    "date", "timestamp", "time", "array", "struct", "map", "json",
)  # fmt: skip

# What DuckDB's DESCRIBE prints, for every type a file or a query can give a column.
COLUMNS = (
    "1::TINYINT", "1::SMALLINT", "1::INTEGER", "1::BIGINT", "1::HUGEINT", "1::UTINYINT", "1::USMALLINT",
    "1::UINTEGER", "1::UBIGINT", "1::FLOAT", "1::DOUBLE", "1::DECIMAL(12,2)", "1::DECIMAL(38,10)",
    "1::DECIMAL", "'a'::VARCHAR", "true", "DATE '2020-01-01'", "TIME '01:02:03'",
    "TIMESTAMP '2020-01-01'", "TIMESTAMPTZ '2020-01-01'", "'2020-01-01'::TIMESTAMP_S",
    "'2020-01-01'::TIMESTAMP_MS", "'2020-01-01'::TIMESTAMP_NS", "'a'::BLOB", "gen_random_uuid()",
    "'{}'::JSON", "[1, 2]", "[[1.5]]", "{'a': 1, 'b': 'x'}", "{'a': {'b': [DATE '2020-01-01']}}",
    "MAP {'k': 1}", "INTERVAL 1 DAY", "NULL", "[1, 2]::INTEGER[2]", "'a'::ENUM_T",
    "union_value(a := 1)", "{'a': INTERVAL 1 DAY}",
)  # fmt: skip


def _described() -> list[tuple[str, str]]:
    con = duckdb.connect()
    con.execute("CREATE TYPE ENUM_T AS ENUM ('a', 'b')")
    out = []
    for value in COLUMNS:
        for _name, typ, *_ in con.execute(f"DESCRIBE SELECT {value} AS c").fetchall():
            out.append((value, typ))
    return out


@pytest.mark.parametrize(("value", "typ"), _described())
@pytest.mark.parametrize("nullable", [True, False])
def test_engine_types_read_as_ibis_reads_them(value: str, typ: str, nullable: bool) -> None:
    ours, ibis_type = engine_type(typ, nullable), DuckDBType.from_string(typ, nullable=nullable)
    assert str(ours) == str(ibis_type), value
    for flag in FLAGS:
        assert getattr(ours, f"is_{flag}")() == getattr(ibis_type, f"is_{flag}")(), (value, flag)
    if ibis_type.is_struct():
        assert list(ours.field_types()) == list(ibis_type.fields)


PHYSICAL = (
    "varchar(18)", "string", "text", "integer", "int", "bigint", "smallint", "decimal(12,2)",
    "numeric(10, 0)", "double", "float", "real", "date", "timestamp", "timestamp with time zone",
    "timestamptz", "boolean", "uuid", "table", "number", "varchar", "char(2)", "array<int>",
)  # fmt: skip


@pytest.mark.parametrize("text", PHYSICAL)
def test_physical_types_parse_and_compare_as_before(text: str) -> None:
    from andmesh.quality.physical import honours as ibis_honours
    from andmesh.quality.physical import parse_physical as ibis_parse

    ours, theirs = parse_physical(text), ibis_parse(text)
    assert (ours is None) == (theirs is None)
    if ours is None or theirs is None:
        return
    assert str(ours) == str(theirs)
    for actual in (
        "INTEGER",
        "BIGINT",
        "DECIMAL(10,2)",
        "DOUBLE",
        "VARCHAR",
        "TIMESTAMP",
        "TIMESTAMPTZ",
        "DATE",
    ):
        assert honours(engine_type(actual), ours) == ibis_honours(DuckDBType.from_string(actual), theirs), (
            actual,
            text,
        )
