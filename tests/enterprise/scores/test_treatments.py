"""Treatments on the reference mesh (1,000 customers): tiers, each domain's action, and the
consistency check catching a domain pinned to an old score version; the CLI commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from andmesh.cli import cmd_scores, cmd_treat
from andmesh.enterprise.scores.service import ScoreService
from andmesh.enterprise.scores.treatments import TreatmentService
from andmesh.facade import Andmesh
from andmesh.spec.loader import load_mesh
from andmesh.workspace import Workspace
from tests.enterprise.scores.scoring_mesh import mesh_copy, service

AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def pinned(o2c: Andmesh, tmp_path_factory: pytest.TempPathFactory) -> TreatmentService:
    """credit_risk 1.1.0 approved and served; credit management still pinned to 1.0.0."""
    root = tmp_path_factory.mktemp("pinned")
    mesh_copy(root / "mesh", v110="approved", by="[edo, rkhan]", pin="1.0.0")
    scores = service(o2c, root)
    scores.run(as_of=AS_OF)
    return TreatmentService(scores)


def test_domain_pinned_to_an_old_version_is_caught(pinned: TreatmentService) -> None:
    assert pinned.served_versions()["credit_risk"] == "1.1.0"
    report = pinned.consistency()
    assert not report.consistent
    [finding] = report.findings
    assert (finding.domain, finding.score, finding.used, finding.served) == (
        "credit_management",
        "credit_risk",
        "1.0.0",
        "1.1.0",
    )
    assert finding.customers_affected and finding.customers_affected > 0
    assert report.conflicting_customers == finding.customers_affected
    example = report.conflicts[0]
    assert example.tiers["credit_management"] != example.tiers["order_management"]


def test_served_versions_everywhere_give_one_tier_per_customer(o2c: Andmesh, tmp_path: Path) -> None:
    mesh_copy(tmp_path / "mesh")
    scores = service(o2c, tmp_path)
    scores.run(as_of=AS_OF)
    treatments = TreatmentService(scores)
    report = treatments.consistency()
    assert report.consistent and report.findings == [] and report.conflicting_customers == 0
    assert (report.entity, report.entity_plural) == ("customer", "customers")  # what the CLI prints
    assert sum(report.tier_counts.values()) == report.customers > 900
    assert set(report.tier_counts) <= {"strategic", "secure", "watch", "grow", "standard"}
    local = report.local
    assert local is not None and local.conflicting_customers > 0  # each unit on its own disagrees
    assert set(local.differs_from_enterprise) == {
        "order_management",
        "credit_management",
        "shipping",
        "accounts_receivable",
        "payments_collection",
    }
    customer = (
        report.conflicts[0].customer_id
        if report.conflicts
        else sorted(treatments.tiers({k: v for k, v in treatments.served_versions().items() if v}))[0]
    )
    treated = treatments.treat(customer)
    assert len(treated.domains) == 7 and {d.tier for d in treated.domains} == {treated.tier}
    assert treated.entity == "customer"
    assert all(d.action for d in treated.domains)


def test_tier_is_the_first_matching_rule(pinned: TreatmentService) -> None:
    served = {k: v for k, v in pinned.served_versions().items() if v}
    tiers = pinned.tiers(served)
    rules = pinned.treatment.spec.tiers
    bands = {n: pinned.bands(n, v) for n, v in served.items()}
    for customer in sorted(tiers)[:200]:
        expected = next(
            r.name for r in rules if all(bands[s].get(customer) in wanted for s, wanted in r.when.items())
        )
        assert tiers[customer] == expected


# --- the CLI, on a small Typer app with the facade lines given to the facade's owner --------


class _Facade(Andmesh):
    def __init__(self, workspace: Workspace, scores: ScoreService) -> None:
        super().__init__(workspace)
        self._scores = scores

    def scores(self, path: Path | None = None) -> ScoreService:
        return self._scores

    def treatments(self, path: Path | None = None, name: str | None = None) -> TreatmentService:
        return TreatmentService(self.scores(path), name)


def _app(scores: ScoreService, tmp: Path) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = _Facade(Workspace.resolve(tmp / "cli-ws"), scores)

    app.add_typer(cmd_scores.scores, name="scores")
    app.command("treat")(cmd_treat.treat)
    return app


def test_cli_scores_and_treat(pinned: TreatmentService, tmp_path: Path) -> None:
    runner = CliRunner()
    app = _app(pinned.scores, tmp_path)
    listed = runner.invoke(app, ["scores", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    roles = {(v["score"], v["version"]): v["role"] for v in json.loads(listed.output)}
    assert roles[("credit_risk", "1.1.0")] == "served" and roles[("credit_risk", "1.0.0")] == "shadow"

    served = {k: v for k, v in pinned.served_versions().items() if v}
    customer = sorted(pinned.tiers(served))[0]
    shown = runner.invoke(
        app, ["scores", "show", "credit_risk", "--customer", customer, "--as-of", "2026-09-30"]
    )
    assert shown.exit_code == 0, shown.output
    assert f"{customer} credit_risk 1.1.0 as of 2026-09-30" in shown.output
    early = runner.invoke(
        app, ["scores", "show", "credit_risk", "--customer", customer, "--as-of", "2026-01-01"]
    )
    assert early.exit_code != 0 and "no served run on or before 2026-01-01" in early.output

    treated = runner.invoke(app, ["treat", customer])
    assert treated.exit_code == 0, treated.output
    assert "credit_management" in treated.output and "order_management" in treated.output

    checked = runner.invoke(app, ["treat", "--consistency"])
    assert checked.exit_code == 1, checked.output
    assert "credit_management uses credit_risk 1.0.0, served 1.1.0" in checked.output

    validated = runner.invoke(app, ["scores", "validate", "credit_risk", "--version", "1.0.0", "--json"])
    assert validated.exit_code == 0, validated.output
    [comparison] = json.loads(validated.output)
    assert comparison["served"] == "1.1.0" and comparison["customers"] > 900

    missing = runner.invoke(app, ["treat"])
    assert missing.exit_code != 0 and "--consistency" in missing.output


def test_mesh_without_treatment_says_how_to_add_one(o2c: Andmesh, tmp_path: Path) -> None:
    root = mesh_copy(tmp_path / "mesh")
    (root / "enterprise" / "treatments.yaml").unlink()
    with pytest.raises(Exception, match="no Treatment spec"):
        TreatmentService(service(o2c, tmp_path, load_mesh(root)))
