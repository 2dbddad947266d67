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
from typing import Any, ClassVar

import attr
from openlineage.client.constants import __version__ as client_version
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    DatasetFacet,
    JobFacet,
    OutputDatasetFacet,
    RunFacet,
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_dataset,
    dataset_version_dataset,
    documentation_dataset,
    documentation_job,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    ownership_job,
    parent_run,
    processing_engine_run,
    schema_dataset,
    sql_job,
)
from openlineage.client.serde import Serde

from andmesh.governance.lineage.columns import ColumnLineage, sql_column_lineage
from andmesh.governance.lineage.memory import LineageMemory, query_key
from andmesh.pipeline.results import PortOutcome, PortStatus, RunResult
from andmesh.quality.results import CheckResult, CheckRun, CheckStatus
from andmesh.spec.mesh import Contract, Mesh, Product

PARENT_JOB = "mesh-run"  # a hyphen: no product id (`<domain>.<product>`, snake_case) can take it
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:andmesh:openlineage:run")
ANDMESH_RUN_FACET_URL = "urn:andmesh:openlineage:facets:1-0-0:AndmeshRunFacet.json#/$defs/AndmeshRunFacet"


def _andmesh_version() -> str:
    try:
        return metadata.version("andmesh")
    except metadata.PackageNotFoundError:  # running from a source tree without an install
        return "0+unknown"


PRODUCER = f"urn:andmesh:{_andmesh_version()}"

# andmesh check kinds → the assertion names OpenLineage consumers know (others keep theirs).
_ASSERTION = {"required": "not_null", "unique": "unique", "primaryKey": "unique", "rowCount": "row_count",
              "sql": "custom_sql", "relationship": "relationships", "freshness": "freshness"}  # fmt: skip


@attr.define
class AndmeshRunFacet(RunFacet):
    """``andmesh_run``: what andmesh did, in its own terms (schema in ``schemas/AndmeshRunFacet.json``)."""

    runId: str  # noqa: N815
    mesh: str
    status: str
    message: str | None = attr.field(default=None)
    ports: list[dict[str, Any]] = attr.field(factory=list)

    _additional_skip_redact: ClassVar[list[str]] = ["runId", "mesh", "status", "ports"]

    @staticmethod
    def _get_schema() -> str:
        return ANDMESH_RUN_FACET_URL


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


def build_run_events(mesh: Mesh, result: RunResult, context: LineageContext | None = None) -> list[RunEvent]:
    """Every event of one run, in order: the mesh run's START, each product's pair, its end."""
    ctx = context or LineageContext()
    parent = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=run_uuid(result.run_id)),
        job=parent_run.Job(namespace=mesh.name, name=PARENT_JOB),
        root=parent_run.Root(
            run=parent_run.RootRun(runId=run_uuid(result.run_id)),
            job=parent_run.RootJob(namespace=mesh.name, name=PARENT_JOB),
        ),
        producer=PRODUCER,
    )
    start = result.started_at
    end = start + dt.timedelta(seconds=result.seconds)
    events = [_mesh_event(mesh, result, RunState.START, start)]
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


def _mesh_state(result: RunResult) -> RunState:
    return RunState.COMPLETE if result.exit_code == 0 else RunState.FAIL


def _mesh_event(mesh: Mesh, result: RunResult, state: RunState, when: dt.datetime) -> RunEvent:
    facets: dict[str, RunFacet] = {"processing_engine": _engine()}
    if state != RunState.START:
        facets["andmesh_run"] = AndmeshRunFacet(
            runId=result.run_id,
            mesh=mesh.name,
            status=result.status,
            message=", ".join(f"{result.count(s)} {s.value}" for s in PortStatus if result.count(s)),
            ports=[_port_summary(o) for o in result.outcomes],
            producer=PRODUCER,
        )
    if state == RunState.FAIL:
        troubled = [o for o in result.outcomes if o.status in (PortStatus.failed, PortStatus.blocked)]
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message="; ".join(f"{o.table_id} {o.status.value}: {o.message}" for o in troubled)
            or result.status,
            programmingLanguage="SQL",
            producer=PRODUCER,
        )
    job_facets: dict[str, JobFacet] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="ANDMESH", jobType="MESH_RUN", producer=PRODUCER
        )
    }
    if mesh.spec.description:
        job_facets["documentation"] = documentation_job.DocumentationJobFacet(
            description=mesh.spec.description, producer=PRODUCER
        )
    return RunEvent(
        eventType=state,
        eventTime=when.isoformat(),
        run=Run(runId=run_uuid(result.run_id), facets=facets),
        job=Job(namespace=mesh.name, name=PARENT_JOB, facets=job_facets),
        producer=PRODUCER,
    )


def _engine() -> processing_engine_run.ProcessingEngineRunFacet:
    return processing_engine_run.ProcessingEngineRunFacet(
        version=_andmesh_version(),
        name="andmesh",
        openlineageAdapterVersion=client_version,
        producer=PRODUCER,
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
    PortStatus.published: RunState.COMPLETE,
    PortStatus.up_to_date: RunState.COMPLETE,
    PortStatus.blocked: RunState.FAIL,
    PortStatus.failed: RunState.FAIL,
    PortStatus.skipped: RunState.ABORT,
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
    parent: parent_run.ParentRunFacet,
    began: dt.datetime,
    finished: dt.datetime,
    versions: Mapping[str, int | None],
    ctx: LineageContext,
) -> list[RunEvent]:
    worst = max((o.status for o in outcomes), key=_SEVERITY.index)
    state = _STATE[worst]
    run_id = run_uuid(result.run_id, product.id)
    job = Job(namespace=mesh.name, name=product.id, facets=_job_facets(product, mesh.spec.sqlDialect))
    inputs = _inputs(mesh, product, versions, ctx)
    start_facets: dict[str, RunFacet] = {"parent": parent, "processing_engine": _engine()}
    start = RunEvent(
        eventType=RunState.START,
        eventTime=began.isoformat(),
        run=Run(runId=run_id, facets=start_facets),
        job=job,
        inputs=inputs,
        outputs=[OutputDataset(namespace=dataset_namespace(mesh), name=o.table_id) for o in outcomes],
        producer=PRODUCER,
    )
    end_facets: dict[str, RunFacet] = {
        **start_facets,
        "andmesh_run": AndmeshRunFacet(
            runId=result.run_id,
            mesh=mesh.name,
            status=worst.value,
            message=" | ".join(o.message for o in outcomes if o.message) or None,
            ports=[_port_summary(o) for o in outcomes],
            producer=PRODUCER,
        ),
    }
    if state != RunState.COMPLETE:
        end_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=" | ".join(f"{o.table_id} {o.status.value}: {o.message}" for o in outcomes),
            programmingLanguage=product.outputs[0].pipeline.kind.upper() if product.outputs else "SQL",
            producer=PRODUCER,
        )
    lineage = _column_lineage(mesh, product, ctx)
    end = RunEvent(
        eventType=state,
        eventTime=finished.isoformat(),
        run=Run(runId=run_id, facets=end_facets),
        job=job,
        inputs=inputs,
        outputs=[_output(mesh, product, o, lineage.get(o.table_id), ctx) for o in outcomes],
        producer=PRODUCER,
    )
    return [start, end]


def _job_facets(product: Product, dialect: str) -> dict[str, JobFacet]:
    facets: dict[str, JobFacet] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="ANDMESH", jobType="DATA_PRODUCT", producer=PRODUCER
        )
    }
    pipelines = [p.pipeline for p in product.outputs]
    if len(pipelines) == 1 and pipelines[0].kind == "sql":
        facets["sql"] = sql_job.SQLJobFacet(
            query=pipelines[0].file.read_text(encoding="utf-8"), dialect=dialect, producer=PRODUCER
        )
    purpose = product.spec.description.purpose if product.spec.description else None
    if purpose:
        facets["documentation"] = documentation_job.DocumentationJobFacet(
            description=" ".join(purpose.split()), producer=PRODUCER
        )
    owners = [m for m in product.spec.team or [] if m.username]
    if owners:
        facets["ownership"] = ownership_job.OwnershipJobFacet(
            owners=[ownership_job.Owner(name=f"user:{m.username}", type=m.role) for m in owners],
            producer=PRODUCER,
        )
    return facets


def _schema(contract: Contract) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[
            schema_dataset.SchemaDatasetFacetFields(
                name=prop.name or "",
                type=prop.physicalType or prop.logicalType,
                description=" ".join(prop.description.split()) if prop.description else None,
                ordinal_position=index,
            )
            for index, prop in enumerate(contract.properties, start=1)
        ],
        producer=PRODUCER,
    )


def _inputs(
    mesh: Mesh, product: Product, versions: Mapping[str, int | None], ctx: LineageContext
) -> list[InputDataset]:
    datasets = []
    for ref in product.inputs:
        upstream = mesh.products[ref.product_id]
        port = upstream.output(ref.port)
        facets: dict[str, DatasetFacet] = {"schema": _schema(port.contract)}
        version = versions.get(port.table_id)
        if version is None and ctx.current_version is not None:
            version = ctx.current_version(port.table_id)
        if version is not None:
            facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
                datasetVersion=str(version), producer=PRODUCER
            )
        datasets.append(InputDataset(namespace=dataset_namespace(mesh), name=port.table_id, facets=facets))
    for source in product.sources:
        name = str(ctx.data_root / source.path) if ctx.data_root else source.path
        facets = {}
        columns = ctx.source_schemas.get(source.name)
        if columns:
            facets["schema"] = schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields(name=c, type=t, ordinal_position=i)
                    for i, (c, t) in enumerate(columns.items(), start=1)
                ],
                producer=PRODUCER,
            )
        if source.description:
            facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
                description=source.description, producer=PRODUCER
            )
        datasets.append(InputDataset(namespace="file", name=name, facets=facets))
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
) -> column_lineage_dataset.ColumnLineageDatasetFacet | None:
    """The ``columnLineage`` facet of one output: its published ``columns`` and the row-set dependencies."""

    def field_of(
        table: str, column: str, kind: str, subtype: str
    ) -> column_lineage_dataset.InputField | None:
        if table not in datasets:
            return None
        namespace, name = datasets[table]
        return column_lineage_dataset.InputField(
            namespace=namespace,
            name=name,
            field=column,
            transformations=[column_lineage_dataset.Transformation(type=kind, subtype=subtype)],
        )

    fields = {}
    for column in columns:
        inputs = [field_of(s.table, s.column, s.type, s.subtype) for s in lineage.fields.get(column, [])]
        present = [f for f in inputs if f is not None]
        if present:
            fields[column] = column_lineage_dataset.Fields(inputFields=present)
    dataset = [field_of(s.table, s.column, s.type, s.subtype) for s in lineage.dataset]
    if not fields and not dataset:
        return None
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields=fields, dataset=[f for f in dataset if f is not None], producer=PRODUCER
    )


def _output(
    mesh: Mesh, product: Product, outcome: PortOutcome, lineage: ColumnLineage | None, ctx: LineageContext
) -> OutputDataset:
    port = next(p for p in product.outputs if p.table_id == outcome.table_id)
    facets: dict[str, DatasetFacet] = {"schema": _schema(port.contract)}
    purpose = port.contract.model.description.purpose if port.contract.model.description else None
    if purpose:
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
            description=" ".join(purpose.split()), producer=PRODUCER
        )
    if lineage is not None:
        columns = [p.name for p in port.contract.properties if p.name]
        facet = column_lineage_facet(lineage, input_datasets(mesh, product, ctx), columns)
        if facet is not None:
            facets["columnLineage"] = facet
    if outcome.status in (PortStatus.published, PortStatus.up_to_date) and outcome.version is not None:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=str(outcome.version), producer=PRODUCER
        )
    output_facets: dict[str, OutputDatasetFacet] = {}
    if outcome.checks is not None:
        facets["dataQualityAssertions"] = assertions_facet(outcome.checks)  # type: ignore[assignment]
        facets["dataQualityMetrics"] = metrics_facet(outcome.checks)
    if outcome.status == PortStatus.published and outcome.rows is not None:
        output_facets["outputStatistics"] = (
            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=outcome.rows, producer=PRODUCER
            )
        )
    return OutputDataset(
        namespace=dataset_namespace(mesh), name=port.table_id, facets=facets, outputFacets=output_facets
    )


def assertions_facet(run: CheckRun) -> data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet:
    """One assertion per evaluated check; a check that could not be evaluated counts as not passed.

    Skipped checks are left out (they tested nothing).
    """
    # The gate measures most checks in one shared aggregate query: repeating it in every
    # assertion would make an event mostly SQL. Only a query of one check's own is kept.
    shared = Counter(c.query for c in run.checks if c.query)
    return data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=[
            _assertion(c, with_query=bool(c.query) and shared[c.query or ""] == 1)
            for c in run.checks
            if c.status != CheckStatus.skipped
        ],
        producer=PRODUCER,
    )


def _assertion(check: CheckResult, *, with_query: bool) -> data_quality_assertions_dataset.Assertion:
    description = check.message or None
    if check.status == CheckStatus.error:
        description = f"not evaluated: {check.message}"
    return data_quality_assertions_dataset.Assertion(
        assertion=_ASSERTION.get(check.kind, check.kind),
        success=check.status == CheckStatus.passed,
        column=check.property,
        severity="warn" if check.severity == "warning" else "error",
        name=check.id,
        description=description,
        expected=_text(check.threshold),
        actual=_text(check.measured),
        content=check.query if with_query else None,
        contentType="sql" if check.query and with_query else None,
    )


def _text(value: Any) -> str | None:
    """A measured value or threshold as the string the facet wants."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return json.dumps(value, default=str, sort_keys=True)


def metrics_facet(run: CheckRun) -> data_quality_metrics_dataset.DataQualityMetricsDatasetFacet:
    """Row count, and each required column's null count (what the `required` checks measured)."""
    columns: dict[str, data_quality_metrics_dataset.ColumnMetrics] = {}
    for check in run.checks:
        if check.kind == "required" and check.property and isinstance(check.measured, int | float):
            columns[check.property] = data_quality_metrics_dataset.ColumnMetrics(
                nullCount=int(check.measured)
            )
    return data_quality_metrics_dataset.DataQualityMetricsDatasetFacet(
        columnMetrics=columns,
        rowCount=run.rows,
        captureDate=(run.started_at + dt.timedelta(seconds=run.seconds)).isoformat(),
        producer=PRODUCER,
    )


def event_json(event: RunEvent) -> dict[str, Any]:
    """The event as the JSON an OpenLineage transport sends."""
    data: dict[str, Any] = json.loads(Serde.to_json(event))
    return data
