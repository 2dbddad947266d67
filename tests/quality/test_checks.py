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
    assert failed.samples == [{"id": "2", "email": "***"}]
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
        "        logicalTypeOptions: {format: email}\n"
        "        relationships: [{type: foreignKey, to: other.a}]\n"
        "        quality:\n"
        "          - {type: sql, query: 'select 0', mustBe: 0}\n"
        "          - {type: custom, engine: greatExpectations, implementation: 'x'}\n",
        tmp_path,
    )
    # An unknown metric is refused by the ODCS schema at lint time; the gate must still
    # not pass it if it ever gets one.
    assert contract.model.schema_ is not None and contract.model.schema_[0].properties is not None
    # Neither is a rule without a threshold (the schema refuses it too).
    rules = contract.model.schema_[0].properties[0].quality
    assert rules is not None
    rules.append(DataQuality(metric="nullValues"))
    rules.append(DataQuality(metric="madeUpMetric", mustBe=0))
    result = check(contract, {"a": ["x"]}, tmp_path)
    statuses = {c.id: c.status for c in result.checks}
    assert statuses["t.a.format"] == CheckStatus.skipped
    assert statuses["t.a.relationship[0]"] == CheckStatus.skipped
    assert statuses["t.a.quality[0]"] == CheckStatus.skipped
    assert statuses["t.a.quality[1]"] == CheckStatus.skipped
    assert statuses["t.a.quality[2].nullValues"] == CheckStatus.error  # no threshold: cannot pass or fail
    assert statuses["t.a.quality[3].madeUpMetric"] == CheckStatus.error
    assert not result.passed
    assert all(
        s != CheckStatus.passed for cid, s in statuses.items() if "quality" in cid or cid.endswith("format")
    )
