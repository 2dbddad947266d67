"""Value chains, requirements, one use case in full, policies and compliance through the API."""

from __future__ import annotations

from tests.api.conftest import Served

REQUIREMENT = "sales.customers.segment"


def test_value_chains_list_and_show(served: Served) -> None:
    page = served.ok(served.get("rita", "/api/v1/valuechains"))
    assert [c["name"] for c in page["items"]] == ["selling"] and page["next"] is None
    chain = served.ok(served.get("rita", "/api/v1/valuechains/selling"))
    [stage] = chain["stages"]
    assert (stage["name"], stage["domain"], stage["owner"]) == ("sell", "sales", "owner")
    assert "sales.customers" in stage["products"]
    [handoff] = chain["handoffs"]
    assert handoff["needs"] == [REQUIREMENT] and handoff["open_gaps"] == []  # the mesh meets it
    missing = served.get("rita", "/api/v1/valuechains/seling")
    assert missing.status_code == 404 and "selling" in missing.json()["fix"]


def test_requirements_list_filter_and_show(served: Served) -> None:
    page = served.ok(served.get("rita", "/api/v1/requirements"))
    assert [r["id"] for r in page["items"]] == [REQUIREMENT]
    assert served.ok(served.get("rita", "/api/v1/requirements", params={"domain": "billing"}))["items"] == []
    shown = served.ok(served.get("rita", f"/api/v1/requirements/{REQUIREMENT}"))
    assert (shown["table_id"], shown["attribute"], shown["lifecycle"]) == (
        "sales.customers",
        "segment",
        "accepted",
    )
    assert shown["standard"]["completeness"] == 100 and shown["use_cases"] == ["grow_segments"]
    assert shown["status"]["fit"]["met"] is True and shown["gaps"] == []
    assert served.get("rita", "/api/v1/requirements/sales.customers.segmnt").status_code == 404


def test_use_case_with_kpis_and_blocking_gaps(served: Served) -> None:
    detail = served.ok(served.get("rita", "/api/v1/usecases/grow_segments"))
    assert detail["priority"]["rank"] == 1 and detail["priority"]["quadrant"]
    assert detail["requirements"] == [REQUIREMENT] and detail["blocking_gaps"] == []
    assert [k["name"] for k in detail["kpis"]] == ["segment_coverage"]
    assert detail["kpis"][0]["status"] in ("computed", "not_computable")
    unknown = served.get("rita", "/api/v1/usecases/grow_segmnts")
    assert unknown.status_code == 404 and "grow_segments" in unknown.json()["fix"]


def test_policies_and_latest_compliance(served: Served) -> None:
    declared = served.ok(served.get("rita", "/api/v1/policies"))
    mesh = served.facade.mesh(served.mesh)
    assert [p["name"] for p in declared["items"]] == sorted(mesh.policies)
    assert all(p["severity"] in ("block", "warn") and p["rule"] for p in declared["items"])
    latest = served.ok(served.get("rita", "/api/v1/compliance"))
    # The fixture's run recorded an evaluation: the same pairs the evaluation now gives.
    now = served.facade.policies(served.mesh, record=False)
    assert latest["evaluated_at"] and latest["run_id"] and latest["results"]
    assert sorted((r["policy"], r["product_id"], r["status"]) for r in latest["results"]) == sorted(
        (r.policy, r.product_id, r.status) for r in now.results
    )
    assert [d["domain"] for d in latest["by_domain"]] == [d.domain for d in now.by_domain]
    first = served.ok(served.get("rita", "/api/v1/compliance/results", params={"limit": 1}))
    assert len(first["items"]) == min(1, len(latest["results"]))


def test_views_need_the_read_scope(served: Served) -> None:
    for url in ("/api/v1/valuechains", "/api/v1/requirements", "/api/v1/policies", "/api/v1/compliance"):
        assert served.get("rita-request-only", url).status_code == 403, url
