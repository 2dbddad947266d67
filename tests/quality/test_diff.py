"""`andmesh diff`: every rule on a pair of contract files, the version verdict, the CLI.

Each folder under ``diff_cases/`` holds ``old.yaml``, ``new.yaml`` and ``expected.yaml``
(the changes' severity, kind and path — and old/new values where they matter — the
required and actual bump, whether the bump is ok, and the exit code).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from open_data_contract_standard.model import OpenDataContractStandard
from ruamel.yaml import YAML
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.errors import UsageError
from andmesh.quality.diff import (
    RULES,
    Bump,
    ContractDiff,
    Severity,
    diff_contracts,
    diff_files,
    load_contract,
)
from andmesh.quality.diff_rules import Changes
from tests.helpers import edit

CASES_DIR = Path(__file__).parent / "diff_cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())
DOCS = Path(__file__).parents[2] / "docs" / "diff.md"
runner = CliRunner()


def expected_of(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((case / "expected.yaml").read_text())
    return data


def cli(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["diff", *map(str, args)], catch_exceptions=False)


def as_rows(changes: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return sorted((c["severity"], c["kind"], c["path"]) for c in changes)


# ------------------------------------------------------------------ the table of cases


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case(case: Path) -> None:
    expected = expected_of(case)
    result = diff_files(case / "old.yaml", case / "new.yaml")
    got = [c.model_dump(mode="json") for c in result.changes]
    assert as_rows(got) == as_rows(expected["changes"]), "\n".join(c["message"] for c in got)
    by_path = {(c["kind"], c["path"]): c for c in got}
    for want in expected["changes"]:
        if "old" in want:
            change = by_path[(want["kind"], want["path"])]
            assert (change["old"], change["new"]) == (want["old"], want["new"]), change["message"]
    assert result.required_bump.value == expected["required_bump"]
    assert result.actual_bump.value == expected["actual_bump"]
    assert result.bump_ok is expected["bump_ok"]
    assert (1 if result.blocking else 0) == expected["exit_code"]
    ranks = [c.severity.rank for c in result.changes]
    assert ranks == sorted(ranks), "errors first, then warnings, then info"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case_through_the_cli(case: Path) -> None:
    expected = expected_of(case)
    result = cli(case / "old.yaml", case / "new.yaml", "--json")
    assert result.exit_code == expected["exit_code"], result.stdout + result.stderr
    printed = json.loads(result.stdout)
    assert as_rows(printed["changes"]) == as_rows(expected["changes"])
    assert printed["breaking"] is any(c["severity"] == "error" for c in expected["changes"])
    assert printed["bump_ok"] is expected["bump_ok"]


def test_the_cases_cover_every_rule() -> None:
    covered = {c["kind"] for case in CASES for c in expected_of(case)["changes"]}
    assert covered - set(RULES) == set(), "an expected.yaml names an unknown kind"
    assert set(RULES) - covered == set(), "every rule needs a case under diff_cases/"


def test_every_case_file_is_a_valid_contract() -> None:
    for case in CASES:
        for side in ("old.yaml", "new.yaml"):
            assert isinstance(load_contract(case / side), OpenDataContractStandard)


def test_the_docs_table_matches_the_rules() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| (\w+) \| (\w+) \|", DOCS.read_text(), flags=re.MULTILINE)
    documented = {kind: (severity, bump) for kind, severity, bump in rows}
    assert len(rows) == len(documented), "a kind is documented twice"
    assert documented == {k: (r.severity.value, r.bump.value) for k, r in RULES.items()}


# ------------------------------------------------------------------ verdict and API details


def contract(version: str, **extra: Any) -> OpenDataContractStandard:
    properties = [{"name": "a", "logicalType": "string"}, *extra.pop("more", [])]
    data = {"apiVersion": "v3.1.0", "kind": "DataContract", "id": "x", "version": version, "status": "active"}
    return OpenDataContractStandard.model_validate(
        {**data, "schema": [{"name": "t", "properties": properties}]}
    )


@pytest.mark.parametrize(
    ("old", "new", "more", "verdict"),
    [
        ("1.2.0", "1.3.0", [], "breaking: needs a major version bump: 1.2.0 → 1.3.0 is minor"),
        ("1.2.0", "2.0.0", [], "breaking, announced: 1.2.0 → 2.0.0 is major"),
        ("1.2.0", "1.2.0", [{"name": "b"}], "no changes: 1.2.0 → 1.2.0 is the same version"),
        (
            "1.2.0",
            "1.1.0",
            [{"name": "b"}],
            "no changes, but the version goes down: 1.2.0 → 1.1.0 is a downgrade",
        ),
    ],
)
def test_verdict(old: str, new: str, more: list[dict[str, Any]], verdict: str) -> None:
    # the old contract has property b, the new one does not (unless `more` gives it back)
    result = diff_contracts(contract(old, more=[{"name": "b"}]), contract(new, more=more))
    assert result.verdict == verdict


def test_verdict_when_not_breaking() -> None:
    old, new = contract("1.0.0"), contract("1.0.1", more=[{"name": "b"}])
    result = diff_contracts(old, new)
    assert (
        result.verdict
        == "not breaking, but the changes call for a minor version bump: 1.0.0 → 1.0.1 is patch"
    )
    assert not result.breaking and not result.blocking and not result.bump_ok
    assert diff_contracts(old, contract("1.1.0", more=[{"name": "b"}])).verdict == (
        "not breaking: 1.0.0 → 1.1.0 is minor (needs minor)"
    )


def test_a_rename_is_hinted() -> None:
    result = diff_contracts(contract("1.0.0", more=[{"name": "b"}]), contract("2.0.0", more=[{"name": "c"}]))
    removed = next(c for c in result.changes if c.kind == "property_removed")
    assert "renamed to c?" in removed.message


def test_a_non_semver_version_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"the new contract's version '1\.1' is not a semantic version"):
        diff_contracts(contract("1.0.0"), contract("1.1"))


def test_severity_comes_from_the_rules_only() -> None:
    out = Changes()
    out.add("range_narrowed", "t.a.logicalTypeOptions.minimum", 1, 5)
    assert out.items[0].severity is Severity.error
    assert out.items[0].message == "range narrowed: values outside the new bounds now fail"
    with pytest.raises(KeyError):
        out.add("no_such_rule", "t.a", None, None)


def test_json_shape() -> None:
    result = diff_contracts(contract("1.0.0", more=[{"name": "b"}]), contract("1.1.0"))
    data = json.loads(result.model_dump_json())
    assert set(data) == {
        *("contract_id", "old_version", "new_version", "changes", "required_bump", "actual_bump"),
        *("bump_ok", "breaking", "verdict"),
    }
    assert data["changes"][0] == {
        "severity": "error",
        "kind": "property_removed",
        "path": "t.b",
        "old": "b",
        "new": None,
        "message": "property removed: queries naming it fail",
    }
    assert ContractDiff.model_validate(data).required_bump is Bump.major


# ------------------------------------------------------------------ the command


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of a breaking case (a property removed, minor bump) to edit."""
    source = CASES_DIR / "property_removed_minor_bump"
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text((source / "old.yaml").read_text())
    new.write_text((source / "new.yaml").read_text())
    return old, new


def test_table_output_and_exit_1(pair: tuple[Path, Path]) -> None:
    result = cli(*pair)
    assert result.exit_code == 1
    assert "ERROR" in result.stdout and "orders.customer_email" in result.stdout
    assert "breaking: needs a major version bump: 1.0.0 → 1.1.0 is minor" in result.stdout


def test_major_bump_exits_0(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "version: 1.1.0", "version: 2.0.0")
    result = cli(*pair)
    assert result.exit_code == 0
    assert "breaking, announced: 1.0.0 → 2.0.0 is major" in result.stdout


def test_no_changes_prints_the_verdict_only(pair: tuple[Path, Path]) -> None:
    result = cli(pair[0], pair[0])
    assert result.exit_code == 0
    assert result.stdout.strip() == "no changes: 1.0.0 → 1.0.0 is the same version"


def test_values_with_brackets_are_not_rich_markup(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "validValues: [web, edi, phone]", "validValues: [web, edi]")
    result = cli(*pair)
    assert '["web", "edi", "phone"]' in result.stdout


def test_malformed_yaml_exits_2_with_file_and_line(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "status: active", "status: [active")
    result = cli(*pair)
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(pair[1]))}:\d+:\d+: error: malformed YAML", result.stderr)
    assert result.stdout == ""


def test_invalid_contracts_exit_2_with_every_problem(pair: tuple[Path, Path]) -> None:
    edit(pair[0], "logicalType: integer", "logicalType: int")
    edit(pair[1], "  - name: orders", "  - nme: orders")
    result = cli(*pair)
    assert result.exit_code == 2
    assert f"{pair[0]}:" in result.stderr and "'int' is not allowed here" in result.stderr
    assert f"{pair[1]}:" in result.stderr and "unknown key `nme`" in result.stderr


def test_missing_file_exits_2(pair: tuple[Path, Path], tmp_path: Path) -> None:
    result = cli(pair[0], tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr and "cannot read file" in result.stderr


def test_non_semver_version_exits_2_naming_the_file(pair: tuple[Path, Path]) -> None:
    edit(pair[1], "version: 1.1.0", "version: v1.1")
    result = cli(*pair)
    assert result.exit_code == 2
    assert f"{pair[1]}:5: version 'v1.1' is not a semantic version" in result.stderr
    assert "fix:" in result.stderr
