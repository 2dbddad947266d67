"""The weighted-components method behind supplier risk: its formula by hand, unknown inputs,
reason codes in both directions, config errors, and the reference mesh's supplier_risk config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import yaml
from pydantic import ValidationError

from andmesh.enterprise.scores import METHODS, ScoreInputError, create
from andmesh.enterprise.scores.weighted import WeightedScore

SPEC = Path(__file__).resolve().parents[3] / "examples/procure_to_pay/enterprise/scores/supplier_risk.yaml"

CONFIG = {
    "components": {
        "delivery": {"input": "late", "weight": 0.6, "knots": [[0.1, 0], [0.6, 100]]},
        "rating": {
            "input": "rating",
            "kind": "category",
            "weight": 0.3,
            "levels": {"low": 0, "medium": 40, "high": 100},
        },
        "terms": {"input": "terms", "weight": 0.1, "knots": [[30, 100], [60, 0]]},
    },
    "bands": [["low", 20], ["moderate", 40], ["high", 100]],
    "required": ["delivery"],
    "reason_prefix": "SR",
}


def _features(**cols: list[object]) -> pa.Table:
    return pa.table({"vendor": [f"EV-{i}" for i in range(len(next(iter(cols.values()))))], **cols})


def _score(config: dict[str, object], table: pa.Table) -> pa.Table:
    out = create("weighted_components", config).score(
        features=table, columns={"features": {"customer_id": "vendor"}}
    )
    return out.table


def test_registered() -> None:
    assert METHODS["weighted_components"] == "andmesh.enterprise.scores.weighted:WeightedScore"
    assert isinstance(create("weighted_components", CONFIG), WeightedScore)


def test_score_is_the_weighted_mean_of_the_components_by_hand() -> None:
    table = _score(
        CONFIG,
        _features(late=[0.35, 0.10, 0.80], rating=["medium", "low", "high"], terms=[45.0, 60.0, 30.0]),
    )
    # 0.35 → 50 points, medium → 40, 45 days → 50: (0.6·50 + 0.3·40 + 0.1·50) / 1 = 47
    assert table.column("score").to_pylist() == [47.0, 0.0, 100.0]
    assert table.column("band").to_pylist() == ["high", "low", "high"]
    assert table.column("component_delivery").to_pylist() == [50.0, 0.0, 100.0]
    assert table.column("component_rating").to_pylist() == [40.0, 0.0, 100.0]
    assert table.column("coverage").to_pylist() == [1.0, 1.0, 1.0]


def test_unknown_components_rescale_the_known_weights() -> None:
    table = _score(
        CONFIG,
        _features(late=[0.35, 0.35, None], rating=[None, "unheard-of", "high"], terms=[45.0, None, 30.0]),
    )
    # no rating: (0.6·50 + 0.1·50) / 0.7 = 50; no rating nor terms: 50 over 0.6 of the weight
    assert table.column("score").to_pylist()[:2] == [50.0, 50.0]
    assert table.column("coverage").to_pylist()[:2] == [0.7, 0.6]
    # delivery is required: without it there is no score, however much else is known
    assert table.column("score").to_pylist()[2] is None
    assert table.column("band").to_pylist()[2] is None


def test_below_min_coverage_there_is_no_score() -> None:
    config = {**CONFIG, "required": [], "min_coverage": 0.5}
    table = _score(config, _features(late=[None], rating=["high"], terms=[30.0]))
    assert table.column("coverage").to_pylist() == [0.4]
    assert table.column("score").to_pylist() == [None]


def test_a_worse_input_never_lowers_the_risk() -> None:
    late = np.linspace(0.0, 1.0, 41)
    table = _score(CONFIG, _features(late=late.tolist(), rating=["medium"] * 41, terms=[45.0] * 41))
    scores = np.asarray(table.column("score").to_pylist())
    assert np.all(np.diff(scores) >= 0) and scores[-1] > scores[0]


def test_reasons_are_the_risk_points_each_component_added() -> None:
    table = _score(CONFIG, _features(late=[0.35], rating=["medium"], terms=[45.0]))
    [reasons] = table.column("reasons").to_pylist()
    assert [(r["code"], r["impact"]) for r in reasons] == [
        ("SR_DELIVERY", 30.0),
        ("SR_RATING", 12.0),
        ("SR_TERMS", 5.0),
    ]
    assert sum(r["impact"] for r in reasons) == pytest.approx(table.column("score")[0].as_py())
    assert reasons[1]["text"] == "rating = medium"


def test_for_a_quality_score_the_reasons_are_the_points_lost() -> None:
    config = {**CONFIG, "higher_is_better": True}
    out = create("weighted_components", config).score(
        features=_features(late=[0.35], rating=["low"], terms=[60.0]),
        columns={"features": {"customer_id": "vendor"}},
    )
    assert out.higher_is_better
    [reasons] = out.table.column("reasons").to_pylist()
    # delivery 50 points → lost 0.6·50; rating 0 points → lost 0.3·100; terms 0 → lost 0.1·100
    assert {r["code"]: r["impact"] for r in reasons} == {
        "SR_DELIVERY": 30.0,
        "SR_RATING": 30.0,
        "SR_TERMS": 10.0,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"knots": [[0.5, 0], [0.1, 100]]}, "knots` values must increase"),
        ({"knots": [[0.1, 0], [0.6, 120]]}, "points must lie in 0–100"),
        ({"knots": [[0.1, 0]]}, "at least two `knots`"),
        ({"kind": "category", "knots": []}, "needs `levels`"),
        ({"weight": 0}, "greater than 0"),
        ({"wieght": 1}, "Extra inputs are not permitted"),
    ],
)
def test_config_errors_say_what_is_wrong(change: dict[str, object], message: str) -> None:
    delivery = {**CONFIG["components"]["delivery"], **change}  # type: ignore[index]
    config = {**CONFIG, "components": {**CONFIG["components"], "delivery": delivery}}  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match=message):
        create("weighted_components", config)


def test_bands_and_required_are_checked() -> None:
    with pytest.raises(ValidationError, match="upper bounds must increase"):
        create("weighted_components", {**CONFIG, "bands": [["a", 50], ["b", 20]]})
    with pytest.raises(ValidationError, match="unknown components"):
        create("weighted_components", {**CONFIG, "required": ["delivry"]})


def test_a_missing_input_column_names_it_and_suggests() -> None:
    table = pa.table({"vendor": ["EV-1"], "late_rate": [0.2], "rating": ["low"], "terms": [30.0]})
    with pytest.raises(ScoreInputError, match="column `late` is missing") as err:
        create("weighted_components", CONFIG).score(
            features=table, columns={"features": {"customer_id": "vendor"}}
        )
    assert err.value.column == "late"


def test_a_category_read_as_numeric_is_refused() -> None:
    table = pa.table({"vendor": ["EV-1"], "late": ["often"], "rating": ["low"], "terms": [30.0]})
    with pytest.raises(ScoreInputError, match="expected integer or floating point"):
        create("weighted_components", CONFIG).score(
            features=table, columns={"features": {"customer_id": "vendor"}}
        )


def test_the_reference_supplier_risk_config_is_valid_and_orders_vendors() -> None:
    spec = yaml.safe_load(SPEC.read_text())
    method = create(spec["method"], spec["config"])
    assert spec["output"]["bands"] == [b[0] for b in method.config.bands]  # type: ignore[attr-defined]
    good = {"late_delivery_rate": 0.05, "risk_rating": "low", "match_exception_rate": 0.02}
    good |= {"price_variance_rate": 0.0, "spend_share": 0.001, "payment_terms_days": 60.0}
    bad = {"late_delivery_rate": 0.7, "risk_rating": "critical", "match_exception_rate": 0.6}
    bad |= {"price_variance_rate": 0.2, "spend_share": 0.3, "payment_terms_days": 30.0}
    table = pa.Table.from_pylist([{"entity_id": "EV-good", **good}, {"entity_id": "EV-bad", **bad}])
    out = method.score(features=table, columns={"features": spec["inputs"]["features"]["columns"]})
    assert out.table.column("score").to_pylist() == [0.0, 100.0]
    assert out.table.column("band").to_pylist() == ["low", "high"]


def test_lint_points_at_the_line_of_a_bad_component(tmp_path: Path) -> None:
    import shutil

    from andmesh.spec import lint_mesh

    mesh = tmp_path / "mesh"
    shutil.copytree(SPEC.parents[2], mesh)
    spec = mesh / "enterprise/scores/supplier_risk.yaml"
    text = spec.read_text()
    assert "knots: [[0.10, 0], [0.60, 100]]" in text
    spec.write_text(text.replace("knots: [[0.10, 0], [0.60, 100]]", "knots: [[0.60, 0], [0.10, 100]]"))
    report = lint_mesh(mesh)
    [problem] = [p for p in report.errors if p.file == spec]
    line = next(i for i, t in enumerate(spec.read_text().splitlines(), 1) if "[[0.60, 0], [0.10, 100]]" in t)
    assert "config of weighted_components: components.delivery" in problem.message
    assert "must increase" in problem.message
    assert problem.line is not None and abs(problem.line - line) <= 4, (problem.line, line)


def test_the_worked_example_of_docs_procure_to_pay() -> None:
    spec = yaml.safe_load(SPEC.read_text())
    row = {"entity_id": "EV-x", "late_delivery_rate": 0.35, "risk_rating": "medium"}
    row |= {"match_exception_rate": 0.40, "price_variance_rate": 0.05, "spend_share": 0.01}
    row |= {"payment_terms_days": 45.0}
    out = create(spec["method"], spec["config"]).score(
        features=pa.Table.from_pylist([row]), columns={"features": {"customer_id": "entity_id"}}
    )
    [result] = out.table.to_pylist()
    assert (result["score"], result["band"]) == (41.25, "elevated")
    assert [r["code"] for r in result["reasons"]] == ["SR_DELIVERY", "SR_MATCHING", "SR_RATING"]
    assert result["reasons"][1]["text"] == "40% of invoices fail the three-way match"
