"""The Score and Treatment kinds: the reference specs resolve; every wrong reference is located."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.errors import SpecProblem
from andmesh.spec.loader import lint_mesh
from tests.enterprise.scores.scoring_mesh import REFERENCE, mesh_copy


@pytest.fixture(scope="module")
def reference_report():  # type: ignore[no-untyped-def]
    return lint_mesh(REFERENCE)


def test_reference_scores_and_treatment_resolve(reference_report) -> None:  # type: ignore[no-untyped-def]
    assert reference_report.ok, [str(p) for p in reference_report.errors]
    mesh = reference_report.mesh
    assert sorted(mesh.scores) == [
        "credit_risk@1.0.0",
        "credit_risk@2.0.0",
        "financial_health@1.0.0",
        "lifetime_value@1.0.0",
    ]
    forward = mesh.scores["credit_risk@2.0.0"]
    assert forward.spec.inputs["labels"].build is not None
    assert forward.ports["features:open_items"].table_id == "accounts_receivable.open_items"
    ltv = mesh.scores["lifetime_value@1.0.0"]
    assert ltv.depends_on == ["credit_risk"]
    assert ltv.ports["transactions:invoices"].table_id == "customer_invoicing.invoices"
    assert mesh.scores["credit_risk@1.0.0"].ports["features"].table_id == "enterprise.customer_profile"
    treatment = mesh.treatments["customer_treatment"]
    assert [t.name for t in treatment.spec.tiers][-1] == "standard"
    assert treatment.profile is not None and treatment.profile.table_id == "enterprise.customer_profile"


def _edit(root: Path, relative: str, old: str, new: str) -> tuple[Path, int]:
    """Replace ``old`` by ``new`` in one file; the 1-based line where ``new`` starts."""
    file = root / relative
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    file.write_text(text, encoding="utf-8")
    return file, text[: text.index(new)].count("\n") + 1


def _problems(root: Path, file: Path) -> list[SpecProblem]:
    return [p for p in lint_mesh(root).errors if p.file == file]


CREDIT = "enterprise/scores/credit_risk.yaml"
HEALTH = "enterprise/scores/financial_health.yaml"
LTV = "enterprise/scores/lifetime_value.yaml"
FORWARD = "enterprise/scores/credit_risk_v2.yaml"
TREAT = "enterprise/treatments.yaml"

# (file, old, new, expected message part, expected hint part)
CASES = [
    (
        CREDIT,
        "method: credit_risk_scorecard",
        "method: credit_risk_score",
        "unknown score method",
        "credit_risk_scorecard",
    ),
    (
        CREDIT,
        "days_paid_late: avg_days_paid_late",
        "days_paid_late: avg_days_paid_lat",
        "no column `avg_days_paid_lat`",
        "avg_days_paid_late",
    ),
    (
        CREDIT,
        "      customer_id: entity_id\n      days_paid_late",
        "      customer_id: entity_id\n      days_paid_lat",
        "`days_paid_lat` is not an input",
        "days_paid_late",
    ),
    (CREDIT, "entity: customer", "entity: custmer", "unknown entity `custmer`", "customer"),
    (CREDIT, "owner: edo", "owner: nobody", "`nobody` is not a member", None),
    (CREDIT, "  labels:\n", "  lables:\n", "has no input `lables`", "labels"),
    (HEALTH, "weights: {payment: 0.55", "weights: {paymnt: 0.55", "unknown components", None),
    (
        HEALTH,
        '"COALESCE(credit_limit, 0)"',
        '"COALESCE(credit_limt, 0)"',
        "no column `credit_limt`",
        "credit_limit",
    ),
    (LTV, "score: credit_risk", "score: credit_rsk", "unknown score `credit_rsk`", "credit_risk"),
    (LTV, "      FROM invoices AS i", "      FROM invoice AS i", "reads `invoice`", "invoices"),
    (
        LTV,
        "invoices: customer_invoicing.invoices",
        "invoices: customer_invoicing.invoice",
        "no product `customer_invoicing.invoice`",
        "customer_invoicing.invoices",
    ),
    (
        TREAT,
        "      credit_risk: [A, B, C]",
        "      credit_risk: [A, B, G]",
        "`credit_risk` has no band `G`",
        None,
    ),
    (
        TREAT,
        "      lifetime_value: [silver]",
        "      lifetme_value: [silver]",
        "unknown score `lifetme_value`",
        "lifetime_value",
    ),
    (TREAT, "      grow: cross-sell campaigns; volume discounts\n", "", "no action for tier `grow`", None),
    (TREAT, "  - domain: shipping", "  - domain: shiping", "unknown domain `shiping`", "shipping"),
    (TREAT, "ORDER BY deliveries DESC", "ORDER BY delivered DESC", "no column `delivered`", None),
]


@pytest.mark.parametrize(("relative", "old", "new", "message", "hint"), CASES, ids=[c[3][:40] for c in CASES])
def test_wrong_references_are_located(
    tmp_path: Path, relative: str, old: str, new: str, message: str, hint: str | None
) -> None:
    root = mesh_copy(tmp_path / "mesh")
    file, line = _edit(root, relative, old, new)
    problems = _problems(root, file)
    found = [p for p in problems if message in p.message]
    assert found, [str(p) for p in problems]
    if new:  # a deleted line is reported where its parent is
        assert found[0].line is not None and abs(found[0].line - line) <= 3, (found[0].line, line)
    if hint is not None:
        assert hint in (found[0].hint or ""), found[0].hint


def test_pin_to_an_unknown_version_lists_the_versions(tmp_path: Path) -> None:
    root = mesh_copy(tmp_path / "mesh", pin="0.9.0")
    problems = _problems(root, root / TREAT)
    assert any("no score `credit_risk@0.9.0`" in p.message and "1.0.0" in (p.hint or "") for p in problems)


def test_approved_without_reviewers_is_refused_with_a_council(tmp_path: Path) -> None:
    root = mesh_copy(tmp_path / "mesh", v110="approved")
    problems = _problems(root, root / "enterprise/scores/credit_risk_v1_1.yaml")
    assert any("approved in the spec without `by`" in p.message for p in problems)


def test_same_version_twice_and_last_tier_default(tmp_path: Path) -> None:
    root = mesh_copy(tmp_path / "mesh")
    copy = root / "enterprise/scores/credit_risk_copy.yaml"
    copy.write_text((root / CREDIT).read_text(encoding="utf-8"), encoding="utf-8")
    _edit(root, TREAT, "  - name: standard\n    description: Everyone else.\n", "")
    report = lint_mesh(root)
    messages = [p.message for p in report.errors]
    assert any("score `credit_risk@1.0.0` is already declared" in m for m in messages)
    assert any("the last tier must be the default" in m for m in messages)
