"""Run a mesh: build each selected product in dependency order, gate it, publish it.

For each output port: bind inputs (sources and the upstream's current versions) →
evaluate the pipeline on the engine → write the candidate to staging → run the
contract's checks on the staged files (one pass) → publish a new version atomically,
or hold it back and record an incident. A product whose upstream was not published
in this run is skipped; the rest of the mesh goes on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

from andmesh.engine.base import Engine
from andmesh.errors import AndmeshError, EngineError, SpecProblem, WorkspaceFault
from andmesh.faults import fault_point
from andmesh.pipeline.build import (
    BuildContext,
    bind_input_names,
    bind_inputs,
    evaluate,
    fingerprint,
    source_folders,
    sql_query,
)
from andmesh.pipeline.digests import ContentDigests
from andmesh.pipeline.plan import select_products
from andmesh.pipeline.results import PortOutcome, PortStatus, RunResult
from andmesh.pipeline.sessions import SessionPool
from andmesh.quality.checks import run_checks
from andmesh.quality.diff import ContractDiff, diff_contracts
from andmesh.quality.results import CheckResult, CheckRun, CheckStatus
from andmesh.spec.contract import validate_contract
from andmesh.spec.mesh import Mesh, OutputPort, Product
from andmesh.spec.yamlsource import load_yaml_text
from andmesh.storage.oserrors import translate
from andmesh.storage.warehouse import PortHead, PortVersion, Warehouse
from andmesh.store.metadata import MetadataStore

if TYPE_CHECKING:
    import ibis


class ProgressEvent(BaseModel):
    """Sent to the caller's progress callback as the run advances."""

    kind: str  # "plan" | "start" | "done"
    index: int
    total: int
    table_id: str = ""
    status: str = ""
    message: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


def new_run_id() -> str:
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def recover(store: MetadataStore, warehouse: Warehouse) -> list[str]:
    """Settle what an interrupted run left: its records and its unreferenced files."""
    notes: list[str] = []
    for run in store.unfinished_runs():
        for row in store.product_runs(run_id=run["id"]):
            if row["status"] not in ("building", "publishing"):
                continue
            landed = next((v for v in warehouse.versions(row["table_id"]) if v.run_id == run["id"]), None)
            if landed is not None:
                store.update_product(
                    row["id"],
                    status=PortStatus.published.value,
                    version=landed.version,
                    snapshot_id=landed.snapshot_id,
                    rows=landed.rows,
                    message="committed before the crash; recorded on recovery",
                )
            else:
                store.update_product(
                    row["id"],
                    status="aborted",
                    message="interrupted before its version was committed; the previous version stayed current",
                )
        store.finish_run(run["id"], "crashed", {"recovered_at": dt.datetime.now(tz=dt.UTC).isoformat()})
        notes.append(f"run {run['id']} had been interrupted: recorded as crashed")
    notes.extend(f"removed leftover {path}" for path in warehouse.repair())
    return notes


def _abandon(store: MetadataStore, warehouse: Warehouse, run_id: str, fault: WorkspaceFault) -> None:
    """Stop a run the workspace cannot carry on (full disk): free its files, record why if possible.

    Either step may fail on the same full disk; the journal and the run's "running" record
    then let the next run finish the job (:func:`recover`).
    """
    with contextlib.suppress(Exception):  # the journal still names what is left
        warehouse.settle(run_id)
    with contextlib.suppress(Exception):  # recovered as crashed by the next run
        store.finish_run(run_id, "failed", {"stopped": fault.message})


@dataclass
class RunContext:
    mesh: Mesh
    engine: Engine
    store: MetadataStore
    warehouse: Warehouse
    data_root: Path
    run_id: str
    force: bool
    gate: Gatekeeper | None = None
    # The workspace's masking key: sample rows of failed checks show protected values masked by it.
    mask_key: bytes | None = None
    # Current versions read in this run (the holding lock keeps anyone else from publishing):
    # each port is read once from the catalog, not once per product that reads it.
    versions: dict[str, PortVersion | None] = field(default_factory=dict)
    digests: ContentDigests | None = None
    # The heads of every table, read once from the catalog's metadata files (no pyiceberg):
    # enough to tell that a port is up to date; its files are listed only to build on it.
    heads: dict[str, PortHead | None] | None = None
    sessions: SessionPool | None = None

    def session_pool(self) -> SessionPool:
        if self.sessions is None:
            self.sessions = SessionPool(self.engine)
        return self.sessions

    def current(self, table_id: str) -> PortVersion | None:
        if table_id not in self.versions:
            self.versions[table_id] = self.warehouse.current(table_id)
        return self.versions[table_id]

    def head(self, table_id: str) -> PortHead | PortVersion | None:
        if table_id in self.versions:
            return self.versions[table_id]
        if self.heads is None:
            self.heads = self.warehouse.heads()
        if table_id in self.heads:
            return self.heads[table_id]
        return self.current(table_id)


class Gatekeeper(Protocol):
    """What governance enforces on a run, without the pipeline knowing how (see andmesh.governance.gate)."""

    def hold(
        self, run_id: str, product: Product, port: OutputPort, change: ContractDiff | None
    ) -> str | None:
        """Why the port may not be published in this run (None: it may)."""

    def published(self, run_id: str, product: Product, port: OutputPort, change: ContractDiff | None) -> None:
        """The port was published in this run."""


def run_mesh(
    mesh: Mesh,
    *,
    engine: Engine,
    store: MetadataStore,
    warehouse: Warehouse,
    data_root: Path,
    selectors: list[str] | None = None,
    force: bool = False,
    on_event: ProgressCallback | None = None,
    gate: Gatekeeper | None = None,
    run_id: str | None = None,
    mask_key: bytes | None = None,
) -> RunResult:
    """Build, check and publish the selected products. The caller holds the workspace lock."""
    started = dt.datetime.now(tz=dt.UTC)
    clock = time.perf_counter()
    repaired = recover(store, warehouse)
    order = select_products(mesh, selectors)
    ports = [port for pid in order for port in mesh.products[pid].outputs]
    run_id = run_id or new_run_id()
    store.start_run(
        run_id,
        mesh=mesh.name,
        mesh_root=str(mesh.root),
        engine=engine.name,
        selection=",".join(selectors) if selectors else None,
    )
    context = RunContext(mesh, engine, store, warehouse, data_root, run_id, force, gate, mask_key)
    context.digests = ContentDigests(store)
    emit = on_event or (lambda _event: None)
    emit(ProgressEvent(kind="plan", index=0, total=len(ports)))
    outcomes: list[PortOutcome] = []
    try:
        _run_ports(context, ports, emit, outcomes)
    except WorkspaceFault as fault:
        _abandon(store, warehouse, run_id, fault)
        raise
    finally:
        if context.sessions is not None:
            context.sessions.close()
    warehouse.settle(run_id)
    result = RunResult(
        run_id=run_id,
        mesh=mesh.name,
        engine=engine.name,
        started_at=started,
        seconds=round(time.perf_counter() - clock, 3),
        outcomes=outcomes,
        repaired=repaired,
    )
    store.finish_run(
        run_id,
        result.status,
        {status.value: result.count(status) for status in PortStatus}
        | {"rows": result.rows, "seconds": result.seconds},
    )
    return result


def _run_ports(
    context: RunContext, ports: list[OutputPort], emit: ProgressCallback, outcomes: list[PortOutcome]
) -> None:
    mesh = context.mesh
    held: dict[str, str] = {}  # product id → why it has no new version in this run
    for index, port in enumerate(ports, start=1):
        product = mesh.products[port.product_id]
        emit(ProgressEvent(kind="start", index=index, total=len(ports), table_id=port.table_id))
        outcome = _run_port(context, product, port, held)
        outcomes.append(outcome)
        if outcome.status in (PortStatus.blocked, PortStatus.failed, PortStatus.skipped):
            held[product.id] = f"{port.table_id} {outcome.status.value}"
        emit(
            ProgressEvent(
                kind="done",
                index=index,
                total=len(ports),
                table_id=port.table_id,
                status=outcome.status.value,
                message=outcome.message,
            )
        )


def _run_port(ctx: RunContext, product: Product, port: OutputPort, held: dict[str, str]) -> PortOutcome:
    clock = time.perf_counter()
    current = ctx.head(port.table_id)
    outcome = PortOutcome(
        product_id=product.id,
        table_id=port.table_id,
        status=PortStatus.skipped,
        version=current.version if current else None,
    )
    blocked_upstream = [f"{pid} ({held[pid]})" for pid in product.upstream if pid in held]
    row_id = ctx.store.start_product(ctx.run_id, product.id, port.table_id)
    try:
        if blocked_upstream:
            outcome.message = "not built: upstream not published in this run: " + ", ".join(blocked_upstream)
            return _finish(ctx, row_id, outcome, clock)
        change = _contract_change(ctx, port)
        refusal = change if change is not None and change.blocking else None
        if refusal is not None:
            outcome.status = PortStatus.blocked
            outcome.message = (
                refusal.verdict
                + ": "
                + "; ".join(f"{c.path}: {c.message}" for c in refusal.changes if c.severity.value == "error")
            )
            ctx.store.record_incident(
                ctx.run_id,
                product.id,
                port.table_id,
                "breaking_change",
                f"contract {port.contract.id} {refusal.verdict}",
                {
                    "changes": [c.model_dump(mode="json") for c in refusal.changes],
                    "kept_version": outcome.version,
                },
            )
            return _finish(ctx, row_id, outcome, clock)
        held_by = ctx.gate.hold(ctx.run_id, product, port, change) if ctx.gate else None
        if held_by is not None:
            outcome.status = PortStatus.blocked
            outcome.message = held_by
            ctx.store.record_incident(
                ctx.run_id,
                product.id,
                port.table_id,
                "governance",
                held_by,
                {"kept_version": outcome.version},
            )
            return _finish(ctx, row_id, outcome, clock)
        upstream = _upstream_heads(ctx, product)
        print_ = fingerprint(
            product, port, ctx.data_root, upstream, _build_context(ctx, product, port), ctx.digests
        )
        if not ctx.force and current is not None and current.fingerprint == print_:
            outcome.status = PortStatus.up_to_date
            outcome.rows = current.rows
            outcome.message = f"inputs unchanged since version {current.version}"
            return _finish(ctx, row_id, outcome, clock, fingerprint=print_)
        versions = _upstream_versions(ctx, product)
        if {n: v.snapshot_id for n, v in versions.items()} != {n: h.snapshot_id for n, h in upstream.items()}:
            raise EngineError(  # the lock keeps other writers out: this is not expected to happen
                f"{product.id}: an upstream version changed while the run was reading it",
                product=product.id,
                hint="run again",
            )
        outcome = _build_and_publish(ctx, product, port, versions, print_, outcome, row_id, clock)
        if ctx.gate is not None and outcome.status == PortStatus.published:
            ctx.gate.published(ctx.run_id, product, port, change)
        return outcome
    except AndmeshError as exc:
        if isinstance(exc, WorkspaceFault):
            raise
        fault = translate(exc, port.table_id, ctx.warehouse.root)
        if fault is not None:
            raise fault from exc
        return _failed(ctx, row_id, outcome, clock, exc.message, exc.hint)
    except Exception as exc:  # an engine or library error: this port fails, the run goes on
        fault = translate(exc, port.table_id, ctx.warehouse.root)
        if fault is not None:
            raise fault from exc
        return _failed(ctx, row_id, outcome, clock, f"{product.id}: {type(exc).__name__}: {exc}", None)


def _failed(
    ctx: RunContext, row_id: int, outcome: PortOutcome, clock: float, message: str, hint: str | None
) -> PortOutcome:
    outcome.status = PortStatus.failed
    outcome.message = message if not hint else f"{message}\n  fix: {hint}"
    ctx.store.record_incident(
        ctx.run_id, outcome.product_id, outcome.table_id, "build_failed", message, {"hint": hint}
    )
    return _finish(ctx, row_id, outcome, clock)


def _contract_change(ctx: RunContext, port: OutputPort) -> ContractDiff | None:
    """How the contract changed since its last published version (None: unchanged or first).

    A change that breaks consumers needs a major version bump (``blocking`` otherwise):
    the product is held back, consumers keep the last good version, until the contract
    says so. An announced breaking change is then the council's to approve (the gate).
    """
    last = ctx.store.last_published_contract(port.table_id)
    current = port.contract.file.read_text(encoding="utf-8")
    if last is None or last["text"] == current:
        return None
    doc = load_yaml_text(last["text"], port.contract.file)
    if isinstance(doc, SpecProblem):
        return None
    previous, _ = validate_contract(doc)
    if previous is None:
        return None  # written for an older standard: nothing reliable to compare with
    return diff_contracts(previous, port.contract.model)


def _build_context(ctx: RunContext, product: Product, port: OutputPort) -> BuildContext:
    """What a Python pipeline that asks for it gets (the workspace holds the warehouse)."""
    return BuildContext(
        mesh=ctx.mesh,
        product=product,
        port=port,
        run_id=ctx.run_id,
        workspace=ctx.warehouse.root.parent,
        store=ctx.store,
        warehouse=ctx.warehouse,
        data_root=ctx.data_root,
    )


def _upstream_heads(ctx: RunContext, product: Product) -> dict[str, PortHead | PortVersion]:
    upstream: dict[str, PortHead | PortVersion] = {}
    for ref in product.inputs:
        table_id = f"{ctx.mesh.products[ref.product_id].domain}.{ref.port}"
        head = ctx.head(table_id)
        if head is None:
            raise _no_upstream(product.id, ref.product_id)
        upstream[ref.name] = head
    return upstream


def _upstream_versions(ctx: RunContext, product: Product) -> dict[str, PortVersion]:
    upstream: dict[str, PortVersion] = {}
    for ref in product.inputs:
        table_id = f"{ctx.mesh.products[ref.product_id].domain}.{ref.port}"
        version = ctx.current(table_id)
        if version is None:
            raise _no_upstream(product.id, ref.product_id)
        upstream[ref.name] = version
    return upstream


def _no_upstream(product_id: str, upstream_id: str) -> AndmeshError:
    return EngineError(
        f"{product_id}: upstream {upstream_id} has no published version to read",
        product=product_id,
        hint=f"run it first, or select with its upstream: `--select +{product_id}`",
    )


def _build_and_publish(
    ctx: RunContext,
    product: Product,
    port: OutputPort,
    upstream: dict[str, PortVersion],
    print_: str,
    outcome: PortOutcome,
    row_id: int,
    clock: float,
) -> PortOutcome:
    # Ibis is the pipelines' expression layer: loaded only once a port is built (a no-op run never is).
    from andmesh.engine.capabilities import WritesQueryParquet, supports
    from andmesh.pipeline.conform import conform, conform_columns

    sessions = ctx.session_pool()
    session = sessions.take()
    staged_dir = ctx.warehouse.staging_dir(ctx.run_id, port.table_id)
    dialect = ctx.mesh.spec.sqlDialect
    try:
        folders = source_folders(ctx.mesh)
        inputs: dict[str, ibis.Table] | list[str]
        shaped = None
        if port.pipeline.kind == "sql":  # read by name: no Ibis table, no schema lookup per input
            inputs = bind_input_names(session, product, ctx.data_root, upstream, folders)
            if supports(session, WritesQueryParquet) and dialect == session.dialect:
                # SQL in, SQL out: the query, its casts to the contract and the Parquet write
                # are DuckDB's own statements, with no Ibis expression (nor its backend) between.
                query, columns = sql_query(session, port, inputs, dialect, _build_context(ctx, product, port))
                shaped = conform_columns(columns, port.contract)
        else:
            inputs = bind_inputs(session, product, ctx.data_root, upstream, folders)
        if shaped is None:
            expr = evaluate(session, port, inputs, dialect, _build_context(ctx, product, port))
            conformed, extra = conform(expr, port.contract)
        else:
            selected, extra = shaped
        sessions.open_ahead()  # the checks' session, opened while the engine writes
        try:
            if shaped is None:
                staged = session.write_parquet(conformed, staged_dir)
            else:
                staged = session.write_query_parquet(query, staged_dir, selected)  # type: ignore[attr-defined]
        except Exception as exc:
            raise EngineError(
                f"{product.id}: the pipeline failed on the engine: {exc}", product=product.id
            ) from exc
        fault_point("run.after_stage")
    finally:
        sessions.release(session)
    checks = _check_staged(ctx, port, staged)
    checks.checks.extend(
        CheckResult(
            id=f"{port.name}.{column}.extra",
            kind="schema",
            object=port.name,
            property=column,
            status=CheckStatus.warning,
            severity="warning",
            measured="present",
            threshold="not in contract",
            message=f"column `{column}` is not in the contract and is not published",
        )
        for column in extra
    )
    outcome.checks = checks
    outcome.rows = checks.rows
    if not checks.passed:
        shutil.rmtree(staged_dir, ignore_errors=True)
        with ctx.store.batch():  # the product's records, one commit
            _record_checks(ctx, product, port, checks)
            _record_blocked(ctx, product, port, checks, outcome)
            return _finish(ctx, row_id, outcome, clock, fingerprint=print_)
    # The catalog commit is the one atomic step of a publish: killed before it, readers keep
    # the last good version and the product's "building" record is settled by `recover`;
    # killed after it, `recover` records the version from the catalog. The store's records
    # of the product follow in one transaction.
    try:
        version = ctx.warehouse.publish(
            port.table_id,
            staged,
            run_id=ctx.run_id,
            contract_version=port.contract.version,
            fingerprint=print_,
        )
    except Exception:
        with contextlib.suppress(Exception):  # the checks ran; keep them beside the failure
            _record_checks(ctx, product, port, checks)
        raise
    ctx.versions[port.table_id] = version
    outcome.status = PortStatus.published
    outcome.version = version.version
    outcome.rows = version.rows
    outcome.message = f"version {version.version} published"
    with ctx.store.batch():
        _record_checks(ctx, product, port, checks)
        ctx.store.record_published_contract(
            port.table_id,
            version.version,
            port.contract.id,
            port.contract.version,
            port.contract.file.read_text(encoding="utf-8"),
            ctx.run_id,
        )
        return _finish(ctx, row_id, outcome, clock, fingerprint=print_, snapshot_id=version.snapshot_id)


def _record_checks(ctx: RunContext, product: Product, port: OutputPort, checks: CheckRun) -> None:
    ctx.store.record_checks(ctx.run_id, product.id, port.table_id, (c.storable() for c in checks.checks))


def _record_blocked(
    ctx: RunContext, product: Product, port: OutputPort, checks: CheckRun, outcome: PortOutcome
) -> None:
    failures = checks.blocking
    outcome.status = PortStatus.blocked
    outcome.message = (
        f"{len(failures)} blocking check(s) failed; consumers keep "
        + (f"version {outcome.version}" if outcome.version else "no version (never published)")
        + ": "
        + "; ".join(f"{c.id}: {c.message}" for c in failures[:3])
    )
    ctx.store.record_incident(
        ctx.run_id,
        product.id,
        port.table_id,
        "contract_violation",
        f"{len(failures)} blocking check(s) failed on {port.table_id}",
        {
            "failures": [
                {
                    "check": c.id,
                    "status": c.status.value,
                    "measured": c.storable()["measured"],
                    "threshold": c.storable()["threshold"],
                    "message": c.message,
                    "samples": c.samples,
                }
                for c in failures
            ],
            "rows": checks.rows,
            "kept_version": outcome.version,
        },
    )


def _check_staged(ctx: RunContext, port: OutputPort, staged: list[Path]) -> CheckRun:
    """Run the contract on the staged files, in a session of their own.

    The staged table is registered under its object's name (SQL rules refer to it so),
    beside the current versions of the tables its relationships point to.
    """
    from andmesh.pipeline.references import register_references

    sessions = ctx.session_pool()
    session = sessions.take()
    try:
        # Bound by name: the checks are SQL over the session, so this session never loads Ibis.
        table = port.contract.schema_object.name or port.name
        session.bind(table, [str(f) for f in staged], "parquet")
        references = register_references(session, ctx.mesh, port, ctx.warehouse, ctx.current)
        as_of = ctx.mesh.spec.asOf
        sessions.open_ahead()  # the next product's build session, opened while the checks run
        return run_checks(
            session,
            table,
            port.contract,
            port.table_id,
            references=references,
            as_of=as_of,
            mask_key=ctx.mask_key,
        )
    finally:
        sessions.release(session)


def _finish(
    ctx: RunContext,
    row_id: int,
    outcome: PortOutcome,
    clock: float,
    *,
    fingerprint: str | None = None,
    snapshot_id: int | None = None,
) -> PortOutcome:
    outcome.seconds = round(time.perf_counter() - clock, 3)
    ctx.store.update_product(
        row_id,
        status=outcome.status.value,
        rows=outcome.rows,
        seconds=outcome.seconds,
        version=outcome.version,
        snapshot_id=snapshot_id,
        fingerprint=fingerprint,
        message=outcome.message,
    )
    return outcome
