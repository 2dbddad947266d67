"""Every contract check kind and operator gives the same verdict and the same measured value on
every engine: the cases of ``tests/quality/test_checks.py`` (exact values there, on DuckDB),
run here through each engine's session, plus relationships, SQL rules, SLAs, formats and types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.engine.base import Engine
from andmesh.quality import CheckRun, CheckStatus, run_checks
from andmesh.spec.mesh import Contract
from tests.quality.test_checks import CASES, TS, contract_of


def check(
    engine: Engine,
    contract: Contract,
    data: dict[str, Any],
    tmp_path: Path,
    references: dict[str, dict[str, Any]] | None = None,
    as_of: dt.datetime | None = None,
) -> CheckRun:
    """The contract's checks on ``data`` (table ``t``) in a fresh session of ``engine``."""
    session = engine.session()
    try:
        tables = {}
        for name, columns in {"t": data, **(references or {})}.items():
            file = tmp_path / f"{name}-{len(list(tmp_path.glob('*.parquet')))}.parquet"
            pq.write_table(pa.table(columns), file)
            tables[name] = session.register(name, [str(file)], "parquet")
        others = {k: v for k, v in tables.items() if k != "t"}
        return run_checks(session, tables["t"], contract, "t", references=others, as_of=as_of)
    finally:
        session.close()


def by_id(run: CheckRun) -> dict[str, Any]:
    return {c.id: c for c in run.checks}


@pytest.mark.parametrize(
    ("case", "body", "check_id", "good", "bad", "measured"), CASES, ids=[c[0] for c in CASES]
)
def test_every_check_kind_and_operator(
    engine: Engine,
    tmp_path: Path,
    case: str,
    body: str,
    check_id: str,
    good: dict[str, Any],
    bad: dict[str, Any],
    measured: Any,
) -> None:
    contract = contract_of(body, tmp_path)
    passed = by_id(check(engine, contract, good, tmp_path))
    assert passed[check_id].status == CheckStatus.passed, passed[check_id]
    failed_run = check(engine, contract, bad, tmp_path)
    failed = by_id(failed_run)[check_id]
    assert failed.status == CheckStatus.failed, failed
    assert failed.measured == measured
    assert failed in failed_run.blocking


def test_relationships_single_and_composite(engine: Engine, tmp_path: Path) -> None:
    single = contract_of(
        "      - name: order_id\n        logicalType: string\n"
        "        relationships: [{type: foreignKey, to: orders.id}]\n",
        tmp_path,
    )
    orders = {"orders": {"id": ["o1", "o2"]}}
    ok = check(engine, single, {"order_id": ["o1", "o2", "o2", None]}, tmp_path, orders)
    assert by_id(ok)["t.order_id.relationship[0]"].status == CheckStatus.passed
    bad = by_id(check(engine, single, {"order_id": ["o1", "o3", "o4", "o4"]}, tmp_path, orders))
    rel = bad["t.order_id.relationship[0]"]
    assert rel.status == CheckStatus.failed and rel.measured == 3
    assert sorted(r["order_id"] for r in rel.samples) == ["o3", "o4", "o4"]
    composite = contract_of(
        "      - {name: a, logicalType: string}\n      - {name: b, logicalType: integer}\n"
        "    relationships:\n      - {type: foreignKey, from: [t.a, t.b], to: [lines.a, lines.b]}\n",
        tmp_path,
    )
    lines = {"lines": {"a": ["x", "x"], "b": [1, 2]}}
    run = check(engine, composite, {"a": ["x", "x", "y"], "b": [1, 3, 1]}, tmp_path, lines)
    assert by_id(run)["t.relationship[0]"].measured == 2


def test_sql_rule_measures_the_same_number(engine: Engine, tmp_path: Path) -> None:
    contract = contract_of(
        "      - name: amount\n        logicalType: number\n        quality:\n"
        "          - {type: sql, query: 'select count(*) from {object} where {property} < 0', mustBe: 0}\n"
        "          - type: sql\n"
        '            query: "select sum(case when amount > 1 then 1 else 0 end) from {object}"\n'
        "            mustBeLessThan: 1\n",
        tmp_path,
    )
    run = by_id(check(engine, contract, {"amount": [-1.0, -2.0, 3.0]}, tmp_path))
    assert run["t.amount.quality[0]"].status == CheckStatus.failed
    assert run["t.amount.quality[0]"].measured == 2
    assert run["t.amount.quality[1]"].measured == 1


def test_freshness_and_retention(engine: Engine, tmp_path: Path) -> None:
    contract = contract_of(
        "      - {name: ts, logicalType: timestamp}\n"
        "slaProperties:\n"
        "  - {property: latency, value: 1, unit: d, element: t.ts}\n"
        "  - {property: retention, value: 1, unit: y, element: t.ts}\n",
        tmp_path,
    )
    data = {"ts": [TS(2024, 6, 1), TS(2026, 9, 30, 12)]}
    run = by_id(check(engine, contract, data, tmp_path, as_of=dt.datetime(2026, 9, 30, 18, tzinfo=dt.UTC)))
    assert run["t.sla[0].latency"].status == CheckStatus.passed
    assert run["t.sla[0].latency"].measured == 0.25
    assert run["t.sla[1].retention"].status == CheckStatus.warning
    assert run["t.sla[1].retention"].measured == 2.3336


def test_formats_and_multiple_of(engine: Engine, tmp_path: Path) -> None:
    contract = contract_of(
        "      - {name: e, logicalType: string, logicalTypeOptions: {format: email}}\n"
        "      - {name: u, logicalType: string, logicalTypeOptions: {format: uuid}}\n"
        "      - {name: i, logicalType: string, logicalTypeOptions: {format: ipv4}}\n"
        "      - {name: d, logicalType: string, logicalTypeOptions: {format: date-time}}\n"
        "      - {name: m, logicalType: number, logicalTypeOptions: {multipleOf: 0.01}}\n",
        tmp_path,
    )
    data = {
        "e": ["a@b.co", "a@b", "no at.com"],
        "u": ["123e4567-e89b-12d3-a456-426614174000", "zzz", None],
        "i": ["10.0.0.1", "256.1.1.1", "1.2.3"],
        "d": ["2026-02-28T10:00:00Z", "2026-02-28", "yesterday"],
        "m": [19.99, 19.999, 1.0],
    }
    run = by_id(check(engine, contract, data, tmp_path))
    measured = {cid: run[cid].measured for cid in ("t.e.format", "t.u.format", "t.i.format", "t.d.format")}
    assert measured == {"t.e.format": 2, "t.u.format": 1, "t.i.format": 2, "t.d.format": 2}
    assert run["t.m.multipleOf"].measured == 1


@pytest.mark.parametrize(
    ("logical", "physical", "data", "status"),
    [
        ("integer", "bigint", pa.array([1], pa.int32()), CheckStatus.passed),
        ("integer", "integer", pa.array([1], pa.int64()), CheckStatus.failed),
        ("number", "decimal(12,2)", pa.array([1.5], pa.float64()), CheckStatus.failed),
        ("string", "varchar(18)", pa.array(["x"]), CheckStatus.passed),
        ("date", "date", pa.array([dt.date(2026, 1, 1)]), CheckStatus.passed),
        (
            "timestamp",
            "timestamp",
            pa.array([TS(2026, 1, 1)], pa.timestamp("us", tz="UTC")),
            CheckStatus.failed,
        ),
        ("timestamp", "timestamp", pa.array([TS(2026, 1, 1)], pa.timestamp("us")), CheckStatus.passed),
    ],
)
def test_physical_types_read_alike(
    engine: Engine, tmp_path: Path, logical: str, physical: str, data: pa.Array, status: CheckStatus
) -> None:
    contract = contract_of(
        f"      - {{name: a, logicalType: {logical}, physicalType: '{physical}'}}\n", tmp_path
    )
    result = by_id(check(engine, contract, {"a": data}, tmp_path))["t.a.physicalType"]
    assert result.status == status, result.message


def test_samples_are_masked_alike(engine: Engine, tmp_path: Path) -> None:
    contract = contract_of(
        "      - {name: id, logicalType: string, primaryKey: true}\n"
        "      - {name: email, logicalType: string, classification: pii, logicalTypeOptions: {pattern: '@'}}\n",
        tmp_path,
    )
    failed = by_id(check(engine, contract, {"id": ["1", "2"], "email": ["a@b.c", "nope"]}, tmp_path))
    sample = failed["t.email.pattern"].samples
    assert [row["id"] for row in sample] == ["2"]
    assert str(sample[0]["email"]).startswith("masked:")
