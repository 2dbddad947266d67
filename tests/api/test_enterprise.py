"""The enterprise view through the API: use cases, gaps, KPIs, value, lineage, entities."""

from __future__ import annotations

from tests.api.conftest import Served


def test_use_cases_gaps_and_kpis(served: Served) -> None:
    ranked = served.ok(served.get("rita", "/api/v1/usecases"))
    assert [u["name"] for u in ranked["use_cases"]] == ["grow_segments"]
    report = served.ok(served.get("rita", "/api/v1/gaps/report"))
    assert [r["id"] for r in report["requirements"]] == ["sales.customers.segment"]
    assert report["requirements"][0]["fit"]["met"] is True
    assert served.ok(served.get("rita", "/api/v1/gaps"))["items"] == []  # the one requirement is met
    unknown = served.get("rita", "/api/v1/gaps", params={"use_case": "grow_segmnts"})
    assert unknown.status_code == 422 and "grow_segments" in unknown.json()["fix"]
    kpis = served.ok(served.get("rita", "/api/v1/kpis"))["items"]
    assert kpis and all(k["status"] in ("computed", "not_computable") for k in kpis)
    assert all(k["reason"] for k in kpis if k["status"] == "not_computable")


def test_value_and_lineage(served: Served) -> None:
    value = served.ok(served.get("rita", "/api/v1/value"))
    assert value["mesh"] == "api-mesh" and "sales.customers" in [a["asset"] for a in value["assets"]]
    graph = served.ok(served.get("rita", "/api/v1/lineage"))
    assert "sales.customers" in {n["id"] for n in graph["graph"]["nodes"]}
    impact = served.ok(
        served.get("rita", "/api/v1/lineage/impact/sales.customers", params={"direction": "downstream"})
    )
    assert impact["focus"] == "sales.customers"
    assert served.get("rita", "/api/v1/lineage/impact/sales.custmers").status_code in (404, 422)


def test_entities_unknown_or_not_a_steward(served: Served) -> None:
    assert served.get("rita", "/api/v1/entities/customer/records/x").status_code == 404
    decision = served.post(
        "rita", "/api/v1/entities/customer/decisions", json={"decision": "confirm", "pair": "p1"}
    )
    assert decision.status_code == 403  # nobody stewards an entity the mesh does not declare
    bad = served.post("rita", "/api/v1/entities/customer/decisions", json={"decision": "maybe"})
    assert bad.status_code == 422
