"""The enterprise report: Markdown and SVG charts drawn from the measured gaps, use cases and KPIs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.facade import Andmesh
from andmesh.workspace import Workspace

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    """Every text of an SVG chart (the charts keep text as text, not paths)."""
    root = ET.parse(path).getroot()
    return ["".join(node.itertext()).strip() for node in root.iter(f"{SVG}text")]


def test_report_on_the_reference_mesh(o2c: Andmesh, tmp_path: Path) -> None:
    out = tmp_path / "report"
    report = o2c.report_enterprise(out)
    assert report.files == [
        "enterprise.md",
        "charts/gap_heatmap.svg",
        "charts/prioritization.svg",
        "charts/kpi_trends.svg",
    ]
    gaps = o2c.gaps()
    gap_ids = {g.requirement for g in gaps.gaps}
    assert gap_ids and {g.requirement for g in report.gaps.gaps} == gap_ids

    # The heat map has one row per requirement, and the producing domain's cell the coverage measured.
    heat = svg_texts(out / "charts" / "gap_heatmap.svg")
    assert {s.id for s in gaps.requirements} <= set(heat)
    rdd = next(s for s in gaps.requirements if s.id.endswith("requested_delivery_date"))
    assert f"{rdd.coverage:.0f}%" in heat
    assert "absent" in heat  # dispute_resolved_at is not captured at all
    assert {"promised gap", "met", "needs it (hand-off)"} <= set(heat)

    # The matrix labels every use case with its rank and open gaps, and its four quadrants.
    matrix = svg_texts(out / "charts" / "prioritization.svg")
    open_gaps = {r.key: r.gaps for r in gaps.by_use_case}
    for use_case in o2c.use_cases().use_cases:
        gaps_label = f" ({open_gaps[use_case.name]} gaps)" if open_gaps.get(use_case.name) else ""
        assert f"{use_case.rank}. {use_case.name}{gaps_label}" in matrix
    assert {"quick win", "strategic bet", "fill-in", "deprioritize"} <= set(matrix)

    # KPI headlines are the latest values `andmesh kpis` computes; blocked KPIs name their gap.
    results = {r.name: r for r in o2c.kpis()}
    trends = {text.split(" (")[0] for text in svg_texts(out / "charts" / "kpi_trends.svg")}
    for headline in report.kpis:
        result = results[headline.name]
        assert headline.status == result.status
        if result.status == "computed":
            last = [r for r in result.rows if r[result.name] is not None][-1]
            assert headline.value is not None
            assert abs(headline.value - float(last[result.name])) < 1e-9
            assert headline.name in trends
        else:
            assert headline.blocked_by and set(headline.blocked_by) <= gap_ids
            assert headline.name not in trends
    otif = next(k for k in report.kpis if k.name == "otif")
    assert otif.status == "not_computable"
    assert otif.blocked_by == ["order_management.orders.requested_delivery_date"]

    text = (out / "enterprise.md").read_text()
    for gap_id in gap_ids:
        assert f"`{gap_id}`" in text
    assert "![Gap heat map" in text and "(charts/gap_heatmap.svg)" in text
    assert "### Not computable" in text and "`otif`" in text
    assert f"**{len(gaps.gaps)} with a gap**" in text


def test_charts_are_reproducible(o2c: Andmesh, tmp_path: Path) -> None:
    o2c.report_enterprise(tmp_path / "a")
    o2c.report_enterprise(tmp_path / "b")
    for name in ("gap_heatmap.svg", "prioritization.svg", "kpi_trends.svg"):
        assert (tmp_path / "a" / "charts" / name).read_bytes() == (
            tmp_path / "b" / "charts" / name
        ).read_bytes()
    assert (tmp_path / "a" / "enterprise.md").read_text() == (tmp_path / "b" / "enterprise.md").read_text()


def test_compliant_mesh_report(enterprise_mesh: Path, workspace: Workspace, tmp_path: Path) -> None:
    facade = Andmesh(workspace)
    facade.run(enterprise_mesh, data=enterprise_mesh / "data")
    report = facade.report_enterprise(tmp_path / "r")
    text = (tmp_path / "r" / "enterprise.md").read_text()
    assert "No gap: every requirement is promised, captured and fit." in text
    heat = svg_texts(tmp_path / "r" / "charts" / "gap_heatmap.svg")
    assert "sales.customers.segment" in heat and "100%" in heat
    # The mini mesh reports its own KPI spec, computed from its own product, and no
    # Order-to-Cash KPI: KPIs belong to the mesh that declares them.
    assert [(k.name, k.status) for k in report.kpis] == [("segment_coverage", "computed")]
    assert report.kpis[0].value == 1.0
    assert "dso" not in text and "Customers with a segment (`segment_coverage`)" in text


def test_cli(o2c: Andmesh, tmp_path: Path) -> None:
    runner = CliRunner()
    ws = str(o2c.workspace.root)
    result = runner.invoke(app, ["-w", ws, "report", "enterprise", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    for title in ("top use cases", "open gaps by domain", "KPIs (latest month)"):
        assert title in result.output
    assert (tmp_path / "r" / "enterprise.md").is_file()
    result = runner.invoke(app, ["-w", ws, "report", "enterprise", "--out", str(tmp_path / "j"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["files"][0] == "enterprise.md" and data["priority"]["use_cases"]
    result = runner.invoke(app, ["-w", ws, "report", "enterprise", "--period", "monht"])
    assert result.exit_code == 2 and "did you mean `month`?" in result.output
