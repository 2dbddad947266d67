"""Every gate check kind and operator: a dataset that passes, one that fails, exact values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from open_data_contract_standard.model import DataQuality

from andmesh.engine.duckdb import DuckDBSession
from andmesh.quality import CheckRun, CheckStatus, run_checks
from andmesh.spec.contract import validate_contract
from andmesh.spec.mesh import Contract
from andmesh.spec.yamlsource import YamlDocument, load_yaml

HEADER = """\
apiVersion: v3.1.0
kind: DataContract
id: t
version: 1.0.0
status: active
schema:
  - name: t
    properties:
"""


def contract_of(body: str, tmp_path: Path) -> Contract:
    file = tmp_path / "contract.yaml"
    file.write_text(HEADER + body)
    doc = load_yaml(file)
    assert isinstance(doc, YamlDocument)
    model, problems = validate_contract(doc)
    assert model is not None, [p.format() for p in problems]
    return Contract(id="t", file=file, model=model)


def check(contract: Contract, data: dict[str, list[Any]], tmp_path: Path) -> CheckRun:
    file = tmp_path / f"data-{len(list(tmp_path.glob('data-*')))}.parquet"
    pq.write_table(pa.table(data), file)
    session = DuckDBSession()
    try:
        table = session.register("t", [str(file)], "parquet")
        return run_checks(session, table, contract, "t")
    finally:
        session.close()


D = dt.date
TS = dt.datetime

# (id, properties YAML, check id, passing data, failing data, measured on failing data)
CASES: list[tuple[str, str, str, dict[str, list[Any]], dict[str, list[Any]], Any]] = [
    (
        "required",
        "      - {name: a, logicalType: string, required: true}\n",
        "t.a.required",
        {"a": ["x", "y"]},
        {"a": ["x", None, None]},
        2,
    ),
    (
        "unique",
        "      - {name: a, logicalType: integer, unique: true}\n",
        "t.a.unique",
        {"a": [1, 2, None, None]},
        {"a": [1, 1, 1, 2]},
        3,
    ),
    (
        "pattern",
        "      - {name: a, logicalType: string, logicalTypeOptions: {pattern: '^A[0-9]$'}}\n",
        "t.a.pattern",
        {"a": ["A1", None]},
        {"a": ["A1", "B2", "A22"]},
        2,
    ),
    (
        "minLength",
        "      - {name: a, logicalType: string, logicalTypeOptions: {minLength: 2}}\n",
        "t.a.minLength",
        {"a": ["ab", "abc"]},
        {"a": ["a", "ab"]},
        1,
    ),
    (
        "maxLength",
        "      - {name: a, logicalType: string, logicalTypeOptions: {maxLength: 2}}\n",
        "t.a.maxLength",
        {"a": ["ab"]},
        {"a": ["abc", "abcd", "a"]},
        2,
    ),
    (
        "minimum",
        "      - {name: a, logicalType: number, logicalTypeOptions: {minimum: 0}}\n",
        "t.a.minimum",
        {"a": [0.0, 5.5]},
        {"a": [-0.01, 5.0]},
        1,
    ),
    (
        "maximum",
        "      - {name: a, logicalType: integer, logicalTypeOptions: {maximum: 10}}\n",
        "t.a.maximum",
        {"a": [10, 1]},
        {"a": [11, 12, 1]},
        2,
    ),
    (
        "exclusiveMinimum",
        "      - {name: a, logicalType: number, logicalTypeOptions: {exclusiveMinimum: 0}}\n",
        "t.a.exclusiveMinimum",
        {"a": [0.1]},
        {"a": [0.0, 1.0]},
        1,
    ),
    (
        "exclusiveMaximum",
        "      - {name: a, logicalType: number, logicalTypeOptions: {exclusiveMaximum: 1}}\n",
        "t.a.exclusiveMaximum",
        {"a": [0.9]},
        {"a": [1.0, 2.0]},
        2,
    ),
    (
        "date minimum",
        "      - {name: a, logicalType: date, logicalTypeOptions: {minimum: '2020-01-01'}}\n",
        "t.a.minimum",
        {"a": [D(2020, 1, 1)]},
        {"a": [D(2019, 12, 31), D(2021, 1, 1)]},
        1,
    ),
    (
        "timestamp maximum",
        "      - {name: a, logicalType: timestamp, logicalTypeOptions: {maximum: '2026-01-01T00:00:00'}}\n",
        "t.a.maximum",
        {"a": [TS(2025, 12, 31, 23, 59)]},
        {"a": [TS(2026, 1, 1, 0, 0, 1)]},
        1,
    ),
    (
        "validValues",
        "      - name: a\n        logicalType: string\n        quality:\n"
        "          - {metric: invalidValues, arguments: {validValues: [x, y]}, mustBe: 0}\n",
        "t.a.quality[0].invalidValues",
        {"a": ["x", "y", None]},
        {"a": ["x", "z", "w"]},
        2,
    ),
    (
        "invalid pattern",
        "      - name: a\n        logicalType: string\n        quality:\n"
        "          - {metric: invalidValues, arguments: {pattern: '^[0-9]+$'}, mustBeLessThan: 2}\n",
        "t.a.quality[0].invalidValues",
        {"a": ["1", "x"]},
        {"a": ["x", "y"]},
        2,
    ),
    (
        "nullValues",
        "      - name: a\n        logicalType: string\n        quality:\n"
        "          - {metric: nullValues, mustBeLessOrEqualTo: 1}\n",
        "t.a.quality[0].nullValues",
        {"a": [None, "a"]},
        {"a": [None, None, "a"]},
        2,
    ),
    (
        "nullValues percent",
        "      - name: a\n        logicalType: string\n        quality:\n"
        "          - {metric: nullValues, unit: percent, mustBeLessThan: 50}\n",
        "t.a.quality[0].nullValues",
        {"a": [None, "a", "b", "c"]},
        {"a": [None, None, None, "a"]},
        75.0,
    ),
    (
        "missingValues",
        "      - name: a\n        logicalType: string\n        quality:\n"
        "          - {metric: missingValues, arguments: {missingValues: ['', 'n/a']}, mustBe: 0}\n",
        "t.a.quality[0].missingValues",
        {"a": ["x"]},
        {"a": ["", "n/a", None, "x"]},
        3,
    ),
    (
        "duplicateValues",
        "      - name: a\n        logicalType: string\n        quality:\n"
        "          - {metric: duplicateValues, mustBe: 0}\n",
        "t.a.quality[0].duplicateValues",
        {"a": ["x", "y"]},
        {"a": ["x", "x", "y"]},
        2,
    ),
    (
        "rowCount between",
        "      - {name: a, logicalType: integer}\n    quality:\n"
        "      - {metric: rowCount, mustBeBetween: [2, 3]}\n",
        "t.quality[0].rowCount",
        {"a": [1, 2]},
        {"a": [1, 2, 3, 4]},
        4,
    ),
    (
        "rowCount not between",
        "      - {name: a, logicalType: integer}\n    quality:\n"
        "      - {metric: rowCount, mustNotBeBetween: [0, 1]}\n",
        "t.quality[0].rowCount",
        {"a": [1, 2]},
        {"a": [1]},
        1,
    ),
    (
        "rowCount greater",
        "      - {name: a, logicalType: integer}\n    quality:\n"
        "      - {metric: rowCount, mustBeGreaterThan: 0}\n",
        "t.quality[0].rowCount",
        {"a": [1]},
        {"a": pa.array([], pa.int64())},
        0,
    ),
    (
        "rowCount mustNotBe",
        "      - {name: a, logicalType: integer}\n    quality:\n      - {metric: rowCount, mustNotBe: 2}\n",
        "t.quality[0].rowCount",
        {"a": [1]},
        {"a": [1, 2]},
        2,
    ),
    (
        "rowCount ge",
        "      - {name: a, logicalType: integer}\n    quality:\n"
        "      - {metric: rowCount, mustBeGreaterOrEqualTo: 2}\n",
        "t.quality[0].rowCount",
        {"a": [1, 2]},
        {"a": [1]},
        1,
    ),
    (
        "rowCount le",
        "      - {name: a, logicalType: integer}\n    quality:\n"
        "      - {metric: rowCount, mustBeLessOrEqualTo: 2}\n",
        "t.quality[0].rowCount",
        {"a": [1, 2]},
        {"a": [1, 2, 3]},
        3,
    ),
    (
        "multi-column duplicates",
        "      - {name: a, logicalType: string}\n      - {name: b, logicalType: integer}\n"
        "    quality:\n      - {metric: duplicateValues, arguments: {properties: [a, b]}, mustBe: 0}\n",
        "t.quality[0].duplicateValues",
        {"a": ["x", "x"], "b": [1, 2]},
        {"a": ["x", "x", "y"], "b": [1, 1, 1]},
        2,
    ),
    (
        "composite primary key",
        "      - {name: a, logicalType: string, primaryKey: true, primaryKeyPosition: 1}\n"
        "      - {name: b, logicalType: integer, primaryKey: true, primaryKeyPosition: 2}\n",
        "t.primaryKey",
        {"a": ["x", "x"], "b": [1, 2]},
        {"a": ["x", "x", "x"], "b": [1, 1, 2]},
        2,
    ),
    (
        "primary key not null",
        "      - {name: a, logicalType: string, primaryKey: true, primaryKeyPosition: 1}\n"
        "      - {name: b, logicalType: integer, primaryKey: true, primaryKeyPosition: 2}\n",
        "t.primaryKey.notNull",
        {"a": ["x"], "b": [1]},
        {"a": ["x", None], "b": [None, None]},
        2,
    ),
    ("type", "      - {name: a, logicalType: integer}\n", "t.a.type", {"a": [1]}, {"a": ["1"]}, "string"),
]


@pytest.mark.parametrize(
    ("case", "body", "check_id", "good", "bad", "measured"), CASES, ids=[c[0] for c in CASES]
)
def test_check_passes_on_good_data_and_fails_on_bad(
    tmp_path: Path,
    case: str,
    body: str,
    check_id: str,
    good: dict[str, Any],
    bad: dict[str, Any],
    measured: Any,
) -> None:
    contract = contract_of(body, tmp_path)
    passed = {c.id: c for c in check(contract, good, tmp_path).checks}
    assert passed[check_id].status == CheckStatus.passed, passed[check_id]
    failed_run = check(contract, bad, tmp_path)
    failed = {c.id: c for c in failed_run.checks}
    assert failed[check_id].status == CheckStatus.failed, failed[check_id]
    assert failed[check_id].measured == measured
    assert not failed_run.passed
    assert failed[check_id] in failed_run.blocking


def test_warning_severity_reports_without_blocking(tmp_path: Path) -> None:
    contract = contract_of(
        "      - name: a\n        logicalType: string\n        quality:\n"
        "          - {metric: nullValues, mustBe: 0, severity: warning}\n",
        tmp_path,
    )
    result = check(contract, {"a": [None, "x"]}, tmp_path)
    rule = next(c for c in result.checks if c.id == "t.a.quality[0].nullValues")
    assert rule.status == CheckStatus.warning and rule.measured == 1
    assert result.passed


def test_failures_carry_samples_query_and_masked_pii(tmp_path: Path) -> None:
    contract = contract_of(
        "      - {name: id, logicalType: string, primaryKey: true}\n"
        "      - {name: email, logicalType: string, classification: pii, logicalTypeOptions: {pattern: '@'}}\n",
        tmp_path,
    )
    result = check(contract, {"id": ["1", "2"], "email": ["a@b.c", "nope"]}, tmp_path)
    failed = next(c for c in result.checks if c.id == "t.email.pattern")
    assert [row["id"] for row in failed.samples] == ["2"]
    assert str(failed.samples[0]["email"]).startswith("masked:")  # the one masking function
    assert failed.query is not None and "REGEXP" in failed.query.upper()


def test_missing_column_fails_and_its_checks_are_errors(tmp_path: Path) -> None:
    contract = contract_of(
        "      - {name: a, logicalType: string}\n"
        "      - {name: b, logicalType: number, required: true, logicalTypeOptions: {minimum: 0}}\n",
        tmp_path,
    )
    result = check(contract, {"a": ["x"]}, tmp_path)
    by_id = {c.id: c for c in result.checks}
    assert by_id["t.b.present"].status == CheckStatus.failed
    assert by_id["t.b.required"].status == CheckStatus.error
    assert by_id["t.b.minimum"].status == CheckStatus.error
    assert not result.passed


def test_what_cannot_be_evaluated_is_never_passed(tmp_path: Path) -> None:
    contract = contract_of(
        "      - name: a\n        logicalType: string\n"
        "        logicalTypeOptions: {format: zipcode}\n"
        "        relationships: [{type: foreignKey, to: other.a}]\n"
        "        quality:\n"
        "          - {type: sql, query: 'select count(*) from secrets', mustBe: 0}\n"
        "          - {type: custom, engine: greatExpectations, implementation: 'x'}\n"
        "          - {type: sql, query: 'delete from t', mustBe: 0}\n",
        tmp_path,
    )
    # An unknown metric is refused by the ODCS schema at lint time; the gate must still
    # not pass it if it ever gets one. Neither is a rule without a threshold.
    assert contract.model.schema_ is not None and contract.model.schema_[0].properties is not None
    rules = contract.model.schema_[0].properties[0].quality
    assert rules is not None
    rules.append(DataQuality(metric="nullValues"))
    rules.append(DataQuality(metric="madeUpMetric", mustBe=0))
    result = check(contract, {"a": ["x"]}, tmp_path)
    by_id = {c.id: c for c in result.checks}
    assert by_id["t.a.format"].status == CheckStatus.error
    assert "unknown format `zipcode`" in by_id["t.a.format"].message
    assert by_id["t.a.relationship[0]"].status == CheckStatus.error
    assert "`other` is not available" in by_id["t.a.relationship[0]"].message
    assert by_id["t.a.quality[0]"].status == CheckStatus.error
    assert "reads `secrets`" in by_id["t.a.quality[0]"].message
    assert by_id["t.a.quality[1]"].status == CheckStatus.skipped  # custom engine: said, not passed
    assert by_id["t.a.quality[2]"].status == CheckStatus.error
    assert "only a single SELECT" in by_id["t.a.quality[2]"].message
    assert by_id["t.a.quality[3].nullValues"].status == CheckStatus.error
    assert by_id["t.a.quality[4].madeUpMetric"].status == CheckStatus.error
    assert not result.passed
    assert all(
        c.status != CheckStatus.passed for cid, c in by_id.items() if cid not in ("t.a.present", "t.a.type")
    )


def check_with(
    contract: Contract,
    data: dict[str, list[Any]],
    tmp_path: Path,
    references: dict[str, dict[str, list[Any]]],
    as_of: dt.datetime | None = None,
) -> CheckRun:
    """Run checks with other tables registered under their names (for relationships, SQL)."""
    session = DuckDBSession()
    try:
        tables = {}
        for name, columns in {"t": data, **references}.items():
            file = tmp_path / f"{name}-{len(list(tmp_path.glob('*.parquet')))}.parquet"
            pq.write_table(pa.table(columns), file)
            tables[name] = session.register(name, [str(file)], "parquet")
        refs = {k: v for k, v in tables.items() if k != "t"}
        return run_checks(session, tables["t"], contract, "t", references=refs, as_of=as_of)
    finally:
        session.close()


def test_relationship_to_another_table(tmp_path: Path) -> None:
    contract = contract_of(
        "      - name: order_id\n        logicalType: string\n"
        "        relationships: [{type: foreignKey, to: orders.id}]\n",
        tmp_path,
    )
    orders = {"orders": {"id": ["o1", "o2"]}}
    ok = check_with(contract, {"order_id": ["o1", "o2", "o2", None]}, tmp_path, orders)
    assert next(c for c in ok.checks if c.kind == "relationship").status == CheckStatus.passed
    bad = check_with(contract, {"order_id": ["o1", "o3", "o4", "o4"]}, tmp_path, orders)
    rel = next(c for c in bad.checks if c.kind == "relationship")
    assert rel.status == CheckStatus.failed and rel.measured == 3
    assert sorted(r["order_id"] for r in rel.samples) == ["o3", "o4", "o4"]
    assert "ANTI" in (rel.query or "").upper() or "NOT EXISTS" in (rel.query or "").upper()


def test_composite_relationship_at_object_level(tmp_path: Path) -> None:
    contract = contract_of(
        "      - {name: a, logicalType: string}\n      - {name: b, logicalType: integer}\n"
        "    relationships:\n      - {type: foreignKey, from: [t.a, t.b], to: [lines.a, lines.b]}\n",
        tmp_path,
    )
    lines = {"lines": {"a": ["x", "x"], "b": [1, 2]}}
    bad = check_with(contract, {"a": ["x", "x", "y"], "b": [1, 3, 1]}, tmp_path, lines)
    rel = next(c for c in bad.checks if c.id == "t.relationship[0]")
    assert rel.status == CheckStatus.failed and rel.measured == 2


def test_sql_rule_with_placeholders(tmp_path: Path) -> None:
    contract = contract_of(
        "      - name: amount\n        logicalType: number\n        quality:\n"
        "          - {type: sql, query: 'select count(*) from {object} where {property} < 0', mustBe: 0}\n",
        tmp_path,
    )
    assert check(contract, {"amount": [1.0, 0.0]}, tmp_path).passed
    bad = check(contract, {"amount": [-1.0, -2.0, 3.0]}, tmp_path)
    rule = next(c for c in bad.checks if c.kind == "sql")
    assert rule.status == CheckStatus.failed and rule.measured == 2
    assert rule.query == "select count(*) from t where amount < 0"


def test_freshness_and_retention_slas_warn_against_the_as_of_time(tmp_path: Path) -> None:
    contract = contract_of(
        "      - {name: ts, logicalType: timestamp}\n"
        "slaProperties:\n"
        "  - {property: latency, value: 1, unit: d, element: t.ts}\n"
        "  - {property: retention, value: 1, unit: y, element: t.ts}\n"
        "  - {property: frequency, value: 1, unit: d}\n",
        tmp_path,
    )
    data = {"ts": [TS(2024, 6, 1), TS(2026, 9, 30, 12)]}
    fresh = check_with(contract, data, tmp_path, {}, as_of=dt.datetime(2026, 9, 30, 18, tzinfo=dt.UTC))
    by_id = {c.id: c for c in fresh.checks}
    assert by_id["t.sla[0].latency"].status == CheckStatus.passed
    assert by_id["t.sla[0].latency"].measured == 0.25
    # The oldest row is 2.3 years old: more than the 1-year retention.
    assert by_id["t.sla[1].retention"].status == CheckStatus.warning
    assert by_id["t.sla[1].retention"].measured == pytest.approx(2.33, abs=0.01)
    assert "t.sla[2].frequency" not in by_id  # a promise about the service, not the data
    assert fresh.passed  # SLAs warn, they do not block
    stale = check_with(contract, data, tmp_path, {}, as_of=dt.datetime(2026, 10, 3, tzinfo=dt.UTC))
    latency = next(c for c in stale.checks if c.id == "t.sla[0].latency")
    assert latency.status == CheckStatus.warning and latency.measured == 2.5


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("email", ["a@b.co"], ["a@b", "no at.com"]),
        ("uuid", ["123e4567-e89b-12d3-a456-426614174000"], ["123e4567", "zzz"]),
        ("uri", ["https://x.example/a"], ["not a uri", "x"]),
        ("ipv4", ["10.0.0.1"], ["256.1.1.1", "1.2.3"]),
        ("date", ["2026-02-28"], ["2026-13-01", "28/02/2026"]),
        ("date-time", ["2026-02-28T10:00:00Z"], ["2026-02-28", "yesterday"]),
    ],
)
def test_formats(tmp_path: Path, fmt: str, good: list[str], bad: list[str]) -> None:
    contract = contract_of(
        f"      - {{name: a, logicalType: string, logicalTypeOptions: {{format: {fmt}}}}}\n", tmp_path
    )
    assert (
        next(c for c in check(contract, {"a": good}, tmp_path).checks if c.id == "t.a.format").status
        == "passed"
    )
    failed = next(c for c in check(contract, {"a": bad}, tmp_path).checks if c.id == "t.a.format")
    assert failed.status == CheckStatus.failed and failed.measured == len(bad)


def test_multiple_of(tmp_path: Path) -> None:
    contract = contract_of(
        "      - {name: a, logicalType: number, logicalTypeOptions: {multipleOf: 0.01}}\n", tmp_path
    )
    assert check(contract, {"a": [19.99, 0.1, 3.0]}, tmp_path).passed
    failed = next(
        c for c in check(contract, {"a": [19.999, 1.0]}, tmp_path).checks if c.id == "t.a.multipleOf"
    )
    assert failed.status == CheckStatus.failed and failed.measured == 1


@pytest.mark.parametrize(
    ("logical", "physical", "data", "status"),
    [
        ("integer", "bigint", pa.array([1], pa.int32()), CheckStatus.passed),
        ("integer", "integer", pa.array([1], pa.int64()), CheckStatus.failed),
        ("number", "double", pa.array([1.5], pa.float64()), CheckStatus.passed),
        ("number", "decimal(12,2)", pa.array([1.5], pa.float64()), CheckStatus.failed),
        ("string", "varchar(18)", pa.array(["x"]), CheckStatus.passed),
        ("date", "date", pa.array([D(2026, 1, 1)]), CheckStatus.passed),
        (
            "timestamp",
            "timestamp",
            pa.array([TS(2026, 1, 1)], pa.timestamp("us", tz="UTC")),
            CheckStatus.failed,
        ),
        ("string", "frobnicate(3)", pa.array(["x"]), CheckStatus.skipped),
    ],
)
def test_physical_type(
    tmp_path: Path, logical: str, physical: str, data: pa.Array, status: CheckStatus
) -> None:
    contract = contract_of(
        f"      - {{name: a, logicalType: {logical}, physicalType: '{physical}'}}\n", tmp_path
    )
    result = next(c for c in check(contract, {"a": data}, tmp_path).checks if c.id == "t.a.physicalType")
    assert result.status == status, result.message


class CountingSession(DuckDBSession):
    """A real DuckDB session that keeps the queries the gate sent it."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def fetch(self, query: str) -> list[dict[str, Any]]:
        self.queries.append(query)
        return super().fetch(query)


def test_a_key_that_is_also_unique_is_grouped_once(tmp_path: Path) -> None:
    """Primary key and `unique` on one column: one grouped scan serves both, each judged alone."""
    contract = contract_of(
        "      - {name: id, logicalType: integer, primaryKey: true, unique: true}\n"
        "      - {name: b, logicalType: integer, unique: true}\n",
        tmp_path,
    )
    file = tmp_path / "dupes.parquet"
    pq.write_table(pa.table({"id": [1, 1, 2, 3, 3, 3, None], "b": [1, 2, 3, 4, 5, 6, 7]}), file)
    session = CountingSession()
    try:
        session.bind("t", [str(file)], "parquet")
        run = run_checks(session, "t", contract, "t")
    finally:
        session.close()
    by_id = {c.id: c for c in run.checks}
    key, unique, other = by_id["t.primaryKey"], by_id["t.id.unique"], by_id["t.b.unique"]
    assert (key.status, key.measured) == (CheckStatus.failed, 5)
    assert (unique.status, unique.measured) == (CheckStatus.failed, 5)
    assert key.samples == unique.samples == [{"id": 3, "n": 3}, {"id": 1, "n": 2}]
    assert (other.status, other.measured) == (CheckStatus.passed, 0)
    grouped = [q for q in session.queries if "GROUP BY" in q.upper()]
    # One grouped query per key, its count and its sample together: id (it fails), b (it holds).
    assert len(grouped) == 2, grouped


def test_failed_key_and_relationship_samples_are_the_first_by_key(tmp_path: Path) -> None:
    """Samples of a failed key or foreign key come with their count from one query, and are
    always the same rows: keys shared by the most rows first, then by key; orphans by key."""
    contract = contract_of(
        "      - {name: id, logicalType: integer, primaryKey: true}\n"
        "      - {name: ref, logicalType: integer, relationships: [{type: foreignKey, to: other.id}]}\n",
        tmp_path,
    )
    file, other = tmp_path / "t.parquet", tmp_path / "other.parquet"
    # Seven keys repeated (8 three times), in no order; refs 90..97 have no match, also in no order.
    ids = [40, 8, 12, 40, 31, 8, 12, 77, 5, 31, 8, 77, 60, 5, 60, 1, 2]
    refs = [97, 1, 93, 2, 90, 96, 3, 91, 95, 1, 94, 92, None, 2, 3, 1, 2]
    pq.write_table(pa.table({"id": ids, "ref": refs}), file)
    pq.write_table(pa.table({"id": [1, 2, 3]}), other)
    session = CountingSession()
    try:
        session.bind("t", [str(file)], "parquet")
        session.bind("other", [str(other)], "parquet")
        run = run_checks(session, "t", contract, "t", references={"other": "other"})
    finally:
        session.close()
    by_id = {c.id: c for c in run.checks}
    key, rel = by_id["t.primaryKey"], by_id["t.ref.relationship[0]"]
    assert (key.status, key.measured) == (CheckStatus.failed, 15)
    assert key.samples == [
        {"id": 8, "n": 3},
        {"id": 5, "n": 2},
        {"id": 12, "n": 2},
        {"id": 31, "n": 2},
        {"id": 40, "n": 2},
    ]
    assert (rel.status, rel.measured) == (CheckStatus.failed, 8)
    assert rel.samples == [{"ref": r} for r in (90, 91, 92, 93, 94)]
    assert len([q for q in session.queries if "GROUP BY" in q.upper()]) == 1
    assert len([q for q in session.queries if "ANTI JOIN" in q.upper()]) == 1


def test_a_unique_column_called_n_is_counted(tmp_path: Path) -> None:
    """The grouping's own count has a name no column takes: a column called `n` (or `total`)
    is grouped, not summed in place of the count (it measured 1 here, not 2)."""
    contract = contract_of(
        "      - {name: n, logicalType: integer, unique: true}\n"
        "      - {name: total, logicalType: integer, unique: true}\n",
        tmp_path,
    )
    run = check(contract, {"n": [1, 1, 2], "total": [5, 5, 6]}, tmp_path)
    by_id = {c.id: c for c in run.checks}
    assert (by_id["t.n.unique"].status, by_id["t.n.unique"].measured) == (CheckStatus.failed, 2)
    assert by_id["t.n.unique"].samples == [{"n": 1}]
    assert by_id["t.total.unique"].measured == 2
    assert by_id["t.total.unique"].samples == [{"total": 5, "n": 2}]
