"""The KPI spec kind: every column checked against the contract, with file:line and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.spec import lint_mesh
from andmesh.spec.kpi import ExpressionError, expression_columns, parse_expression

KPI_FILE = Path("enterprise") / "kpis" / "segment_coverage.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1))


def test_the_fixture_kpi_is_clean_and_on_the_mesh(enterprise_mesh: Path) -> None:
    report = lint_mesh(enterprise_mesh)
    assert report.ok, [p.format() for p in report.errors]
    assert report.mesh is not None
    kpi = report.mesh.kpis["segment_coverage"]
    assert kpi.inputs == ("customers",)
    assert kpi.use_cases == ["grow_segments"]


# (old, new, message fragment, hint fragment or None, line)
BROKEN = [
    ("timeDimension: created_on", "timeDimension: created", "time dimension `created`", "`created_on`", 10),
    ("expr: not_null(segment)", "expr: not_null(segmnt)", "unknown column `segmnt`", "`segment`", 12),
    (
        "{port: sales.customers}",
        "{port: sales.customer}",
        "unknown port `sales.customer`",
        "`sales.customers`",
        9,
    ),
    ("value: with_segment", "value: with_segmnt", "unknown measure `with_segmnt`", "`with_segment`", 13),
    ("expr: not_null(segment)", "expr: segment & email", "`&` is not allowed", None, 12),
    ("expr: not_null(segment)", "expr: nul(segment)", "unknown function `nul`", None, 12),
    ("expr: not_null(segment)", "expr: sum(credit_limit)", "`sum()` aggregates", None, 12),
    ("agg: mean", "agg: median", "'median' is not allowed", None, 12),
    ("direction: higher", "direction: up", "'up' is not allowed", "valid values", 7),
    (
        "value: with_segment",
        "value: with_segment\nrequirements: [sales.customers.region]",
        "column `region` is not in the contract of `sales.customers`",
        "valid columns",
        14,
    ),
    (
        "source: {port: sales.customers}",
        "source:\n  port: sales.customers\n  steps:\n    - join: {port: sales.customers, on: customer, columns: [email]}",
        "join key `customer` is not a column",
        "`customer_id`",
        12,
    ),
    (
        "source: {port: sales.customers}",
        "source: {model: receivables_positon}",
        "unknown model `receivables_positon`",
        "`receivables_position`",
        9,
    ),
    ("owner: owner", "owner: ownr", "KPI owner `ownr` is not a member of the mesh", "`owner`", 5),
    (
        "value: with_segment",
        "value: with_segment\ncumulative: quarter\ntimeGrains: [month, year]",
        "time grain `year` is coarser than `cumulative: quarter`",
        "up to quarter",
        15,
    ),
]


@pytest.mark.parametrize(("old", "new", "message", "hint", "line"), BROKEN)
def test_broken_kpi_spec(
    enterprise_mesh: Path, old: str, new: str, message: str, hint: str | None, line: int
) -> None:
    edit(enterprise_mesh / KPI_FILE, old, new)
    report = lint_mesh(enterprise_mesh)
    found = [p for p in report.errors if message in p.message]
    assert found, [p.format() for p in report.problems]
    assert found[0].file == enterprise_mesh / KPI_FILE
    assert found[0].line == line, found[0].format()
    if hint:
        assert hint in (found[0].hint or ""), found[0].format()


def test_a_kpi_has_measures_or_derives_from_kpis(enterprise_mesh: Path) -> None:
    edit(enterprise_mesh / KPI_FILE, "value: with_segment", "kpis: [segment_coverage]\nvalue: with_segment")
    messages = [p.message for p in lint_mesh(enterprise_mesh).errors]
    assert any("either `measures`" in m for m in messages), messages


def test_derived_kpi_names_known_kpis(enterprise_mesh: Path) -> None:
    derived = (
        (enterprise_mesh / KPI_FILE)
        .read_text()
        .split("source:")[0]
        .replace("name: segment_coverage", "name: coverage_gap")
    )
    path = enterprise_mesh / "enterprise" / "kpis" / "coverage_gap.yaml"
    path.write_text(derived + "kpis: [segment_coverag]\nvalue: 1 - segment_coverag\n")
    problems = [p for p in lint_mesh(enterprise_mesh).errors if p.file == path]
    assert problems and "unknown KPI `segment_coverag`" in problems[0].message
    assert problems[0].hint == "did you mean `segment_coverage`?"


def _derived(mesh: Path, body: str) -> tuple[Path, list[str]]:
    """A second KPI, ``coverage_gap``, derived from ``segment_coverage`` (cut by segment)."""
    edit(
        mesh / KPI_FILE,
        "value: with_segment",
        "value: with_segment\ndimensions:\n  segment: {port: sales.customers, key: customer_id, column: segment}",
    )
    head = (
        (mesh / KPI_FILE)
        .read_text()
        .split("source:")[0]
        .replace("name: segment_coverage", "name: coverage_gap")
    )
    path = mesh / "enterprise" / "kpis" / "coverage_gap.yaml"
    path.write_text(head + body)
    return path, (mesh / KPI_FILE).read_text().splitlines()


def test_a_derived_kpi_names_a_dimension_its_kpis_declare(enterprise_mesh: Path) -> None:
    body = (
        "kpis: [segment_coverage]\nvalue: 1 - segment_coverage\ndimensions:\n"
        "  segmnt: {port: sales.customers, key: customer_id, column: segment}\n"
    )
    path, _ = _derived(enterprise_mesh, body)
    problems = [p for p in lint_mesh(enterprise_mesh).errors if p.file == path]
    assert [p.message for p in problems] == [
        "unknown dimension `segmnt`: `segment_coverage`, which this KPI derives from, does not declare it"
    ]
    assert problems[0].line == 12 and problems[0].hint == "did you mean `segment`?"


def test_offsets_name_known_kpis_and_are_usable_in_the_value(enterprise_mesh: Path) -> None:
    body = (
        "kpis: [segment_coverage]\noffsets:\n  before: {kpi: segment_coverag, shift: previous_period}\n"
        "value: segment_coverage - before\n"
    )
    path, _ = _derived(enterprise_mesh, body)
    problems = [p for p in lint_mesh(enterprise_mesh).errors if p.file == path]
    assert [(p.message, p.line, p.hint) for p in problems] == [
        ("unknown KPI `segment_coverag`", 11, "did you mean `segment_coverage`?")
    ]
    path.write_text(path.read_text().replace("segment_coverag,", "segment_coverage,"))
    report = lint_mesh(enterprise_mesh)
    assert report.ok, [p.format() for p in report.errors]
    assert report.mesh is not None and report.mesh.kpis["coverage_gap"].inputs == ("customers",)


def test_a_count_distinct_is_not_cumulated(enterprise_mesh: Path) -> None:
    edit(enterprise_mesh / KPI_FILE, "value: with_segment", "value: with_segment\ncumulative: year")
    edit(enterprise_mesh / KPI_FILE, "agg: mean", "agg: count_distinct")
    problems = [p for p in lint_mesh(enterprise_mesh).errors if p.file == enterprise_mesh / KPI_FILE]
    assert problems and "cannot be cumulated" in problems[0].message


def test_two_kpis_with_one_name(enterprise_mesh: Path) -> None:
    copy = enterprise_mesh / "enterprise" / "kpis" / "again.yaml"
    copy.write_text((enterprise_mesh / KPI_FILE).read_text())
    assert any("already declared" in p.message for p in lint_mesh(enterprise_mesh).errors)


def test_use_case_names_a_kpi_the_mesh_does_not_declare(enterprise_mesh: Path) -> None:
    (enterprise_mesh / KPI_FILE).unlink()
    problems = [p for p in lint_mesh(enterprise_mesh).errors if "unknown KPI" in p.message]
    assert problems and problems[0].line == 6
    assert "enterprise/kpis/<name>.yaml" in (problems[0].hint or "")


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("decision == 'held' and not_null(released_at)", {"decision", "released_at"}),
        (
            "case(decision == 'approved', decided_at, decision == 'held', released_at)",
            {"decision", "decided_at", "released_at"},
        ),
        ("coalesce(x, false) and not y", {"x", "y"}),
        ("date(min(shipped_at))", {"shipped_at"}),
    ],
)
def test_expression_columns(text: str, columns: set[str]) -> None:
    assert expression_columns(text) == columns


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a | b", "`|` is not allowed"),
        ("a ** 2", "`**`"),
        ("__import__('os')", "unknown function `__import__`"),
        ("x.y", "not allowed"),
        ("a < b < c", "one of"),
        ("sum(max(x))", "inside another aggregate"),
        ("a if b else c", "not allowed"),
        ("f'{a}'", "not allowed"),
    ],
)
def test_expressions_outside_the_subset_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError, match=None) as err:
        parse_expression(text, aggregate=True)
    assert fragment in str(err.value)


def test_a_use_case_uses_the_products_its_kpis_read(enterprise_mesh: Path) -> None:
    from andmesh.governance.reuse import use_case_assets
    from andmesh.spec import load_mesh

    used = use_case_assets(load_mesh(enterprise_mesh))["grow_segments"]
    assert "KPI segment_coverage" in used["sales.customers"]
