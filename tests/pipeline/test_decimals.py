"""Exact decimals end to end: a decimal source stays decimal through SQL and Python pipelines,
staging, the gate and the published Iceberg table, and sums of money are exact."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from tests.helpers import edit

DOMAIN = """\
apiVersion: andmesh/v1
kind: Domain
name: ledger
owner: owner
team:
  - username: owner
    role: owner
"""

ENTRIES_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: ledger.entries
name: entries
domain: ledger
status: active
team:
  - username: owner
    role: owner
outputPorts:
  - name: entries
    version: 1.0.0
    contractId: ledger.entries
customProperties:
  - property: pipeline
    value: entries.sql
  - property: sources
    value:
      - name: raw_entries
        path: ledger/entries.parquet
        format: parquet
"""

ENTRIES_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: ledger.entries
name: entries
version: 1.0.0
status: active
schema:
  - name: entries
    properties:
      - name: entry_id
        logicalType: integer
        primaryKey: true
        required: true
      - name: account
        logicalType: string
        required: true
      - name: amount
        logicalType: number
        physicalType: decimal(15,2)
        required: true
        logicalTypeOptions:
          minimum: 0
"""

TOTALS_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: ledger.totals
name: totals
domain: ledger
status: active
team:
  - username: owner
    role: owner
inputPorts:
  - name: entries
    version: 1.0.0
    contractId: ledger.entries
outputPorts:
  - name: totals
    version: 1.0.0
    contractId: ledger.totals
customProperties:
  - property: pipeline
    value: totals.py:build
"""

# Ibis sums a decimal(15,2) as decimal(38,2): the contract's decimal(18,2) is what is published.
TOTALS_PIPELINE = """\
def build(inputs):
    entries = inputs["entries"]
    return entries.group_by("account").aggregate(total=entries.amount.sum(), entries=entries.count())
"""

TOTALS_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: ledger.totals
name: totals
version: 1.0.0
status: active
schema:
  - name: totals
    properties:
      - name: account
        logicalType: string
        primaryKey: true
      - name: total
        logicalType: number
        physicalType: decimal(18,2)
      - name: entries
        logicalType: integer
"""

# Ten dimes and amounts a double cannot add up exactly.
AMOUNTS = ["0.10"] * 10 + ["1234567.89", "0.07", "9999999999.99", "0.01", "2.20", "3.30"]


def _entries(amount_type: pa.DataType = pa.decimal128(15, 2)) -> pa.Table:
    values = [Decimal(a) for a in AMOUNTS]
    amounts = pa.array(values, pa.decimal128(15, 2))
    return pa.table(
        {
            "entry_id": pa.array(range(1, len(values) + 1), pa.int64()),
            "account": pa.array(["dimes" if a == "0.10" else "other" for a in AMOUNTS]),
            "amount": amounts.cast(amount_type),
        }
    )


@pytest.fixture
def ledger(mesh_dir: Path) -> Path:
    domain = mesh_dir / "domains/ledger"
    for name, product, pipeline, source, contract in (
        ("entries", ENTRIES_PRODUCT, "entries.sql", "select * from raw_entries\n", ENTRIES_CONTRACT),
        ("totals", TOTALS_PRODUCT, "totals.py", TOTALS_PIPELINE, TOTALS_CONTRACT),
    ):
        folder = domain / "products" / name
        folder.mkdir(parents=True)
        (folder / "product.yaml").write_text(product)
        (folder / pipeline).write_text(source)
        (folder / "contract.yaml").write_text(contract)
    (domain / "domain.yaml").write_text(DOMAIN)
    (mesh_dir / "data/ledger").mkdir(parents=True)
    pq.write_table(_entries(), mesh_dir / "data/ledger/entries.parquet")
    return mesh_dir


def _outcome(result, table_id: str):  # type: ignore[no-untyped-def]
    return next(o for o in result.outcomes if o.table_id == table_id)


def test_decimals_are_published_as_decimals_and_sum_exactly(andmesh: Andmesh, ledger: Path) -> None:
    result = andmesh.run(ledger)
    assert _outcome(result, "ledger.entries").status == PortStatus.published
    assert _outcome(result, "ledger.totals").status == PortStatus.published
    checks = {c.id: c for c in _outcome(result, "ledger.entries").checks.checks}  # type: ignore[union-attr]
    assert checks["entries.amount.physicalType"].message == "decimal(15, 2) fits decimal(15,2)"

    # Read back without andmesh: the Iceberg table's own scan, as plain pyarrow.
    entries = andmesh.warehouse.catalog.load_table("ledger.entries").scan().to_arrow()
    totals = andmesh.warehouse.catalog.load_table("ledger.totals").scan().to_arrow()
    assert entries.schema.field("amount").type == pa.decimal128(15, 2)
    assert totals.schema.field("total").type == pa.decimal128(18, 2)
    assert entries.column("amount").to_pylist() == [Decimal(a) for a in AMOUNTS]

    by_account = dict(
        zip(totals.column("account").to_pylist(), totals.column("total").to_pylist(), strict=True)
    )
    assert by_account == {"dimes": Decimal("1.00"), "other": Decimal("10001234573.46")}
    # The same amounts as floats do not add up: the exactness above is the decimals' doing.
    assert sum(float(a) for a in AMOUNTS if a == "0.10") != 1.0


def test_a_float_column_declared_decimal_is_held_back(andmesh: Andmesh, ledger: Path) -> None:
    pq.write_table(_entries(pa.float64()), ledger / "data/ledger/entries.parquet")
    result = andmesh.run(ledger)
    entries = _outcome(result, "ledger.entries")
    assert entries.status == PortStatus.blocked
    assert result.exit_code == 1
    failing = {c.id: c for c in entries.checks.blocking}  # type: ignore[union-attr]
    assert failing["entries.amount.physicalType"].message == (
        "float64 does not fit decimal(15,2): a float holds no exact decimal; cast it in the pipeline"
        " (`cast(x as decimal(15,2))`) or read the source as a decimal"
    )
    assert andmesh.warehouse.current("ledger.entries") is None


def test_a_cast_in_the_pipeline_makes_a_float_source_an_exact_decimal(andmesh: Andmesh, ledger: Path) -> None:
    # A CSV or float source: the pipeline declares the type, and values of up to 15
    # significant digits come out exactly as written.
    pq.write_table(_entries(pa.float64()), ledger / "data/ledger/entries.parquet")
    sql = ledger / "domains/ledger/products/entries/entries.sql"
    sql.write_text("select entry_id, account, cast(amount as decimal(15,2)) as amount from raw_entries\n")
    result = andmesh.run(ledger)
    assert _outcome(result, "ledger.entries").status == PortStatus.published
    assert andmesh.read("ledger.entries").column("amount").to_pylist() == [Decimal(a) for a in AMOUNTS]


def test_more_decimal_places_than_declared_are_held_back(andmesh: Andmesh, ledger: Path) -> None:
    pq.write_table(_entries(pa.decimal128(18, 4)), ledger / "data/ledger/entries.parquet")
    result = andmesh.run(ledger)
    entries = _outcome(result, "ledger.entries")
    assert entries.status == PortStatus.blocked
    failing = {c.id: c for c in entries.checks.blocking}  # type: ignore[union-attr]
    assert failing["entries.amount.physicalType"].message.startswith(
        "decimal(18, 4) does not fit decimal(15,2): 4 decimal places where 2 are declared; round in the pipeline"
    )


def test_a_value_beyond_the_declared_precision_fails_naming_it(andmesh: Andmesh, ledger: Path) -> None:
    # 9,999,999,999.99 has 10 integer digits: decimal(11,2) allows 9: the engine refuses the cast.
    contract = ledger / "domains/ledger/products/entries/contract.yaml"
    edit(contract, "physicalType: decimal(15,2)", "physicalType: decimal(11,2)")
    result = andmesh.run(ledger)
    entries = _outcome(result, "ledger.entries")
    assert entries.status == PortStatus.failed
    assert "9999999999.99" in (entries.message or "")
    assert "DECIMAL(11,2)" in (entries.message or "")
    assert andmesh.warehouse.current("ledger.entries") is None


def test_a_failing_decimal_value_is_kept_as_evidence_exactly(andmesh: Andmesh, ledger: Path) -> None:
    entries = _entries()
    amounts = entries.column("amount").to_pylist()
    amounts[3] = Decimal("-12.50")
    entries = entries.set_column(2, "amount", pa.array(amounts, pa.decimal128(15, 2)))
    pq.write_table(entries, ledger / "data/ledger/entries.parquet")
    result = andmesh.run(ledger)
    assert _outcome(result, "ledger.entries").status == PortStatus.blocked
    incident = andmesh.store.incidents(product_id="ledger.entries")[-1]
    failures = {f["check"]: f for f in incident["details"]["failures"]}
    assert failures["entries.amount.minimum"]["samples"] == [{"entry_id": 4, "amount": "-12.50"}]
