"""OpenLineage events of real runs: valid against the bundled spec, with the facets each outcome earns."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from andmesh.facade import Andmesh
from andmesh.governance.lineage import build_run_events, emit_run_lineage, event_json, event_problems
from andmesh.governance.lineage.events import PARENT_JOB, LineageContext, run_uuid
from andmesh.pipeline.results import PortOutcome, PortStatus, RunResult
from andmesh.spec import load_mesh
from andmesh.spec.mesh import Mesh
from tests.helpers import edit

SCHEMAS = Path(__file__).parents[3] / "src" / "andmesh" / "governance" / "lineage" / "schemas"


def run_and_emit(facade: Andmesh, mesh_dir: Path) -> tuple[RunResult, list[dict[str, Any]]]:
    """Run the mesh, emit its lineage to the default file, return the run and its events."""
    result = facade.run(mesh_dir)
    mesh = load_mesh(mesh_dir)
    delivery = emit_run_lineage(
        mesh, result, facade.workspace, data_root=mesh_dir / "data", warehouse=facade.warehouse
    )
    assert delivery.errors == [] and delivery.sent == delivery.events
    assert delivery.target == str(facade.workspace.root / "lineage" / "events.jsonl")
    lines = Path(delivery.target).read_text().splitlines()
    return result, [json.loads(line) for line in lines[-delivery.events :]]


def by_job(events: list[dict[str, Any]], job: str, state: str) -> dict[str, Any]:
    return next(e for e in events if e["job"]["name"] == job and e["eventType"] == state)


def facets(dataset: dict[str, Any]) -> dict[str, Any]:
    return dataset.get("facets", {})


def test_bundled_core_schema_is_the_official_2_0_2_file() -> None:
    core = (SCHEMAS / "OpenLineage.json").read_bytes()
    assert (
        hashlib.sha256(core).hexdigest() == "69f68bee00b9beac88a87059c0102410e7bb05f3f43c46d02a0409831eceb0d2"
    )
    assert json.loads(core)["$id"] == "https://openlineage.io/spec/2-0-2/OpenLineage.json"


def test_a_published_run_gives_valid_events_with_schema_column_lineage_and_quality(
    facade: Andmesh, lineage_mesh: Path
) -> None:
    result, events = run_and_emit(facade, lineage_mesh)
    assert result.exit_code == 0
    for event in events:
        assert event_problems(event) == [], (event["eventType"], event["job"]["name"])
    assert [(e["eventType"], e["job"]["name"]) for e in events] == [
        ("START", PARENT_JOB),
        *[
            (state, product)
            for product in (o.product_id for o in result.outcomes)
            for state in ("START", "COMPLETE")
        ],
        ("COMPLETE", PARENT_JOB),
    ]
    assert {e["job"]["namespace"] for e in events} == {"lineage-test"}
    # run ids: UUIDs derived from andmesh's run id, products linked to the mesh run
    parent_id = run_uuid(result.run_id)
    assert str(uuid.UUID(parent_id)) == parent_id and events[0]["run"]["runId"] == parent_id
    orders = by_job(events, "sales.orders", "COMPLETE")
    assert orders["run"]["runId"] == run_uuid(result.run_id, "sales.orders") != parent_id
    assert orders["run"]["facets"]["parent"]["run"]["runId"] == parent_id
    parent_job = orders["run"]["facets"]["parent"]["job"]
    assert (parent_job["namespace"], parent_job["name"]) == ("lineage-test", PARENT_JOB)
    assert orders["run"]["facets"]["andmesh_run"]["status"] == "published"
    assert orders["run"]["facets"]["andmesh_run"]["runId"] == result.run_id
    # inputs: the upstream port's table (with the version read) and the raw source file
    inputs = {(d["namespace"], d["name"]): d for d in orders["inputs"]}
    customers = inputs[("andmesh://lineage-test", "sales.customers")]
    assert facets(customers)["version"]["datasetVersion"] == "1"
    assert [f["name"] for f in facets(customers)["schema"]["fields"]] == ["customer_id", "name", "segment"]
    source = inputs[("file", str(lineage_mesh / "data" / "sales/orders.csv"))]
    assert [f["name"] for f in facets(source)["schema"]["fields"]] == ["order_id", "customer_id", "amount"]
    # outputs: schema from the contract, version, rows, column lineage, quality
    (output,) = orders["outputs"]
    assert (output["namespace"], output["name"]) == ("andmesh://lineage-test", "sales.orders")
    out = facets(output)
    assert [f["name"] for f in out["schema"]["fields"]] == ["order_id", "customer_id", "segment", "amount"]
    assert out["version"]["datasetVersion"] == "1"
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 3
    assert out["dataQualityMetrics"]["rowCount"] == 3
    assert out["dataQualityMetrics"]["columnMetrics"]["order_id"]["nullCount"] == 0
    not_null = next(
        a for a in out["dataQualityAssertions"]["assertions"] if a["name"] == "orders.order_id.required"
    )
    assert (
        not_null["assertion"] == "not_null"
        and not_null["success"] is True
        and not_null["column"] == "order_id"
    )
    lineage = out["columnLineage"]
    segment = lineage["fields"]["segment"]["inputFields"]
    assert [(f["name"], f["field"], f["transformations"][0]["subtype"]) for f in segment] == [
        ("sales.customers", "segment", "IDENTITY")
    ]
    assert lineage["fields"]["order_id"]["inputFields"][0]["name"] == source["name"]
    joins = {
        (f["name"], f["field"]) for f in lineage["dataset"] if f["transformations"][0]["subtype"] == "JOIN"
    }
    assert joins == {("sales.customers", "customer_id"), (source["name"], "customer_id")}
    assert orders["job"]["facets"]["sql"]["query"].startswith("select o.order_id")
    assert orders["job"]["facets"]["ownership"]["owners"] == [{"name": "user:sam", "type": "owner"}]
    # an aggregate is traced as such
    invoices = facets(by_job(events, "finance.invoices", "COMPLETE")["outputs"][0])["columnLineage"]
    amount = invoices["fields"]["amount"]["inputFields"][0]
    assert (amount["name"], amount["field"], amount["transformations"][0]["subtype"]) == (
        "sales.orders",
        "amount",
        "AGGREGATION",
    )
    # a Python pipeline: product-level lineage only
    exposure = by_job(events, "finance.exposure", "COMPLETE")
    assert "columnLineage" not in facets(exposure["outputs"][0]) and "sql" not in exposure["job"]["facets"]
    assert {d["name"] for d in exposure["inputs"]} == {"finance.invoices", "sales.customers"}
    # times: within the run, each product's START before its end
    start, end = (
        dt.datetime.fromisoformat(events[0]["eventTime"]),
        dt.datetime.fromisoformat(events[-1]["eventTime"]),
    )
    for first, last in zip(events[1:-1:2], events[2:-1:2], strict=True):
        assert (
            start
            <= dt.datetime.fromisoformat(first["eventTime"])
            <= dt.datetime.fromisoformat(last["eventTime"])
            <= end
        )


def test_an_unchanged_rerun_completes_without_writing(facade: Andmesh, lineage_mesh: Path) -> None:
    run_and_emit(facade, lineage_mesh)
    result, events = run_and_emit(facade, lineage_mesh)
    assert result.count(PortStatus.up_to_date) == 5
    customers = by_job(events, "sales.customers", "COMPLETE")
    assert customers["run"]["facets"]["andmesh_run"]["status"] == "up_to_date"
    output = customers["outputs"][0]
    assert facets(output)["version"]["datasetVersion"] == "1"
    assert "outputStatistics" not in output.get("outputFacets", {})  # nothing was written
    assert "dataQualityAssertions" not in facets(output)  # nothing was checked
    assert all(event_problems(e) == [] for e in events)


def test_held_back_and_skipped_products_fail_and_abort(facade: Andmesh, lineage_mesh: Path) -> None:
    contract = lineage_mesh / "domains/sales/products/customers/contract.yaml"
    edit(
        contract,
        "    properties:",
        "    quality:\n      - metric: rowCount\n        mustBeGreaterThan: 100\n    properties:",
    )
    result, events = run_and_emit(facade, lineage_mesh)
    assert result.count(PortStatus.blocked) == 1 and result.count(PortStatus.skipped) == 4
    assert all(event_problems(e) == [] for e in events)
    customers = by_job(events, "sales.customers", "FAIL")
    assert "blocked" in customers["run"]["facets"]["errorMessage"]["message"]
    output = customers["outputs"][0]
    assert "version" not in facets(output) and "outputStatistics" not in output.get("outputFacets", {})
    failed = [a for a in facets(output)["dataQualityAssertions"]["assertions"] if not a["success"]]
    assert [(a["assertion"], a.get("column"), a["actual"], a["severity"]) for a in failed] == [
        ("row_count", None, "2", "error")
    ]
    for product in ("sales.orders", "finance.invoices", "finance.exposure", "support.tickets"):
        aborted = by_job(events, product, "ABORT")
        assert "upstream not published" in aborted["run"]["facets"]["errorMessage"]["message"]
    assert events[-1]["eventType"] == "FAIL" and events[-1]["job"]["name"] == PARENT_JOB


def test_a_build_failure_is_a_fail_event(facade: Andmesh, lineage_mesh: Path) -> None:
    # A failure lint cannot see (a misspelt column of an input port is a lint error now).
    edit(
        lineage_mesh / "domains/support/products/tickets/tickets.sql",
        "segment from",
        "cast(segment as integer) as segment from",
    )
    result, events = run_and_emit(facade, lineage_mesh)
    assert result.count(PortStatus.failed) == 1
    tickets = by_job(events, "support.tickets", "FAIL")
    assert "failed" in tickets["run"]["facets"]["errorMessage"]["message"]
    assert tickets["run"]["facets"]["errorMessage"]["programmingLanguage"] == "SQL"
    assert all(event_problems(e) == [] for e in events)


def test_run_ids_are_deterministic_so_a_resend_is_idempotent(lineage_mesh: Path) -> None:
    mesh = load_mesh(lineage_mesh)
    result = _result(mesh, "20260101T000000-abc123")
    first = [event_json(e) for e in build_run_events(mesh, result)]
    second = [event_json(e) for e in build_run_events(mesh, result)]
    assert [e["run"]["runId"] for e in first] == [e["run"]["runId"] for e in second]
    assert len({e["run"]["runId"] for e in first}) == 1 + len(mesh.products)
    other = build_run_events(mesh, _result(mesh, "20260101T000000-def456"))
    assert event_json(other[0])["run"]["runId"] != first[0]["run"]["runId"]


def _result(mesh: Mesh, run_id: str) -> RunResult:
    """A finished run as the pipeline reports it: every port published, one second each."""
    outcomes = [
        PortOutcome(
            product_id=p.id,
            table_id=p.output().table_id,
            status=PortStatus.published,
            version=1,
            rows=10,
            seconds=1.0,
        )
        for p in mesh.products.values()
    ]
    return RunResult(
        run_id=run_id,
        mesh=mesh.name,
        engine="duckdb",
        started_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        seconds=float(len(outcomes)) + 0.5,
        outcomes=outcomes,
    )


def test_reference_mesh_events_are_valid() -> None:
    """Every product of the Order-to-Cash mesh: events valid against the spec, SQL ones with column lineage."""
    mesh = load_mesh(Path(__file__).parents[3] / "examples" / "order_to_cash")
    events = [
        event_json(e)
        for e in build_run_events(mesh, _result(mesh, "20260930T000000-0a0b0c"), LineageContext())
    ]
    assert len(events) == 2 + 2 * len(mesh.products) and len(mesh.products) >= 16
    for event in events:
        assert event_problems(event) == [], event["job"]["name"]
    shipments = by_job(events, "shipping.shipments", "COMPLETE")
    fields = facets(shipments["outputs"][0])["columnLineage"]["fields"]
    assert {f["name"] for f in fields["account_no"]["inputFields"]} == {"order_management.orders"}
    assert {f["name"] for f in fields["delivery_country"]["inputFields"]} == {"shipping.ship_to_sites"}


def test_invalid_events_are_caught(facade: Andmesh, lineage_mesh: Path) -> None:
    _, events = run_and_emit(facade, lineage_mesh)
    event = by_job(events, "sales.orders", "COMPLETE")
    broken = json.loads(json.dumps(event))
    broken["run"]["runId"] = "20260101T000000-abc123"
    assert event_problems(broken) == ["run/runId: '20260101T000000-abc123' is not a 'uuid'"]
    broken = json.loads(json.dumps(event))
    del broken["outputs"][0]["facets"]["schema"]["_producer"]
    assert event_problems(broken) == ["outputs/0/facets/schema: '_producer' is a required property"]
    broken = json.loads(json.dumps(event))
    broken["run"]["facets"]["andmesh_run"]["ports"][0]["rows"] = "three"
    assert event_problems(broken) == ["run/facets/andmesh_run/ports/0/rows: 'three' is not of type 'integer'"]


@pytest.mark.parametrize("status", list(PortStatus))
def test_every_outcome_maps_to_a_valid_event(lineage_mesh: Path, status: PortStatus) -> None:
    mesh = load_mesh(lineage_mesh)
    result = _result(mesh, "20260101T000000-abc123")
    for outcome in result.outcomes:
        outcome.status = status
    for event in build_run_events(mesh, result):
        assert event_problems(event_json(event)) == []


def test_facets_name_the_schema_versions_of_the_installed_client_models() -> None:
    """Events are written as JSON without openlineage-python; its models stay the reference for
    each facet's schema URL (an upgraded client with newer facets fails here, not in a consumer)."""
    import importlib

    from andmesh.governance.lineage.events import FACET_VERSIONS, RUN_EVENT_URL, facet_url

    modules = {
        "ColumnLineageDatasetFacet": "column_lineage_dataset",
        "DataQualityAssertionsDatasetFacet": "data_quality_assertions_dataset",
        "DataQualityMetricsDatasetFacet": "data_quality_metrics_dataset",
        "DatasetVersionDatasetFacet": "dataset_version_dataset",
        "DocumentationDatasetFacet": "documentation_dataset",
        "DocumentationJobFacet": "documentation_job",
        "ErrorMessageRunFacet": "error_message_run",
        "JobTypeJobFacet": "job_type_job",
        "OutputStatisticsOutputDatasetFacet": "output_statistics_output_dataset",
        "OwnershipJobFacet": "ownership_job",
        "ParentRunFacet": "parent_run",
        "ProcessingEngineRunFacet": "processing_engine_run",
        "SchemaDatasetFacet": "schema_dataset",
        "SQLJobFacet": "sql_job",
    }
    assert set(modules) == set(FACET_VERSIONS)
    facets = importlib.import_module("openlineage.client.facet_v2")
    for name, module in modules.items():
        model = getattr(getattr(facets, module), name)
        assert facet_url(name) == model._get_schema(), name
    from openlineage.client.event_v2 import RunEvent

    assert RunEvent._get_schema() == RUN_EVENT_URL


def test_building_and_writing_events_never_imports_the_openlineage_client(lineage_mesh: Path) -> None:
    import subprocess
    import sys

    probe = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from andmesh.facade import Andmesh\n"
        "from andmesh.workspace import Workspace\n"
        f"Andmesh(Workspace.resolve(Path({str(lineage_mesh.parent / 'ws')!r}))).run(Path({str(lineage_mesh)!r}))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('openlineage', 'requests', 'httpx')))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=180
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
    lines = (lineage_mesh.parent / "ws" / "lineage" / "events.jsonl").read_text().splitlines()
    assert len(lines) == 2 + 2 * len(load_mesh(lineage_mesh).products)
    for line in lines:
        assert event_problems(json.loads(line)) == []
