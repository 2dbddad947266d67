"""OpenLineage run events for one andmesh run: START and COMPLETE/FAIL/ABORT per product.

Naming (see docs/lineage.md):

- the mesh run is a parent job ``mesh-run`` in namespace ``<mesh>``; each product run
  is a job ``<domain>.<product>`` in the same namespace, with a ``parent`` facet;
- OpenLineage wants UUID run ids and andmesh's are ``<UTC stamp>-<hex>``: the parent's
  runId is a UUIDv5 of andmesh's run id, each product's a UUIDv5 of (run id, product),
  so re-sending a run's events is idempotent;
- datasets: an output port is ``andmesh://<mesh>`` / ``<domain>.<port>`` (its table id);
  a raw source is ``file`` / the absolute glob under the data root.

Facets: the contract's ``schema``; ``columnLineage`` derived from a SQL pipeline (a
Python pipeline gets product-level lineage only); ``dataQualityAssertions`` and
``dataQualityMetrics`` from the contract's check results; ``version`` (the published
version number) and ``outputStatistics`` (rows written); ``sql``, ``jobType``,
``documentation``, ``ownership`` on the job; ``errorMessage`` when a run failed or was
held back; and ``andmesh_run`` with andmesh's own status of every port.

Outcome → event: ``published`` and ``up_to_date`` → COMPLETE; ``blocked`` (the gate
held it back) and ``failed`` → FAIL; ``skipped`` (an upstream was not published) →
ABORT: the product never started its work.

Events are built as the JSON the standard defines (plain dicts), not through
openlineage-python's classes: importing that client loads every transport it has (requests,
httpx…), ~0.5 s that every run, a no-op included, paid for events it only writes to a file.
The facets' schema URLs are those of the installed client's models (a test holds them equal)
and every event is checked against the bundled 2-0-2 schema in the tests.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from andmesh.governance.lineage.columns import ColumnLineage, sql_column_lineage
from andmesh.governance.lineage.memory import LineageMemory, query_key
from andmesh.pipeline.results import PortOutcome, PortStatus, RunResult
from andmesh.quality.results import CheckResult, CheckRun, CheckStatus
from andmesh.spec.mesh import Contract, Mesh, Product

PARENT_JOB = "mesh-run"  # a hyphen: no product id (`<domain>.<product>`, snake_case) can take it
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:andmesh:openlineage:run")
ANDMESH_RUN_FACET_URL = "urn:andmesh:openlineage:facets:1-0-0:AndmeshRunFacet.json#/$defs/AndmeshRunFacet"
RUN_EVENT_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

#: Each facet written → the version of its schema (the one openlineage-python's model of the
#: facet names; ``tests/governance/lineage/test_events.py`` holds the two equal).
FACET_VERSIONS = {
    "ColumnLineageDatasetFacet": "1-2-0",
    "DataQualityAssertionsDatasetFacet": "1-1-0",
    "DataQualityMetricsDatasetFacet": "1-0-1",
    "DatasetVersionDatasetFacet": "1-0-1",
    "DocumentationDatasetFacet": "1-1-0",
    "DocumentationJobFacet": "1-1-0",
    "ErrorMessageRunFacet": "1-0-1",
    "JobTypeJobFacet": "2-0-4",
    "OutputStatisticsOutputDatasetFacet": "1-0-2",
    "OwnershipJobFacet": "1-0-1",
    "ParentRunFacet": "1-2-0",
    "ProcessingEngineRunFacet": "1-1-1",
    "SchemaDatasetFacet": "1-2-0",
    "SQLJobFacet": "1-1-0",
}

#: An event, a facet: the JSON objects of the OpenLineage standard.
Json = dict[str, Any]


def _andmesh_version() -> str:
    try:
        return metadata.version("andmesh")
    except metadata.PackageNotFoundError:  # running from a source tree without an install
        return "0+unknown"


PRODUCER = f"urn:andmesh:{_andmesh_version()}"


def _client_version() -> str:
    # The facets follow the models of this client version (see FACET_VERSIONS); read from the
    # package's metadata, so writing events never imports the client.
    try:
        return metadata.version("openlineage-python")
    except metadata.PackageNotFoundError:
        return "unknown"


def facet_url(name: str) -> str:
    """The schema URL of facet ``name`` as written.

    >>> facet_url("SQLJobFacet")
    'https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet'
    """
    return f"https://openlineage.io/spec/facets/{FACET_VERSIONS[name]}/{name}.json#/$defs/{name}"


def _facet(facet: str, /, **fields: Any) -> Json:
    return {"_producer": PRODUCER, "_schemaURL": facet_url(facet), **fields}


def _clean(value: Any) -> Any:
    """Drop what the standard leaves out when unset: null members, and nulls and empty objects in lists.

    >>> _clean({"a": None, "b": [None, {}, {"c": 1, "d": None}], "e": {}})
    {'b': [{'c': 1}], 'e': {}}
    """
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [c for c in (_clean(v) for v in value if v is not None) if c != {}]
    return value


def _event(
    state: str, when: dt.datetime, run: Json, job: Json, inputs: list[Json], outputs: list[Json]
) -> Json:
    event = {
        "eventTime": when.isoformat(),
        "eventType": state,
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT_URL,
        "run": run,
        "job": job,
        "inputs": inputs,
        "outputs": outputs,
    }
    cleaned: Json = _clean(event)
    return cleaned


def _dataset(namespace: str, name: str, facets: Json | None = None, **more: Json) -> Json:
    return {"namespace": namespace, "name": name, "facets": facets or {}, **more}


# andmesh check kinds → the assertion names OpenLineage consumers know (others keep theirs).
_ASSERTION = {"required": "not_null", "unique": "unique", "primaryKey": "unique", "rowCount": "row_count",
              "sql": "custom_sql", "relationship": "relationships", "freshness": "freshness"}  # fmt: skip


@dataclass
class LineageContext:
    """What event building may know beyond the mesh and the run result (all optional)."""

    data_root: Path | None = None
    # table id → the current published version number (for inputs that did not run now)
    current_version: Callable[[str], int | None] | None = None
    # source name → {column: type}; read from the files by the caller when it can
    source_schemas: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # column lineage derived by earlier runs (a no-op run re-derives none of it)
    memory: LineageMemory | None = None


def run_uuid(run_id: str, job: str | None = None) -> str:
    """The OpenLineage runId for andmesh run ``run_id`` (the mesh run, or one job of it).

    >>> run_uuid("20260101T000000-abc123") == run_uuid("20260101T000000-abc123")
    True
    >>> run_uuid("20260101T000000-abc123", "sales.orders") != run_uuid("20260101T000000-abc123")
    True
    >>> run_uuid("01890a5d-ac96-774b-bcce-b302099a8057")
    '01890a5d-ac96-774b-bcce-b302099a8057'
    """
    if job is None:
        try:
            return str(uuid.UUID(run_id))
        except ValueError:
            return str(uuid.uuid5(_ID_NAMESPACE, run_id))
    return str(uuid.uuid5(_ID_NAMESPACE, f"{run_id}/{job}"))


def dataset_namespace(mesh: Mesh) -> str:
    return f"andmesh://{mesh.name}"


def build_run_events(mesh: Mesh, result: RunResult, context: LineageContext | None = None) -> list[Json]:
    """Every event of one run, in order: the mesh run's START, each product's pair, its end."""
    ctx = context or LineageContext()
    parent_run = {"runId": run_uuid(result.run_id), "facets": {}}
    parent_job = {"namespace": mesh.name, "name": PARENT_JOB, "facets": {}}
    parent = _facet(
        "ParentRunFacet", run=parent_run, job=parent_job, root={"run": parent_run, "job": parent_job}
    )
    start = result.started_at
    end = start + dt.timedelta(seconds=result.seconds)
    events = [_mesh_event(mesh, result, "START", start)]
    by_product: dict[str, list[PortOutcome]] = {}
    for outcome in result.outcomes:
        by_product.setdefault(outcome.product_id, []).append(outcome)
    versions = {o.table_id: o.version for o in result.outcomes}
    clock = start
    for product_id, outcomes in by_product.items():
        product = mesh.products.get(product_id)
        spent = sum(o.seconds for o in outcomes)
        began, finished = _times(outcomes, clock, spent, end)
        clock = finished
        if product is None:  # the mesh changed since the run: nothing reliable to say
            continue
        events.extend(
            _product_events(mesh, product, outcomes, result, parent, began, finished, versions, ctx)
        )
    events.append(_mesh_event(mesh, result, _mesh_state(result), end))
    return events


def _times(
    outcomes: list[PortOutcome], clock: dt.datetime, spent: float, end: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """When a product ran: its outcomes' own start if the pipeline records one, else right after the last."""
    recorded = [getattr(o, "started_at", None) for o in outcomes]
    began = min((t for t in recorded if isinstance(t, dt.datetime)), default=clock)
    finished = min(began + dt.timedelta(seconds=spent), end) if began <= end else began
    return began, finished


def _mesh_state(result: RunResult) -> str:
    return "COMPLETE" if result.exit_code == 0 else "FAIL"


def _andmesh_run(run_id: str, mesh: str, status: str, message: str | None, ports: list[Json]) -> Json:
    """``andmesh_run``: what andmesh did, in its own terms (schema in ``schemas/AndmeshRunFacet.json``)."""
    return {
        "_producer": PRODUCER,
        "_schemaURL": ANDMESH_RUN_FACET_URL,
        "runId": run_id,
        "mesh": mesh,
        "status": status,
        "message": message,
        "ports": ports,
    }


def _mesh_event(mesh: Mesh, result: RunResult, state: str, when: dt.datetime) -> Json:
    facets: Json = {"processing_engine": _engine()}
    if state != "START":
        facets["andmesh_run"] = _andmesh_run(
            result.run_id,
            mesh.name,
            result.status,
            ", ".join(f"{result.count(s)} {s.value}" for s in PortStatus if result.count(s)),
            [_port_summary(o) for o in result.outcomes],
        )
    if state == "FAIL":
        troubled = [o for o in result.outcomes if o.status in (PortStatus.failed, PortStatus.blocked)]
        facets["errorMessage"] = _facet(
            "ErrorMessageRunFacet",
            message="; ".join(f"{o.table_id} {o.status.value}: {o.message}" for o in troubled)
            or result.status,
            programmingLanguage="SQL",
        )
    job_facets: Json = {
        "jobType": _facet(
            "JobTypeJobFacet", processingType="BATCH", integration="ANDMESH", jobType="MESH_RUN"
        )
    }
    if mesh.spec.description:
        job_facets["documentation"] = _facet("DocumentationJobFacet", description=mesh.spec.description)
    run = {"runId": run_uuid(result.run_id), "facets": facets}
    return _event(
        state, when, run, {"namespace": mesh.name, "name": PARENT_JOB, "facets": job_facets}, [], []
    )


def _engine() -> Json:
    return _facet(
        "ProcessingEngineRunFacet",
        version=_andmesh_version(),
        name="andmesh",
        openlineageAdapterVersion=_client_version(),
    )


def _port_summary(outcome: PortOutcome) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "table": outcome.table_id,
        "status": outcome.status.value,
        "seconds": outcome.seconds,
    }
    if outcome.version is not None:
        summary["version"] = outcome.version
    if outcome.rows is not None:
        summary["rows"] = outcome.rows
    if outcome.checks is not None:
        summary["checks"] = {k: v for k, v in outcome.checks.counts().items() if v}
    return summary


_STATE = {
    PortStatus.published: "COMPLETE",
    PortStatus.up_to_date: "COMPLETE",
    PortStatus.blocked: "FAIL",
    PortStatus.failed: "FAIL",
    PortStatus.skipped: "ABORT",
}
_SEVERITY = [
    PortStatus.published,
    PortStatus.up_to_date,
    PortStatus.skipped,
    PortStatus.blocked,
    PortStatus.failed,
]


def _product_events(
    mesh: Mesh,
    product: Product,
    outcomes: list[PortOutcome],
    result: RunResult,
    parent: Json,
    began: dt.datetime,
    finished: dt.datetime,
    versions: Mapping[str, int | None],
    ctx: LineageContext,
) -> list[Json]:
    worst = max((o.status for o in outcomes), key=_SEVERITY.index)
    state = _STATE[worst]
    run_id = run_uuid(result.run_id, product.id)
    job = {"namespace": mesh.name, "name": product.id, "facets": _job_facets(product, mesh.spec.sqlDialect)}
    inputs = _inputs(mesh, product, versions, ctx)
    start_facets: Json = {"parent": parent, "processing_engine": _engine()}
    start = _event(
        "START",
        began,
        {"runId": run_id, "facets": start_facets},
        job,
        inputs,
        [_dataset(dataset_namespace(mesh), o.table_id, outputFacets={}) for o in outcomes],
    )
    end_facets: Json = {
        **start_facets,
        "andmesh_run": _andmesh_run(
            result.run_id,
            mesh.name,
            worst.value,
            " | ".join(o.message for o in outcomes if o.message) or None,
            [_port_summary(o) for o in outcomes],
        ),
    }
    if state != "COMPLETE":
        end_facets["errorMessage"] = _facet(
            "ErrorMessageRunFacet",
            message=" | ".join(f"{o.table_id} {o.status.value}: {o.message}" for o in outcomes),
            programmingLanguage=product.outputs[0].pipeline.kind.upper() if product.outputs else "SQL",
        )
    lineage = _column_lineage(mesh, product, ctx)
    end = _event(
        state,
        finished,
        {"runId": run_id, "facets": end_facets},
        job,
        inputs,
        [_output(mesh, product, o, lineage.get(o.table_id), ctx) for o in outcomes],
    )
    return [start, end]


def _job_facets(product: Product, dialect: str) -> Json:
    facets: Json = {
        "jobType": _facet(
            "JobTypeJobFacet", processingType="BATCH", integration="ANDMESH", jobType="DATA_PRODUCT"
        )
    }
    pipelines = [p.pipeline for p in product.outputs]
    if len(pipelines) == 1 and pipelines[0].kind == "sql":
        facets["sql"] = _facet(
            "SQLJobFacet", query=pipelines[0].file.read_text(encoding="utf-8"), dialect=dialect
        )
    purpose = product.spec.description.purpose if product.spec.description else None
    if purpose:
        facets["documentation"] = _facet("DocumentationJobFacet", description=" ".join(purpose.split()))
    owners = [m for m in product.spec.team or [] if m.username]
    if owners:
        facets["ownership"] = _facet(
            "OwnershipJobFacet", owners=[{"name": f"user:{m.username}", "type": m.role} for m in owners]
        )
    return facets


def _schema_fields(columns: list[tuple[str, str | None, str | None]]) -> Json:
    """The ``schema`` facet of (name, type, description) columns, numbered from 1."""
    fields: list[Json] = [
        {"name": name, "type": kind, "description": text, "ordinal_position": index, "fields": []}
        for index, (name, kind, text) in enumerate(columns, start=1)
    ]
    return _facet("SchemaDatasetFacet", fields=fields)


def _schema(contract: Contract) -> Json:
    return _schema_fields(
        [
            (
                prop.name or "",
                prop.physicalType or prop.logicalType,
                " ".join(prop.description.split()) if prop.description else None,
            )
            for prop in contract.properties
        ]
    )


def _inputs(
    mesh: Mesh, product: Product, versions: Mapping[str, int | None], ctx: LineageContext
) -> list[Json]:
    datasets = []
    for ref in product.inputs:
        upstream = mesh.products[ref.product_id]
        port = upstream.output(ref.port)
        facets: Json = {"schema": _schema(port.contract)}
        version = versions.get(port.table_id)
        if version is None and ctx.current_version is not None:
            version = ctx.current_version(port.table_id)
        if version is not None:
            facets["version"] = _facet("DatasetVersionDatasetFacet", datasetVersion=str(version))
        datasets.append(_dataset(dataset_namespace(mesh), port.table_id, facets, inputFacets={}))
    for source in product.sources:
        name = str(ctx.data_root / source.path) if ctx.data_root else source.path
        facets = {}
        columns = ctx.source_schemas.get(source.name)
        if columns:
            facets["schema"] = _schema_fields([(c, t, None) for c, t in columns.items()])
        if source.description:
            facets["documentation"] = _facet("DocumentationDatasetFacet", description=source.description)
        datasets.append(_dataset("file", name, facets, inputFacets={}))
    return datasets


def input_datasets(mesh: Mesh, product: Product, ctx: LineageContext) -> dict[str, tuple[str, str]]:
    """The name a pipeline reads each input under → its dataset (namespace, name)."""
    found = {}
    for ref in product.inputs:
        port = mesh.products[ref.product_id].output(ref.port)
        found[ref.name] = (dataset_namespace(mesh), port.table_id)
    for source in product.sources:
        found[source.name] = ("file", str(ctx.data_root / source.path) if ctx.data_root else source.path)
    return found


def _input_schemas(mesh: Mesh, product: Product, ctx: LineageContext) -> dict[str, dict[str, str]]:
    schemas: dict[str, dict[str, str]] = {}
    for ref in product.inputs:
        contract = mesh.products[ref.product_id].output(ref.port).contract
        schemas[ref.name] = {
            p.name or "": p.physicalType or p.logicalType or "unknown" for p in contract.properties
        }
    for source in product.sources:
        if source.name in ctx.source_schemas:
            schemas[source.name] = dict(ctx.source_schemas[source.name])
    return {table: {c: _sql_type(t) for c, t in cols.items()} for table, cols in schemas.items()}


def _sql_type(declared: str) -> str:
    """A type sqlglot can parse: the contract's physical type, or one for its logical type."""
    logical = {"string": "varchar", "integer": "bigint", "number": "double", "boolean": "boolean", "date": "date",
               "timestamp": "timestamp", "time": "time", "object": "json", "array": "json"}  # fmt: skip
    return logical.get(declared, declared if declared.replace("_", "").isalnum() else "varchar")


def _column_lineage(mesh: Mesh, product: Product, ctx: LineageContext) -> dict[str, ColumnLineage]:
    """Column lineage of each SQL-built output port (a Python pipeline gets none)."""
    found = {}
    schemas = _input_schemas(mesh, product, ctx)
    for port in product.outputs:
        if port.pipeline.kind != "sql":
            continue
        sql = port.pipeline.file.read_text(encoding="utf-8")
        key = query_key(sql, schemas, mesh.spec.sqlDialect) if ctx.memory is not None else ""
        known = ctx.memory.get(key) if ctx.memory is not None else None
        if known is None:
            known = sql_column_lineage(sql, schemas, mesh.spec.sqlDialect)
            if ctx.memory is not None:
                ctx.memory.put(key, known)
        found[port.table_id] = known
    return found


def column_lineage_facet(
    lineage: ColumnLineage, datasets: Mapping[str, tuple[str, str]], columns: list[str]
) -> Json | None:
    """The ``columnLineage`` facet of one output: its published ``columns`` and the row-set dependencies."""

    def field_of(table: str, column: str, kind: str, subtype: str) -> Json | None:
        if table not in datasets:
            return None
        namespace, name = datasets[table]
        return {
            "namespace": namespace,
            "name": name,
            "field": column,
            "transformations": [{"type": kind, "subtype": subtype}],
        }

    fields = {}
    for column in columns:
        inputs = [field_of(s.table, s.column, s.type, s.subtype) for s in lineage.fields.get(column, [])]
        present = [f for f in inputs if f is not None]
        if present:
            fields[column] = {"inputFields": present}
    dataset = [field_of(s.table, s.column, s.type, s.subtype) for s in lineage.dataset]
    if not fields and not dataset:
        return None
    return _facet("ColumnLineageDatasetFacet", fields=fields, dataset=[f for f in dataset if f is not None])


def _output(
    mesh: Mesh, product: Product, outcome: PortOutcome, lineage: ColumnLineage | None, ctx: LineageContext
) -> Json:
    port = next(p for p in product.outputs if p.table_id == outcome.table_id)
    facets: Json = {"schema": _schema(port.contract)}
    purpose = port.contract.model.description.purpose if port.contract.model.description else None
    if purpose:
        facets["documentation"] = _facet("DocumentationDatasetFacet", description=" ".join(purpose.split()))
    if lineage is not None:
        columns = [p.name for p in port.contract.properties if p.name]
        facet = column_lineage_facet(lineage, input_datasets(mesh, product, ctx), columns)
        if facet is not None:
            facets["columnLineage"] = facet
    if outcome.status in (PortStatus.published, PortStatus.up_to_date) and outcome.version is not None:
        facets["version"] = _facet("DatasetVersionDatasetFacet", datasetVersion=str(outcome.version))
    output_facets: Json = {}
    if outcome.checks is not None:
        facets["dataQualityAssertions"] = assertions_facet(outcome.checks)
        facets["dataQualityMetrics"] = metrics_facet(outcome.checks)
    if outcome.status == PortStatus.published and outcome.rows is not None:
        output_facets["outputStatistics"] = _facet(
            "OutputStatisticsOutputDatasetFacet", rowCount=outcome.rows
        )
    return _dataset(dataset_namespace(mesh), port.table_id, facets, outputFacets=output_facets)


def assertions_facet(run: CheckRun) -> Json:
    """One assertion per evaluated check; a check that could not be evaluated counts as not passed.

    Skipped checks are left out (they tested nothing).
    """
    # The gate measures most checks in one shared aggregate query: repeating it in every
    # assertion would make an event mostly SQL. Only a query of one check's own is kept.
    shared = Counter(c.query for c in run.checks if c.query)
    return _clean(
        _facet(
            "DataQualityAssertionsDatasetFacet",
            assertions=[
                _assertion(c, with_query=bool(c.query) and shared[c.query or ""] == 1)
                for c in run.checks
                if c.status != CheckStatus.skipped
            ],
        )
    )


def _assertion(check: CheckResult, *, with_query: bool) -> Json:
    description = check.message or None
    if check.status == CheckStatus.error:
        description = f"not evaluated: {check.message}"
    return {
        "assertion": _ASSERTION.get(check.kind, check.kind),
        "success": check.status == CheckStatus.passed,
        "column": check.property,
        "severity": "warn" if check.severity == "warning" else "error",
        "name": check.id,
        "description": description,
        "expected": _text(check.threshold),
        "actual": _text(check.measured),
        "content": check.query if with_query else None,
        "contentType": "sql" if check.query and with_query else None,
        "params": {},
    }


def _text(value: Any) -> str | None:
    """A measured value or threshold as the string the facet wants."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return json.dumps(value, default=str, sort_keys=True)


def metrics_facet(run: CheckRun) -> Json:
    """Row count, and each required column's null count (what the `required` checks measured)."""
    columns: Json = {}
    for check in run.checks:
        if check.kind == "required" and check.property and isinstance(check.measured, int | float):
            columns[check.property] = {"nullCount": int(check.measured), "quantiles": {}}
    return _clean(
        _facet(
            "DataQualityMetricsDatasetFacet",
            columnMetrics=columns,
            rowCount=run.rows,
            captureDate=(run.started_at + dt.timedelta(seconds=run.seconds)).isoformat(),
        )
    )


def event_json(event: Json) -> Json:
    """The event as the JSON a transport sends (a copy: the caller may change it)."""
    copied: Json = json.loads(json.dumps(event))
    return copied
