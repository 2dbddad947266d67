"""Bad data and bad contracts never crash `andmesh test` or a run, and nothing unevaluated passes.

Each case is a reproduction of a finding: a corrupt or empty Parquet file, a regex the
engine refuses, a SQL rule sqlglot cannot tokenize, duplicate property names, a NaN in
a range, a null in a required field nested in an object column.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.engine.duckdb import DuckDBSession
from andmesh.errors import DataFileError
from andmesh.facade import Andmesh
from andmesh.quality import CheckRun, CheckStatus, run_checks
from andmesh.workspace import Workspace
from tests.quality.test_checks import contract_of

runner = CliRunner()
CONTRACT = "domains/sales/products/customers/contract.yaml"


def cli(workspace: Workspace, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(workspace.root), *args], catch_exceptions=False)


def run_on(contract_body: str, table: pa.Table, tmp_path: Path) -> CheckRun:
    contract = contract_of(contract_body, tmp_path)
    file = tmp_path / f"data-{len(list(tmp_path.glob('data-*')))}.parquet"
    pq.write_table(table, file)
    session = DuckDBSession()
    try:
        return run_checks(session, session.register("t", [str(file)], "parquet"), contract, "t")
    finally:
        session.close()


def statuses(run: CheckRun) -> dict[str, tuple[CheckStatus, Any]]:
    return {c.id: (c.status, c.measured) for c in run.checks}


# --- unreadable data files ----------------------------------------------------------------


@pytest.mark.parametrize(
    "content", [b"", b"PAR1 this is not a parquet file at all"], ids=["empty", "corrupt"]
)
def test_unreadable_parquet_is_an_input_error_naming_the_file(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(content)
    result = cli(workspace, "test", str(mesh_dir / CONTRACT), "--data", str(bad))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert f"{bad}: not a readable parquet file" in result.stderr
    assert "fix:" in result.stderr


def test_one_bad_file_among_several_is_named(andmesh: Andmesh, mesh_dir: Path, tmp_path: Path) -> None:
    good = pa.table({"customer_id": ["C1"], "customer_name": ["A"], "segment": ["enterprise"]})
    for index in range(3):
        pq.write_table(good, tmp_path / f"part-{index}.parquet")
    (tmp_path / "part-1.parquet").write_bytes(b"")
    with pytest.raises(DataFileError) as caught:
        andmesh.test(str(mesh_dir / CONTRACT), data=[str(tmp_path / "part-*.parquet")])
    assert caught.value.file == str(tmp_path / "part-1.parquet")
    assert caught.value.exit_code == 2


def test_corrupt_source_in_a_run_fails_the_port_with_the_file(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path
) -> None:
    product = mesh_dir / "domains/sales/products/customers/product.yaml"
    product.write_text(
        product.read_text()
        .replace("path: sales/customers.csv", "path: sales/customers.parquet")
        .replace("format: csv", "format: parquet")
    )
    (mesh_dir / "data/sales/customers.parquet").write_bytes(b"")
    result = cli(workspace, "run", str(mesh_dir), "--data", str(mesh_dir / "data"))
    assert result.exit_code == 2
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert "customers.parquet: not a readable parquet file" in out.replace("\n", "")
    assert "fix:" in out


def test_data_that_fails_only_when_read_is_an_input_error(
    andmesh: Andmesh, mesh_dir: Path, tmp_path: Path
) -> None:
    """A Parquet file whose footer is fine and whose pages are not: found when the checks scan it."""
    rows = 5000
    table = pa.table(
        {
            "customer_id": [f"C{i}" for i in range(rows)],
            "customer_name": ["n" * 12] * rows,
            "segment": ["enterprise"] * rows,
        }
    )
    good = tmp_path / "good.parquet"
    pq.write_table(table, good, compression="none")
    data = bytearray(good.read_bytes())
    for i in range(1000, len(data) - 1000, 61):
        data[i] = (data[i] * 7 + 13) % 256
    bad = tmp_path / "pages.parquet"
    bad.write_bytes(bytes(data))
    with pytest.raises(DataFileError) as caught:
        andmesh.test(str(mesh_dir / CONTRACT), data=[str(bad)])
    assert str(bad) in caught.value.message


# --- contracts that cannot be evaluated are refused when loaded ------------------------------


def _contract_with(mesh_dir: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (mesh_dir / CONTRACT).read_text()
    assert old in text
    target = tmp_path / "contract.yaml"
    target.write_text(text.replace(old, new, 1))
    return target


@pytest.mark.parametrize(
    ("pattern", "why"),
    [("([a-z", "missing ]"), ("^(?=C)C[0-9]+$", "invalid perl operator"), ("(C)\\\\1", "invalid escape")],
    ids=["unclosed", "lookahead", "backreference"],
)
def test_regex_the_engine_refuses_is_a_spec_error_at_its_line(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path, pattern: str, why: str
) -> None:
    contract = _contract_with(
        mesh_dir,
        tmp_path,
        "        unique: true\n",
        f'        unique: true\n        logicalTypeOptions:\n          pattern: "{pattern}"\n',
    )
    result = cli(workspace, "test", str(contract), "--data", str(mesh_dir / "data/sales/customers.csv"))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert f"{contract}:27:" in result.stderr and why in result.stderr and "fix:" in result.stderr


def test_regex_only_re2_accepts_is_not_refused(workspace: Workspace, mesh_dir: Path, tmp_path: Path) -> None:
    """`\\p{Lu}` is RE2 (DuckDB) syntax that Python's `re` refuses: validation follows the engine."""
    contract = _contract_with(
        mesh_dir,
        tmp_path,
        "        unique: true\n",
        "        unique: true\n        logicalTypeOptions:\n          pattern: '^\\p{Lu}[0-9]+$'\n",
    )
    result = cli(workspace, "test", str(contract), "--data", str(mesh_dir / "data/sales/customers.csv"))
    assert result.exit_code in (0, 1), result.stderr
    assert "pattern" not in result.stderr


def test_invalid_values_pattern_is_validated_too(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path
) -> None:
    contract = _contract_with(
        mesh_dir,
        tmp_path,
        "              validValues: [enterprise, mid_market, small_business]\n",
        "              pattern: '[a-z'\n",
    )
    result = cli(workspace, "test", str(contract), "--data", str(mesh_dir / "data/sales/customers.csv"))
    assert result.exit_code == 2
    assert "arguments.pattern" in result.stderr


def test_sql_rule_that_does_not_tokenize_is_a_spec_error(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path
) -> None:
    contract = _contract_with(
        mesh_dir,
        tmp_path,
        "            mustBe: 0\n",
        '            mustBe: 0\n          - type: sql\n            query: "select count(*) from customers where x = \'open"\n            mustBe: 0\n',
    )
    result = cli(workspace, "test", str(contract), "--data", str(mesh_dir / "data/sales/customers.csv"))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert f"{contract}:42:" in result.stderr and "does not parse" in result.stderr


def test_duplicate_property_names_are_refused_by_test_as_by_lint(
    workspace: Workspace, mesh_dir: Path, tmp_path: Path
) -> None:
    contract = _contract_with(mesh_dir, tmp_path, "      - name: email\n", "      - name: customer_name\n")
    result = cli(workspace, "test", str(contract), "--data", str(mesh_dir / "data/sales/customers.csv"))
    assert result.exit_code == 2
    assert f"{contract}:30:" in result.stderr and "`customer_name` is declared twice" in result.stderr
    shutil.copy(contract, mesh_dir / CONTRACT)
    lint = cli(workspace, "lint", str(mesh_dir))
    assert lint.exit_code == 2
    assert lint.stderr.count("declared twice") == 1
    assert "1 error(s)" in lint.stderr


# --- NaN and nested fields are judged ------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "bound"),
    [("minimum", 0), ("maximum", 100), ("exclusiveMinimum", 0), ("exclusiveMaximum", 100)],
)
def test_nan_fails_a_range(tmp_path: Path, option: str, bound: int) -> None:
    body = f"      - {{name: a, logicalType: number, logicalTypeOptions: {{{option}: {bound}}}}}\n"
    run = run_on(body, pa.table({"a": [1.0, math.nan, None, 50.0]}), tmp_path)
    status, measured = statuses(run)[f"t.a.{option}"]
    assert (status, measured) == (CheckStatus.failed, 1)
    failing = next(c for c in run.checks if c.id == f"t.a.{option}")
    assert len(failing.samples) == 1


def test_nan_is_not_an_accepted_value_nor_a_multiple(tmp_path: Path) -> None:
    body = (
        "      - name: a\n        logicalType: number\n        logicalTypeOptions: {multipleOf: 0.5}\n"
        "        quality:\n          - {metric: invalidValues, arguments: {validValues: [1.0, 2.0]}, mustBe: 0}\n"
        "          - {metric: missingValues, mustBe: 0}\n          - {metric: nullValues, mustBe: 0}\n"
    )
    found = statuses(run_on(body, pa.table({"a": [1.0, math.nan, 2.0]}), tmp_path))
    assert found["t.a.multipleOf"] == (CheckStatus.failed, 1)
    assert found["t.a.quality[0].invalidValues"] == (CheckStatus.failed, 1)
    assert found["t.a.quality[1].missingValues"] == (CheckStatus.failed, 1)  # NaN is the float "no value"
    assert found["t.a.quality[2].nullValues"] == (CheckStatus.passed, 0)  # but it is not null


NESTED = """\
      - name: id
        logicalType: string
      - name: address
        logicalType: object
        properties:
          - name: city
            logicalType: string
            required: true
          - name: geo
            logicalType: object
            properties:
              - name: lat
                logicalType: number
                required: true
                logicalTypeOptions: {minimum: -90, maximum: 90}
"""


def _addresses(rows: list[Any]) -> pa.Table:
    geo = pa.struct([("lat", pa.float64())])
    address = pa.struct([("city", pa.string()), ("geo", geo)])
    return pa.table({"id": [f"r{i}" for i in range(len(rows))], "address": pa.array(rows, type=address)})


def test_required_inside_an_object_column_is_checked(tmp_path: Path) -> None:
    rows = [
        {"city": "Oslo", "geo": {"lat": 59.9}},
        {"city": None, "geo": {"lat": 10.0}},  # the finding: a null there passed
        None,  # no address at all: an optional object, its fields are not required
        {"city": "Rome", "geo": None},  # no geo: lat is not required either
        {"city": "Nice", "geo": {"lat": None}},
        {"city": "Pole", "geo": {"lat": 95.0}},
    ]
    run = run_on(NESTED, _addresses(rows), tmp_path)
    found = statuses(run)
    assert found["t.address.city.required"] == (CheckStatus.failed, 1)
    assert found["t.address.geo.lat.required"] == (CheckStatus.failed, 1)
    assert found["t.address.geo.lat.maximum"] == (CheckStatus.failed, 1)
    assert found["t.address.geo.lat.type"][0] == CheckStatus.passed
    assert not run.passed
    sample = next(c for c in run.checks if c.id == "t.address.city.required").samples
    assert sample == [{"address.city": None}]


def test_nested_field_missing_from_the_data_fails(tmp_path: Path) -> None:
    address = pa.array([{"town": "Oslo"}], type=pa.struct([("town", pa.string())]))
    found = statuses(run_on(NESTED, pa.table({"id": ["r0"], "address": address}), tmp_path))
    assert found["t.address.city.present"][0] == CheckStatus.failed
    assert found["t.address.city.required"][0] == CheckStatus.error
    assert found["t.address.geo.lat.required"][0] == CheckStatus.error


def test_nested_fields_all_valid_pass(tmp_path: Path) -> None:
    run = run_on(NESTED, _addresses([{"city": "Oslo", "geo": {"lat": 59.9}}, None]), tmp_path)
    assert run.passed, [c for c in run.checks if c.status != CheckStatus.passed]
