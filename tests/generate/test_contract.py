"""Every table written has exactly the columns, types and format of the contract doc."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.generate.schema import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "order_to_cash_sources.md"
TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "double": pa.float64(),
    "decimal(15,2)": pa.decimal128(15, 2),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
}


def contract() -> dict[str, tuple[str, list[tuple[str, pa.DataType]]]]:
    """Parse the doc: table key → (format, [(column, type)])."""
    tables: dict[str, tuple[str, list[tuple[str, pa.DataType]]]] = {}
    fmt, key = "parquet", None
    for line in DOC.read_text().splitlines():
        heading = re.match(r"^## (\S+)", line)
        if heading:
            fmt = "csv" if "(CSV" in line else "parquet"
            key = None
        table = re.match(r"^`([a-z_]+/[a-z_]+)/`", line)
        if table:
            key = table.group(1)
            tables[key] = (fmt, [])
            continue
        row = re.match(r"^\|([^|]+)\|([^|]+)\|", line)
        if key and row and row.group(2).strip() in TYPES:
            for column in row.group(1).split(","):
                tables[key][1].append((column.strip(), TYPES[row.group(2).strip()]))
    return tables


def test_the_doc_lists_every_table_the_generator_writes() -> None:
    assert set(contract()) == set(TABLES)


@pytest.mark.parametrize("key", sorted(TABLES))
def test_schema_matches_the_doc(key: str) -> None:
    fmt, columns = contract()[key]
    assert TABLES[key].format == fmt
    assert [(f.name, f.type) for f in TABLES[key].schema] == columns


@pytest.mark.parametrize("key", sorted(TABLES))
def test_written_files_have_the_contract_schema(data: Path, key: str) -> None:
    spec = TABLES[key]
    files = sorted((data / key).iterdir())
    assert [f.name for f in files] == [
        f"part-{i:05d}.{'csv' if spec.format == 'csv' else 'parquet'}" for i in range(2)
    ]
    for file in files:
        if spec.format == "parquet":
            assert pq.read_schema(file).remove_metadata() == spec.schema
        else:
            header = file.read_text().splitlines()[0]
            assert header == ",".join(f'"{name}"' for name in spec.schema.names)


def test_csv_reads_back_with_the_contract_types(tables: dict[str, pa.Table]) -> None:
    # ``read`` applies the contract types; a value that did not parse would raise.
    for key in ("credit_management/credit_files", "credit_management/credit_decisions"):
        assert tables[key].schema == TABLES[key].schema
        assert tables[key].num_rows > 0
