"""The council's one-page report: decisions waiting, collaboration, transparency, reuse, economics."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.facade import Andmesh
from tests.governance.test_council import COUNCIL, break_contract
from tests.report.test_enterprise_report import svg_texts


def test_council_report_on_the_reference_mesh(o2c: Andmesh, tmp_path: Path) -> None:
    report = o2c.report_council(tmp_path / "r")
    assert report.files == ["council.md", "charts/collaboration.svg", "charts/economics.svg"]
    gaps = o2c.gaps()
    assert sum(report.requirements_by_status.values()) == len(gaps.requirements)
    value = o2c.value()
    assert report.total_value == value.total_value and report.orphans == o2c.reuse().orphans
    assert report.transparency.ports == len(o2c.mesh().ports())
    text = (tmp_path / "r" / "council.md").read_text()
    for section in (
        "## Decisions waiting",
        "## Collaboration",
        "## Transparency",
        "## Reuse",
        "## Economics",
    ):
        assert section in text
    for orphan in report.orphans:
        assert f"{orphan}  (orphan)" in svg_texts(tmp_path / "r" / "charts" / "economics.svg")
    domains = {s.domain for s in gaps.requirements}
    assert domains <= set(svg_texts(tmp_path / "r" / "charts" / "collaboration.svg"))


def test_decisions_waiting_are_listed(mesh_dir: Path, andmesh: Andmesh, tmp_path: Path) -> None:
    (mesh_dir / "governance").mkdir()
    (mesh_dir / "governance" / "council.yaml").write_text(COUNCIL)
    andmesh.run(mesh_dir, data=mesh_dir / "data")
    break_contract(mesh_dir)
    andmesh.run(mesh_dir, data=mesh_dir / "data")
    andmesh.access().request("sales.customers", "risk_team", "disputes")
    report = andmesh.report_council(tmp_path / "r")
    assert [p.kind for p in report.open_proposals] == ["breaking_change"]
    assert [r.consumer for r in report.pending_access] == ["risk_team"]
    text = (tmp_path / "r" / "council.md").read_text()
    assert "| 1 | breaking_change | sales.customers |" in text and "risk_team" in text
    result = CliRunner().invoke(
        app, ["-w", str(andmesh.workspace.root), "report", "council", "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    assert "decisions waiting: 1 proposals, 1 access requests" in result.output
