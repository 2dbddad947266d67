"""The prioritization matrix on the reference mesh."""

from __future__ import annotations

from pathlib import Path

from andmesh.enterprise.priority import prioritize, quadrant, weighted_score
from andmesh.spec import load_mesh
from andmesh.spec.enterprise import WeightedScore


def test_reference_use_cases_ranked() -> None:
    report = prioritize(load_mesh(Path("examples/order_to_cash")))
    ranked = [(u.rank, u.name, u.quadrant) for u in report.use_cases]
    assert ranked == [
        (1, "improve_otif", "quick win"),
        (2, "reduce_dso", "strategic bet"),
        (3, "treat_valuable_customers_consistently", "strategic bet"),
    ]
    dso = report.use_cases[1]
    # value: (5·3 + 3·1 + 4·2) / 6; feasibility: (2·3 + 4·1 + 3·2) / 6
    assert dso.value == round(26 / 6, 4)
    assert dso.feasibility == round(16 / 6, 4)
    assert dso.priority == round(round(26 / 6, 4) * round(16 / 6, 4), 4)
    assert "shipping.shipments.pod_signed_at" in dso.requirements


def test_weights_matter() -> None:
    light = {"a": WeightedScore(score=5, weight=1), "b": WeightedScore(score=1, weight=1)}
    heavy = {"a": WeightedScore(score=5, weight=3), "b": WeightedScore(score=1, weight=1)}
    assert weighted_score(light) == 3.0
    assert weighted_score(heavy) == 4.0
    assert quadrant(3.0, 3.0) == "quick win"
    assert quadrant(2.99, 3.0) == "fill-in"
