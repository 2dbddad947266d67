"""OpenLineage in: a RunEvent from another tool is checked against the bundled schemas, kept, and
its job shows in the lineage graph beside the product it reads; refusals change nothing."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from tests.api.conftest import Served

URL = "/api/v1/lineage/events"


def run_event(job: str) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-12-03T07:00:00.000Z",
        "producer": "https://example.org/airflow",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "airflow", "name": job},
        "inputs": [{"namespace": "postgres://warehouse", "name": "sales.customers"}],
        "outputs": [{"namespace": "s3://letters", "name": "dunning/letters"}],
    }


def nodes(served: Served) -> dict[str, Any]:
    graph = served.ok(served.get("rita", "/api/v1/lineage"))["graph"]
    return {"nodes": {n["id"]: n for n in graph["nodes"]}, "edges": graph["edges"]}


def test_an_event_is_kept_and_its_job_joins_the_graph(served: Served) -> None:
    event = run_event("dunning_letters")
    received = served.ok(served.post("ingest-bot", URL, json=event), 201)
    assert (received["job_namespace"], received["job_name"], received["received_by"]) == (
        "airflow",
        "dunning_letters",
        "ingest-bot",
    )
    assert received["run_id"] == event["run"]["runId"] and received["event_type"] == "COMPLETE"
    graph = nodes(served)
    job = graph["nodes"]["airflow/dunning_letters"]
    assert job["kind"] == "job" and job["tables"] == ["s3://letters/dunning/letters"]
    assert {
        "upstream": "sales.customers",
        "downstream": "airflow/dunning_letters",
        "via": ["sales.customers"],
    } in graph["edges"]
    impact = served.ok(
        served.get("rita", "/api/v1/lineage/impact/sales.customers", params={"direction": "downstream"})
    )
    assert "airflow/dunning_letters" in [n["id"] for n in impact["impacts"][0]["nodes"]]
    domains = served.ok(served.get("rita", "/api/v1/lineage", params={"domains": True}))["graph"]
    assert all(n["kind"] == "domain" for n in domains["nodes"])  # the domain graph is the mesh's own
    listed = served.ok(served.get("rita", URL, params={"job": "airflow/dunning_letters"}))["items"]
    assert [e["id"] for e in listed] == [received["id"]]
    assert served.ok(served.get("rita", f"{URL}/{received['id']}")) == event
    trail = served.facade.audit_log("airflow/dunning_letters")
    assert [e.action for e in trail] == ["lineage_received"]


def test_a_job_touching_no_product_is_kept_but_not_drawn(served: Served) -> None:
    event = run_event("elsewhere")
    event["inputs"] = [{"namespace": "s3://raw", "name": "clicks"}]
    served.ok(served.post("owner", URL, json=event), 201)
    assert "airflow/elsewhere" not in nodes(served)["nodes"]


def test_an_invalid_event_is_refused_with_its_json_paths(served: Served) -> None:
    before = len(served.ok(served.get("rita", URL, params={"limit": 500}))["items"])
    broken = copy.deepcopy(run_event("broken"))
    del broken["run"]["runId"]
    broken["eventTime"] = "yesterday"
    answer = served.post("owner", URL, json=broken)
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    paths = [p["path"] for p in answer.json()["where"]["problems"]]
    assert "run" in paths, paths
    assert served.post("owner", URL, json=[1, 2]).status_code == 422
    not_json = served.client.post(
        URL, content=b"{nope", headers={**served.headers("owner"), "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422 and "JSON" in not_json.json()["detail"]
    assert len(served.ok(served.get("rita", URL, params={"limit": 500}))["items"]) == before


def test_only_domain_teams_may_send(served: Served) -> None:
    refused = served.post("rita", URL, json=run_event("rita_job"))
    assert refused.status_code == 403 and refused.json()["where"]["action"] == "lineage.ingest"
    assert served.post("rita-request-only", URL, json=run_event("rita_job")).status_code == 403
    assert "airflow/rita_job" not in nodes(served)["nodes"]
    assert served.client.post(URL, json=run_event("anonymous")).status_code == 401


def test_a_jobs_datasets_and_last_runs(served: Served) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for run, kind, at in ((first, "START", "08:00"), (first, "COMPLETE", "08:05"), (second, "FAIL", "09:00")):
        event = run_event("invoice_export")
        event.update(eventType=kind, eventTime=f"2026-12-03T{at}:00.000Z", run={"runId": run})
        served.ok(served.post("ingest-bot", URL, json=event), 201)
    job = served.ok(served.get("rita", "/api/v1/lineage/jobs/airflow/invoice_export"))
    assert (job["id"], job["namespace"], job["name"], job["events"]) == (
        "airflow/invoice_export",
        "airflow",
        "invoice_export",
        3,
    )
    assert [(d["name"], d["product_id"]) for d in job["inputs"]] == [("sales.customers", "sales.customers")]
    assert [(d["name"], d["product_id"]) for d in job["outputs"]] == [("dunning/letters", None)]
    runs = [(r["run_id"], r["state"], r["events"]) for r in job["runs"]]
    assert runs == [(second, "FAIL", 1), (first, "COMPLETE", 2)]  # latest first
    assert job["runs"][1]["started_at"] < job["runs"][1]["updated_at"]
    missing = served.get("rita", "/api/v1/lineage/jobs/airflow/nothing_sent")
    assert missing.status_code == 404 and "nothing_sent" in missing.json()["detail"]
