"""The KPI route's parameters: `by` (repeatable), `by_segment` (its alias), the status field."""

from __future__ import annotations

from tests.api.conftest import Served


def test_kpis_carry_their_status_and_an_unknown_dimension_says_did_you_mean(served: Served) -> None:
    (kpi,) = served.ok(served.get("rita", "/api/v1/kpis"))["items"]
    assert kpi["name"] == "segment_coverage" and kpi["by"] == []
    assert "rag_status" in kpi and len(kpi["row_rag_status"]) == len(kpi["rows"])
    # The served mesh's KPI declares no dimension: asking for one is a usage error with a fix.
    for params in ({"by": "segment"}, {"by_segment": "true"}):
        wrong = served.get("rita", "/api/v1/kpis", params=params)
        assert wrong.status_code == 422, wrong.text
        assert "no KPI of this mesh declares the dimension `segment`" in wrong.text
