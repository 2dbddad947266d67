"""A SQL pipeline is shaped to its contract and written by DuckDB itself, as through Ibis."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from open_data_contract_standard.model import OpenDataContractStandard

from andmesh.engine.duckdb import DuckDBSession
from andmesh.pipeline.conform import conform, conform_columns
from andmesh.spec.mesh import Contract

QUERY = (
    "SELECT 3::INTEGER AS qty, 2.5::REAL AS rate, 12.345::DECIMAL(38, 3) AS net, "
    "10.50::DECIMAL(38, 2) AS gross, 'x' AS note, 7::UTINYINT AS small, range AS id FROM range(5)"
)


def contract(tmp_path: Path) -> Contract:
    model = OpenDataContractStandard.model_validate(
        {
            "apiVersion": "v3.0.2",
            "kind": "DataContract",
            "id": "t",
            "version": "1.0.0",
            "status": "active",
            "schema": [
                {
                    "name": "t",
                    "properties": [
                        {"name": "id", "logicalType": "integer"},
                        {"name": "qty", "logicalType": "integer"},
                        {"name": "rate", "logicalType": "number"},
                        {"name": "net", "logicalType": "number", "physicalType": "decimal(12,2)"},
                        {"name": "gross", "logicalType": "number", "physicalType": "decimal(12,2)"},
                        {"name": "small", "logicalType": "integer"},
                        {"name": "missing", "logicalType": "string"},
                    ],
                }
            ],
        }
    )
    return Contract(id="t", file=tmp_path / "contract.yaml", model=model)


def test_sql_shaped_without_ibis_writes_what_ibis_writes(tmp_path: Path) -> None:
    spec = contract(tmp_path)
    through_ibis = DuckDBSession()
    through_ibis.seal(tmp_path / "ibis")
    conformed, extra_ibis = conform(through_ibis.sql(QUERY, "duckdb"), spec)
    [ibis_file] = through_ibis.write_parquet(conformed, tmp_path / "ibis")
    through_ibis.close()

    direct = DuckDBSession()
    direct.seal(tmp_path / "direct")
    shaped = conform_columns(direct.columns(QUERY), spec)
    assert shaped is not None
    selected, extra = shaped
    [direct_file] = direct.write_query_parquet(QUERY, tmp_path / "direct", selected)
    direct.close()

    assert extra == extra_ibis == ["note"]
    # net keeps its 3 decimals (the gate refuses it), gross becomes decimal(12,2), qty and small BIGINT.
    assert dict(selected) == {
        "id": None, "qty": "BIGINT", "rate": "DOUBLE", "net": None, "gross": "DECIMAL(12, 2)", "small": "BIGINT"
    }  # fmt: skip
    assert pq.read_schema(direct_file).equals(pq.read_schema(ibis_file), check_metadata=False)
    assert pq.read_table(direct_file).equals(pq.read_table(ibis_file))


def test_a_query_without_contract_columns_is_written_whole(tmp_path: Path) -> None:
    spec = contract(tmp_path)
    session = DuckDBSession()
    session.seal(tmp_path / "out")
    query = "SELECT 1 AS a, 'b' AS b"
    shaped = conform_columns(session.columns(query), spec)
    assert shaped == ([], ["a", "b"])
    [file] = session.write_query_parquet(query, tmp_path / "out", shaped[0])
    session.close()
    assert duckdb.sql(f"SELECT * FROM '{file}'").fetchall() == [(1, "b")]


def test_the_direct_write_is_a_declared_capability_spark_does_not_have() -> None:
    """The run asks for the capability, not for an engine by name: DuckDB has it, Spark does not
    (so a Spark run keeps the Ibis path without importing or starting Spark here)."""
    from andmesh.engine.capabilities import WritesQueryParquet, supports

    session = DuckDBSession()
    assert supports(session, WritesQueryParquet)
    assert callable(session.write_query_parquet)

    class SparkLike:
        name = "spark"

    assert not supports(SparkLike(), WritesQueryParquet)
