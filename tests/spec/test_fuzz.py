"""Property-based fuzzing: no input makes spec loading or contract testing raise a traceback.

Spec loading is fuzzed with mutations of the reference mesh's own files (lines
dropped, doubled, swapped, re-indented; YAML syntax, unicode and junk spliced in);
contract testing with random contracts over random tables (NaN, infinities, None,
huge numbers, unicode, empty tables, types that do not match the contract). The only
exception allowed out is an ``AndmeshError`` (a message with a fix); the facade and
the loader are called directly, so the CLI's last-resort guard hides nothing here.
The budget is small (``max_examples``) so that ``make test`` stays fast; raise it with
``ANDMESH_FUZZ_EXAMPLES=2000`` for a longer hunt.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.engine.duckdb import DuckDBEngine
from andmesh.errors import AndmeshError, SpecProblem
from andmesh.quality.results import CheckStatus
from andmesh.quality.standalone import check_files
from andmesh.scaffold import scaffold_mesh
from andmesh.spec import lint_mesh
from andmesh.spec.loader import parse_spec
from andmesh.spec.yamlsource import load_yaml_text

# Small in `make test`; ANDMESH_FUZZ_EXAMPLES=2000 for a longer hunt.
EXAMPLES = int(os.environ.get("ANDMESH_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

O2C = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"
SPECS = sorted(O2C.rglob("*.yaml"))
TEXTS = {str(p.relative_to(O2C)): p.read_text() for p in SPECS}
JUNK = st.text(
    alphabet=st.sampled_from([*":-[]{}&*!|>'\"#%@`,?\t\n ", "\u00e9", "\u202e", "\ufeff", "\x00", "0", "a"]),
    max_size=12,
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A spec file of the reference mesh, changed in one to three places."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["drop", "double", "swap", "indent", "dedent", "splice", "key", "value"]))
        line = lines[at]
        if how == "drop":
            del lines[at]
        elif how == "double":
            lines.insert(at, line)
        elif how == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], line
        elif how == "indent":
            lines[at] = "  " + line
        elif how == "dedent":
            lines[at] = line[2:] if line.startswith("  ") else line
        elif how == "splice":
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + draw(JUNK) + line[cut:]
        elif how == "key" and ":" in line:
            key, _, rest = line.partition(":")
            lines[at] = key[: max(len(key) - 1, 0)] + ":" + rest  # a misspelt key
        elif how == "value" and ":" in line:
            key, _, _ = line.partition(":")
            value = draw(
                st.sampled_from(["", " null", " []", " {}", " -1", " 1e400", " .nan", " true", " '{{'"])
            )
            lines[at] = key + ":" + value + "\n"
    return name, "".join(lines)


@FUZZ
@given(mutated())
def test_fuzz_one_spec_file_never_raises(case: tuple[str, str]) -> None:
    name, text = case
    problems: list[SpecProblem] = []
    spec = parse_spec(load_yaml_text(text, O2C / name), problems)
    for problem in problems:
        assert problem.file == O2C / name and problem.message
    if spec is not None and spec.model is None:
        assert any(p.severity == "error" for p in problems)


@pytest.fixture(scope="module")
def small_mesh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "mesh"
    scaffold_mesh(root, "fuzz")
    return root


SMALL = ["domains/sales/products/customers/contract.yaml", "domains/sales/products/customers/product.yaml"]


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 1))
@given(st.sampled_from(SMALL), st.data())
def test_fuzz_lint_of_a_mesh_never_raises(small_mesh: Path, file: str, data: st.DataObject) -> None:
    """Resolution across files too: a mutated contract or product in a real mesh."""
    original = (small_mesh / file).read_text()
    lines = original.splitlines(keepends=True)
    at = data.draw(st.integers(0, len(lines) - 1))
    cut = data.draw(st.integers(0, len(lines[at])))
    lines[at] = lines[at][:cut] + data.draw(JUNK) + lines[at][cut:]
    (small_mesh / file).write_text("".join(lines))
    try:
        report = lint_mesh(small_mesh)
        assert report.ok == (not report.errors)
    finally:
        (small_mesh / file).write_text(original)


# --- contract testing on random contracts and random data ------------------------------------

FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([math.nan, -0.0, 1e308]))
STRINGS = st.text(max_size=8)
COLUMN_TYPES: dict[str, tuple[pa.DataType, st.SearchStrategy[Any]]] = {
    "int": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "float": (pa.float64(), FLOATS),
    "string": (pa.string(), STRINGS),
    "bool": (pa.bool_(), st.booleans()),
    "date": (pa.date32(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    "timestamp": (pa.timestamp("us"), st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1))),
    "struct": (
        pa.struct([("x", pa.float64()), ("s", pa.string())]),
        st.fixed_dictionaries({"x": st.one_of(st.none(), FLOATS), "s": st.one_of(st.none(), STRINGS)}),
    ),
    "list": (pa.list_(pa.int64()), st.lists(st.integers(-5, 5), max_size=3)),
}
NAMES = ["a", "b", "c", "é"]
LOGICAL = ["string", "integer", "number", "boolean", "date", "timestamp", "object", "array", None]
PATTERNS = ["^a", "([a-z", "(?=x)", "\\p{L}+", "", ".*", "[[:alpha:]]"]
VALUES = st.one_of(st.none(), st.integers(-10, 10), FLOATS, STRINGS, st.booleans())


@st.composite
def tables(draw: st.DrawFn) -> pa.Table:
    columns = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    rows = draw(st.integers(0, 6))
    arrays = {}
    for name in columns:
        kind, values = COLUMN_TYPES[draw(st.sampled_from(sorted(COLUMN_TYPES)))]
        arrays[name] = pa.array(
            draw(st.lists(st.one_of(st.none(), values), min_size=rows, max_size=rows)), type=kind
        )
    return pa.table(arrays)


@st.composite
def properties(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    prop: dict[str, Any] = {"name": draw(st.sampled_from([*NAMES, "x", "s"]))}
    logical = draw(st.sampled_from(LOGICAL))
    if logical:
        prop["logicalType"] = logical
    for flag in ("required", "unique", "primaryKey"):
        if draw(st.booleans()):
            prop[flag] = True
    options: dict[str, Any] = {}
    if logical in ("integer", "number", "date", "timestamp") and draw(st.booleans()):
        options[draw(st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]))] = draw(
            st.one_of(
                st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False), st.just("2020-01-01")
            )
        )
    if logical in ("integer", "number") and draw(st.booleans()):
        options["multipleOf"] = draw(st.sampled_from([0.5, 2, 1e-300, 3]))
    if logical == "string" and draw(st.booleans()):
        options[draw(st.sampled_from(["pattern", "minLength", "maxLength", "format"]))] = draw(
            st.one_of(
                st.sampled_from(PATTERNS), st.integers(0, 3), st.sampled_from(["email", "uuid", "nope"])
            )
        )
    if options:
        prop["logicalTypeOptions"] = options
    if draw(st.booleans()):
        metric = draw(
            st.sampled_from(["nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount"])
        )
        rule: dict[str, Any] = {"metric": metric, draw(st.sampled_from(["mustBe", "mustBeLessThan"])): 1}
        if metric == "invalidValues":
            rule["arguments"] = {"validValues": draw(st.lists(VALUES, max_size=3))}
        prop["quality"] = [rule]
    if logical == "object" and depth < 2 and draw(st.booleans()):
        prop["properties"] = draw(st.lists(properties(depth + 1), min_size=1, max_size=2))
    return prop


def contract_text(props: list[dict[str, Any]], sql: str | None) -> str:
    contract: dict[str, Any] = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "fuzz",
        "version": "1.0.0",
        "status": "active",
        "schema": [{"name": "t", "properties": props}],
    }
    if sql is not None:
        contract["schema"][0]["quality"] = [{"type": "sql", "query": sql, "mustBe": 0}]
    return json.dumps(contract, allow_nan=True)  # JSON is YAML; NaN becomes a YAML `.nan`-like scalar


SQL = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "select count(*) from t",
            "select count(*) from t where x = 'open",
            "select 'a'",
            "select 1/0",
            "select avg(a) from t",
        ]
    ),
)


@FUZZ
@given(tables(), st.lists(properties(), min_size=1, max_size=4), SQL)
def test_fuzz_contract_testing_never_raises(
    tmp_path_factory: pytest.TempPathFactory, table: pa.Table, props: list[dict[str, Any]], sql: str | None
) -> None:
    folder = tmp_path_factory.mktemp("case")
    contract = folder / "contract.yaml"
    contract.write_text(contract_text(props, sql))
    data = folder / "data.parquet"
    pq.write_table(table, data)
    try:
        run = check_files(DuckDBEngine(), contract, [str(data)])
    except AndmeshError as exc:
        refused: AndmeshError | None = exc
        event(f"refused: {type(exc).__name__}")
    else:
        refused = None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if refused is not None:
        assert refused.message and refused.exit_code in (1, 2, 3)
        return
    (checks,) = run.runs
    event("checked, " + ("passed" if run.passed else "blocked"))
    assert checks.rows == table.num_rows
    for check in checks.checks:
        if check.status == CheckStatus.passed and check.kind == "range":
            column = table.column(check.property) if check.property in table.column_names else None
            if column is not None and pa.types.is_floating(column.type):
                assert not any(isinstance(v, float) and math.isnan(v) for v in column.to_pylist())


@settings(FUZZ, max_examples=max(EXAMPLES // 4, 1))
@given(tables(), st.lists(properties(), min_size=1, max_size=3))
def test_fuzz_cli_never_prints_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, table: pa.Table, props: list[dict[str, Any]]
) -> None:
    folder = tmp_path_factory.mktemp("cli")
    contract = folder / "contract.yaml"
    contract.write_text(contract_text(props, None))
    data = folder / "data.parquet"
    pq.write_table(table, data)
    result = CliRunner().invoke(
        app,
        ["--workspace", str(folder / "ws"), "test", str(contract), "--data", str(data), "--output", "json"],
    )
    shutil.rmtree(folder, ignore_errors=True)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def test_a_character_json_writes_as_a_surrogate_pair_is_read_as_that_character(tmp_path: Path) -> None:
    """Found by the fuzzer: JSON text escapes a character outside the BMP as a surrogate pair
    (``"\\ud800\\udc00"``), which the YAML reader kept as two lone surrogates; the JSON output
    once failed to encode them (a traceback), then the check could not pass them to the engine.
    The spec loader now reads the pair as the character it encodes (as JSON does), so the
    check is measured like any other, and the report is valid JSON."""
    props = [
        {
            "name": "a",
            "logicalType": "string",
            "quality": [
                {"metric": "invalidValues", "mustBe": 1, "arguments": {"validValues": ["\U00010000"]}}
            ],
        }
    ]
    contract = tmp_path / "contract.yaml"
    contract.write_text(contract_text(props, None))
    assert "\\ud800\\udc00" in contract.read_text()
    data = tmp_path / "data.parquet"
    pq.write_table(pa.table({"a": pa.array(["x", "\U00010000"], pa.string())}), data)
    result = CliRunner().invoke(
        app,
        ["--workspace", str(tmp_path / "ws"), "test", str(contract), "--data", str(data), "--output", "json"],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    report = json.loads(result.output)
    # "x" is the one invalid value: U+10000 is in the list, so the pair was read as that character
    assert result.exit_code == 0 and report["contract_id"], result.output
    assert "surrogates not allowed" not in result.output
