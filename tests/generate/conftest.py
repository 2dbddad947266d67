"""Generated datasets shared by the generator tests (small, generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from andmesh.generate import GenerationReport, generate_order_to_cash
from andmesh.generate.schema import TABLES

CUSTOMERS = 1_500
SEED = 11


def read(root: Path, key: str) -> pa.Table:
    """All part files of table ``key`` under ``root``, in part order, typed by the contract."""
    spec = TABLES[key]
    files = sorted((root / key).glob(f"part-*.{'csv' if spec.format == 'csv' else 'parquet'}"))
    assert files, f"no part files for {key}"
    if spec.format == "csv":
        options = pcsv.ConvertOptions(column_types=spec.schema, strings_can_be_null=True)
        tables = [pcsv.read_csv(f, convert_options=options) for f in files]
    else:
        tables = [pq.read_table(f) for f in files]
    return pa.concat_tables(tables)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationReport]:
    """1,500 customers in two chunks (so two part files per table)."""
    out = tmp_path_factory.mktemp("o2c") / "data"
    report = generate_order_to_cash(out, CUSTOMERS, seed=SEED, chunk_customers=1_000)
    return out, report


@pytest.fixture(scope="session")
def data(generated: tuple[Path, GenerationReport]) -> Path:
    return generated[0]


@pytest.fixture(scope="session")
def tables(data: Path) -> dict[str, pa.Table]:
    """Every table of the shared dataset, read back from disk."""
    return {key: read(data, key) for key in TABLES}
