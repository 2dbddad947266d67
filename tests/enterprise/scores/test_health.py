"""Financial health: every component and the score hand-computed (fixtures/health_cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from andmesh.enterprise.scores import ScoreInputError, create
from andmesh.enterprise.scores.health import FinancialHealth

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "health_cases.yaml").read_text()
)


def _table(cases: list[dict[str, Any]]) -> pa.Table:
    cols: dict[str, list[Any]] = {"customer_id": [f"c{i}" for i in range(len(cases))]}
    for name in cases[0]["inputs"]:
        cols[name] = [None if c["inputs"][name] is None else float(c["inputs"][name]) for c in cases]
    return pa.table(
        {k: pa.array(v, pa.string() if k == "customer_id" else pa.float64()) for k, v in cols.items()}
    )


@pytest.fixture(scope="module")
def scored() -> list[dict[str, Any]]:
    return create("financial_health").score(features=_table(CASES)).table.to_pylist()


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_hand_computed_case(scored: list[dict[str, Any]], i: int) -> None:
    case, row = CASES[i], scored[i]
    for name, value in case["components"].items():
        got = row[f"component_{name}"]
        assert got == (None if value is None else pytest.approx(value, abs=0.01)), name
    assert row["score"] == (None if case["score"] is None else pytest.approx(case["score"], abs=0.01))
    assert row["band"] == case["band"]
    if "coverage" in case:
        assert row["coverage"] == pytest.approx(case["coverage"])
    assert [r["code"] for r in row["reasons"]] == case["reasons"]


def test_reasons_carry_the_points_they_cost(scored: list[dict[str, Any]]) -> None:
    late = scored[1]["reasons"]
    assert late[0]["impact"] == pytest.approx(0.40 * 50)
    assert late[0]["text"] == "pays 30.0 days beyond terms (value-weighted, last 12 months)"
    assert late[1]["text"] == "75% of open receivables past due"


def test_weights_are_configurable_and_zero_turns_a_component_off() -> None:
    method = create("financial_health", {"weights": {"payment": 1.0}})
    required = [c.name for c in method.inputs()["features"] if c.required]
    assert required == ["customer_id", "days_beyond_terms"]
    out = method.score(features=pa.table({"customer_id": ["a"], "days_beyond_terms": [15.0]}))
    assert out.table["score"].to_pylist() == [70.0]
    assert out.parameters == {"weights": {"payment": 1.0}}


def test_bad_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown components"):
        FinancialHealth({"weights": {"payment": 1.0, "paymnt": 1.0}})
    with pytest.raises(ValueError, match="payment component"):
        FinancialHealth({"weights": {"ageing": 1.0}})


def test_missing_column_names_it_and_hints() -> None:
    table = _table(CASES[:1]).rename_columns(
        ["customer_id", "days_beyond_term", *_table(CASES[:1]).column_names[2:]]
    )
    with pytest.raises(ScoreInputError) as err:
        create("financial_health").score(features=table)
    assert err.value.column == "days_beyond_terms"
    assert "did you mean `days_beyond_term`" in str(err.value)


def test_wrong_type_and_mapping() -> None:
    table = _table(CASES[:1])
    as_text = table.set_column(1, "days_beyond_terms", pa.array(["0"]))
    with pytest.raises(ScoreInputError) as err:
        create("financial_health").score(features=as_text)
    assert (err.value.column, err.value.actual) == ("days_beyond_terms", "string")
    renamed = table.rename_columns(["cid", "dbt", *table.column_names[2:]])
    out = create("financial_health").score(
        features=renamed, columns={"features": {"customer_id": "cid", "days_beyond_terms": "dbt"}}
    )
    assert out.table["score"].to_pylist() == [92.0]
    assert out.customer("c0").components["component_payment"] == 80.0


def test_paydex_column_replaces_the_mapping_of_the_mean() -> None:
    table = _table(CASES[:2]).append_column("paydex", pa.array([95.0, 61.0]))
    rows = create("financial_health").score(features=table).table.to_pylist()
    assert [r["component_payment"] for r in rows] == [95.0, 61.0]


def test_weights_calibrated_on_a_later_outcome() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    n = 400
    dbt = rng.uniform(-10, 60, n)
    zero = np.zeros(n)
    features = pa.table(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "days_beyond_terms": dbt,
            "days_beyond_terms_recent": dbt + rng.normal(0, 10, n),
            "ar_current": rng.uniform(0, 100, n),
            "ar_1_30": zero,
            "ar_31_60": zero,
            "ar_61_90": zero,
            "ar_over_90": rng.uniform(0, 100, n),
            "credit_limit": np.full(n, 1000.0),
            "dispute_rate": rng.uniform(0, 0.2, n),
            "short_pay_rate": rng.uniform(0, 0.3, n),
        }
    )
    # The later outcome follows the payment component only.
    later = pa.table({"customer_id": features["customer_id"], "outcome": 100 - dbt + rng.normal(0, 2, n)})
    method = create("financial_health").fit(features=features, outcome=later)
    weights = method.score(features=features).parameters["weights"]
    assert weights["payment"] > 0.9
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(ScoreInputError, match="direction"):
        create("financial_health").fit(
            features=features, outcome=later.set_column(1, "outcome", pa.array(dbt))
        )
