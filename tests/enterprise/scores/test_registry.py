"""The method registry and the input declarations every method exposes."""

from __future__ import annotations

import pyarrow as pa
import pytest

from andmesh.enterprise.scores import METHODS, ScoreInputError, create, get_method, register
from andmesh.enterprise.scores.inputs import bind
from andmesh.errors import UsageError


def test_every_method_declares_its_inputs() -> None:
    for name in METHODS:
        cfg = {"features": ["x"]} if name == "credit_risk_scorecard" else None
        if name == "weighted_components":  # declarative: nothing to score without components
            cfg = {
                "components": {"x": {"input": "x", "weight": 1, "knots": [[0, 0], [1, 100]]}},
                "bands": [["a", 100]],
            }
        method = create(name, cfg)
        roles = method.inputs()
        assert all(cols[0].name == "customer_id" for cols in roles.values()), name
        assert method.name == name


def test_unknown_method_suggests() -> None:
    with pytest.raises(UsageError, match="did you mean `lifetime_value_bgnbd`"):
        get_method("lifetime_value")


def test_register_needs_module_and_class() -> None:
    with pytest.raises(UsageError):
        register("x", "no_colon")
    register("health_again", "andmesh.enterprise.scores.health:FinancialHealth")
    try:
        assert get_method("health_again").name == "financial_health"
    finally:
        del METHODS["health_again"]


def test_bind_errors_carry_details() -> None:
    method = create("lifetime_value_bgnbd")
    t = pa.table({"customer_id": ["a"], "day": ["2025-01-01"], "amount": [1.0]})
    with pytest.raises(ScoreInputError) as err:
        method.fit(transactions=t, columns={"transactions": {"date": "day"}})
    assert (err.value.table, err.value.column, err.value.actual) == ("transactions", "day", "string")
    assert "date or timestamp" in str(err.value)
    with pytest.raises(ScoreInputError, match="not an input of this method"):
        bind(t, method.inputs()["transactions"], "transactions", {"dates": "day"})
    dup = pa.table({"customer_id": ["a", "a"], "days_beyond_terms": [1.0, 2.0]})
    with pytest.raises(ScoreInputError, match="appears more than once"):
        create("financial_health", {"weights": {"payment": 1}}).score(features=dup)
