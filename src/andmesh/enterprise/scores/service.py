"""The score service: run every score version, keep what each run came from, serve the approved one.

- **Approval.** A version is *approved* when its spec says so and names who approved it
  (with a council, those people must satisfy the council's ``score_version`` rule; without
  a council the owner's ``status: approved`` is enough), or when a ``score_version``
  proposal about it (subject ``score:<name>@<version>``) was approved by the council.
  The highest approved version of a score is **served**; every other non-retired,
  non-draft version runs in **shadow**: scored and recorded, never published.
- **Runs.** Each run records the product versions read, the entity-resolution model
  version, the code version, the spec hash, the fitted parameters and the fit file it
  scored with, and a baseline (distribution, band shares, PSI against the version's
  first run). A version is fitted once (its first run) and the fit is kept, so an
  approved version keeps scoring with the fit that was approved.
- **Point in time.** ``show(name, customer, as_of=D)`` reads the latest served run whose
  business date is on or before D.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from andmesh.enterprise.scores.base import ScoreMethod
from andmesh.enterprise.scores.monitoring import drift_alert, psi
from andmesh.enterprise.scores.registry import create
from andmesh.errors import UsageError
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.score import Score, score_key, version_tuple
from andmesh.spec.suggest import hint_for
from andmesh.store.governance import GovernanceStore
from andmesh.store.scores import ScoreRun, ScoreRuns

if TYPE_CHECKING:
    from andmesh.engine.base import Engine
    from andmesh.enterprise.scores.backtest import BacktestReport

#: Reads the current version of an output port: the table and what was read (version, snapshot).
Reader = Callable[[OutputPort], tuple[pa.Table, dict[str, Any]]]
#: Where the current version of an output port is: its Parquet files and what was read.
Locator = Callable[[OutputPort], tuple[list[str], dict[str, Any]]]


class ScoreVersion(BaseModel):
    """One version of a score and where it stands."""

    score: str
    version: str
    method: str
    owner: str
    approval: str = Field(description="approved, proposed, draft or retired.")
    approved_by: str | None = Field(
        default=None, description="Who approved it: the spec's reviewers or a proposal."
    )
    role: str = Field(description="served, shadow or off (draft, retired).")
    proposal_id: int | None = None
    last_run: str | None = None
    last_as_of: dt.date | None = None
    scored: int | None = None


class ScoreRunReport(BaseModel):
    """What one `scores run` did."""

    runs: list[ScoreRun]
    as_of: dt.date


class CustomerScoreView(BaseModel):
    """One customer's score as served on a date."""

    customer_id: str
    score: str
    version: str
    value: float | None
    band: str | None
    probability: float | None = None
    reasons: list[str] = Field(default_factory=list)
    as_of: dt.date
    run_id: str


class ShadowComparison(BaseModel):
    """A shadow version against the served one on their latest runs."""

    score: str
    served: str | None
    candidate: str
    customers: int = Field(description="Customers both runs scored.")
    psi: float | None = None
    psi_status: str | None = None
    spearman: float | None = None
    same_band: float | None = Field(default=None, description="Share of customers in the same band.")
    notes: list[str] = Field(default_factory=list)


def code_version() -> str:
    try:
        from importlib.metadata import version

        return f"andmesh {version('andmesh')}"
    except Exception:  # pragma: no cover - not installed as a distribution
        return "andmesh (source)"


def spec_hash(score: Score) -> str:
    return hashlib.sha256(score.file.read_bytes()).hexdigest()[:16]


def warehouse_reader(warehouse: Any) -> Reader:
    """Reads each port's current published version from the warehouse."""

    def read(port: OutputPort) -> tuple[pa.Table, dict[str, Any]]:
        current = warehouse.current(port.table_id) if warehouse is not None else None
        if current is None:
            raise UsageError(
                f"`{port.table_id}` has no published version",
                hint=f"run the mesh first: `andmesh run <mesh> --select {port.product_id}+`",
            )
        table = pa.concat_tables([pq.read_table(f) for f in current.files]) if current.files else pa.table({})
        return table, {"version": current.version, "snapshot": current.snapshot_id}

    return read


def warehouse_locator(warehouse: Any) -> Locator:
    """Finds each port's current published Parquet files, so a query reads only the columns it uses."""

    def locate(port: OutputPort) -> tuple[list[str], dict[str, Any]]:
        current = warehouse.current(port.table_id) if warehouse is not None else None
        if current is None:
            raise UsageError(
                f"`{port.table_id}` has no published version",
                hint=f"run the mesh first: `andmesh run <mesh> --select {port.product_id}+`",
            )
        return [str(f) for f in current.files], {"version": current.version, "snapshot": current.snapshot_id}

    return locate


class ScoreService:
    """Runs, registers and serves the mesh's scores."""

    def __init__(
        self,
        mesh: Mesh,
        engine: Any,
        root: Path,
        *,
        warehouse: Any = None,
        reader: Reader | None = None,
        table_engine: Engine | None = None,
        locator: Locator | None = None,
    ) -> None:
        self.mesh = mesh
        # Score inputs' SQL runs on this engine (the mesh's, by default), in a sealed session.
        self._table_engine = table_engine
        self.runs = ScoreRuns(engine)
        self.governance = GovernanceStore(engine, root)
        self.root = root / "scores"
        self.reader = reader or warehouse_reader(warehouse)
        # SQL inputs query the published Parquet files in place: a 6.7 M-row cross-reference is
        # then read for the three columns a join uses, not whole. With a custom reader and no
        # locator they query what the reader gives (copied into the engine: on Spark, a round trip
        # through Arrow), so a build passes the files of the versions it reads as well.
        self.locator: Locator | None = locator or (warehouse_locator(warehouse) if reader is None else None)
        self._cache: dict[str, tuple[pa.Table, dict[str, Any]]] = {}
        self._files: dict[str, tuple[list[str], dict[str, Any]]] = {}
        # Two roles (or two versions) with the same SQL over the same ports share one result.
        self._queries: dict[tuple[str, tuple[tuple[str, str], ...]], pa.Table] = {}
        # Tables built in the engine together, for the run under way: (score, role, fit) → table.
        self._prebuilt: dict[tuple[str, str, bool], pa.Table] = {}
        # The entity-resolution model versions of a cross-reference's files (read once per service).
        self._model_version_cache: dict[tuple[str, ...], list[Any]] = {}
        # Engine summaries of the run under way: (score, role, summary key) → table.
        self._summaries: dict[tuple[str, str, str], pa.Table | None] = {}

    # --- the registry ---------------------------------------------------------------------

    def score(self, name: str, version: str | None = None) -> Score:
        """One score version (the served one, else the highest, when no version is given)."""
        found = [s for s in self.mesh.scores.values() if s.name == name]
        if not found:
            names = sorted({s.name for s in self.mesh.scores.values()})
            raise UsageError(f"unknown score `{name}`", hint=hint_for(name, names, "scores"))
        if version is None:
            return self.served(name) or max(found, key=lambda s: version_tuple(s.version))
        key = score_key(name, version)
        if key not in self.mesh.scores:
            raise UsageError(
                f"no version {version} of `{name}`", hint="versions: " + ", ".join(s.version for s in found)
            )
        return self.mesh.scores[key]

    def approval(self, score: Score) -> tuple[str, str | None, int | None]:
        """(approved|proposed|draft|retired, who approved, proposal id)."""
        spec = score.spec.approval
        proposals = self.governance.proposals(kind="score_version", subject=f"score:{score.key}")
        proposal = proposals[-1] if proposals else None
        if spec.status == "retired":
            return "retired", None, proposal.id if proposal else None
        if proposal is not None and proposal.status in ("approved", "applied"):
            voters = ", ".join(v.voter for v in proposal.votes if v.decision == "approve")
            return "approved", f"council #{proposal.id} ({voters})", proposal.id
        if spec.status == "approved" and self._review_satisfies_council(score):
            return "approved", ", ".join(spec.by) or score.spec.owner, proposal.id if proposal else None
        if spec.status == "draft" and proposal is None:
            return "draft", None, None
        return "proposed", None, proposal.id if proposal else None

    def _review_satisfies_council(self, score: Score) -> bool:
        council = self.mesh.council
        if council is None:
            return True  # no council: the owner's approval in the reviewed spec decides
        from andmesh.governance.council import Subject, roles_of, tally

        rule = council.rule("score_version")
        subject = Subject(None, None)
        votes = [
            (who, "approve", roles_of(self.mesh, council, who, subject)) for who in score.spec.approval.by
        ]
        return tally(rule, votes).status == "approved"

    def served(self, name: str) -> Score | None:
        """The highest approved version of ``name``."""
        approved = [
            s for s in self.mesh.scores.values() if s.name == name and self.approval(s)[0] == "approved"
        ]
        return max(approved, key=lambda s: version_tuple(s.version)) if approved else None

    def role(self, score: Score) -> str:
        status = self.approval(score)[0]
        if status in ("draft", "retired"):
            return "off"
        served = self.served(score.name)
        return "served" if served is not None and served.key == score.key else "shadow"

    def versions(self, name: str | None = None) -> list[ScoreVersion]:
        out = []
        for score in sorted(self.mesh.scores.values(), key=lambda s: (s.name, version_tuple(s.version))):
            if name is not None and score.name != name:
                continue
            status, by, pid = self.approval(score)
            last = self.runs.latest(score.name, score.version)
            out.append(
                ScoreVersion(
                    score=score.name,
                    version=score.version,
                    method=score.spec.method,
                    owner=score.spec.owner,
                    approval=status,
                    approved_by=by,
                    role=self.role(score),
                    proposal_id=pid,
                    last_run=last.id if last else None,
                    last_as_of=last.as_of if last else None,
                    scored=last.scored if last else None,
                )
            )
        return out

    def propose(self, name: str, version: str, by: str, note: str | None = None) -> int:
        """Open a ``score_version`` proposal for the council (decided with `andmesh council vote`)."""
        score = self.score(name, version)
        from andmesh.governance.council import require_council

        require_council(self.mesh)
        subject = f"score:{score.key}"
        open_ = [
            p for p in self.governance.proposals(kind="score_version", subject=subject) if p.status == "open"
        ]
        if open_:
            raise UsageError(f"proposal #{open_[0].id} about {score.key} is already open")
        served = self.served(name)
        shadow = self.compare(name, version) if served is not None and served.key != score.key else None
        return self.governance.create_proposal(
            kind="score_version",
            subject=subject,
            title=f"serve {score.key}" + (f" instead of {served.version}" if served else ""),
            created_by=by,
            details={
                "score": name,
                "version": version,
                "served": served.version if served else None,
                "method": score.spec.method,
                "note": note,
                "shadow": shadow.model_dump(mode="json") if shadow else None,
            },
        )

    # --- running --------------------------------------------------------------------------

    def run(
        self,
        names: list[str] | None = None,
        *,
        as_of: dt.date | None = None,
        refit: bool = False,
        mesh_run_id: str | None = None,
    ) -> ScoreRunReport:
        """Run every served and shadow version of ``names`` (all scores by default), in dependency order.

        ``refit`` fits shadow versions again; a served version always scores with the fit
        it was approved with (change the fit by proposing a new version).
        """
        as_of = as_of or (self.mesh.spec.asOf.date() if self.mesh.spec.asOf else dt.date.today())
        wanted = set(names) if names else {s.name for s in self.mesh.scores.values()}
        for name in wanted:
            self.score(name)  # unknown names fail with "did you mean"
        outputs: dict[str, pa.Table] = {}
        done: list[ScoreRun] = []
        for score in self._ordered(wanted):
            role = self.role(score)
            if role == "off":
                continue
            try:
                run = self._run_one(score, role, as_of, refit, mesh_run_id, outputs)
            except Exception as exc:
                # A failed run is recorded too (what broke, with which spec), then reported.
                self.runs.record(
                    ScoreRun(
                        id=f"{score.name}-{score.version}-{uuid.uuid4().hex[:12]}-failed",
                        score=score.name,
                        version=score.version,
                        method=score.spec.method,
                        method_version="",
                        role=role,
                        status="failed",
                        as_of=as_of,
                        started_at=dt.datetime.now(tz=dt.UTC),
                        code_version=code_version(),
                        spec_hash=spec_hash(score),
                        mesh_run_id=mesh_run_id,
                        error=f"{type(exc).__name__}: {exc}"[:2000],
                    )
                )
                raise
            done.append(run)
        return ScoreRunReport(runs=done, as_of=as_of)

    def _ordered(self, wanted: set[str]) -> list[Score]:
        # A score another one reads (the credit PD for the lifetime value) runs first.
        order: list[str] = []

        def visit(name: str) -> None:
            if name in order:
                return
            for score in self.mesh.scores.values():
                if score.name == name:
                    for dep in score.depends_on:
                        visit(dep)
            order.append(name)

        for name in sorted(wanted):
            visit(name)
        return [
            s
            for name in order
            for s in sorted(self.mesh.scores.values(), key=lambda s: version_tuple(s.version))
            if s.name == name and name in wanted
        ]

    def _run_one(
        self,
        score: Score,
        role: str,
        as_of: dt.date,
        refit: bool,
        mesh_run_id: str | None,
        outputs: dict[str, pa.Table],
    ) -> ScoreRun:
        run_id = (
            f"{score.name}-{score.version}-{dt.datetime.now(tz=dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        )
        started = dt.datetime.now(tz=dt.UTC)
        read: dict[str, Any] = {}
        tables = {role_: self._source(score, role_, read, outputs) for role_ in score.spec.inputs}
        columns = {role_: src.columns for role_, src in score.spec.inputs.items() if src.columns}
        folder = self.root / score.name / score.version
        folder.mkdir(parents=True, exist_ok=True)
        fit_file = folder / "fit.pkl"
        refitting = refit and role != "served"
        if refitting or not fit_file.exists():
            self._build_together(score, tables)
        try:
            method = self._fitted(
                score,
                fit_file,
                lambda method: {
                    r: self._built(score, r, t, fit=True, method=method) for r, t in tables.items()
                },
                columns,
                refitting,
            )
            score_tables = {
                r: self._built(score, r, t, fit=False, method=method)
                for r, t in tables.items()
                if r in method.inputs() and r not in ("labels", "outcome")
            }
        finally:
            self._prebuilt.clear()
            self._summaries.clear()
        output = method.score(columns=columns or None, **score_tables)
        out_file = folder / f"{run_id}.parquet"
        pq.write_table(output.table, out_file)
        if role == "served":
            outputs[score.name] = output.table
        baseline = self._baseline(score, output.table)
        run = ScoreRun(
            id=run_id,
            score=score.name,
            version=score.version,
            method=score.spec.method,
            method_version=output.version,
            role=role,
            status="succeeded",
            as_of=as_of,
            started_at=started,
            seconds=round((dt.datetime.now(tz=dt.UTC) - started).total_seconds(), 3),
            customers=output.count,
            scored=output.scored,
            inputs=read,
            entity_model_version=self._entity_model_version(score, read),
            code_version=code_version(),
            spec_hash=spec_hash(score),
            parameters=_jsonable(output.parameters),
            fit_path=str(fit_file),
            fit_sha256=hashlib.sha256(fit_file.read_bytes()).hexdigest(),
            baseline=baseline,
            output_path=str(out_file),
            mesh_run_id=mesh_run_id,
        )
        self.runs.record(run)
        return run

    def _fitted(
        self,
        score: Score,
        fit_file: Path,
        tables: Callable[[ScoreMethod], dict[str, pa.Table]],
        columns: dict[str, dict[str, str]],
        refit: bool,
    ) -> ScoreMethod:
        # The fit tables (built with ``fitArgs``) are made only when fitting: a kept fit
        # needs none of them.
        if fit_file.exists() and not refit:
            with fit_file.open("rb") as handle:
                method = pickle.load(handle)
            if isinstance(method, ScoreMethod):
                return method
        method = create(score.spec.method, score.spec.config)
        fit_tables = (
            {r: t for r, t in tables(method).items() if r in method.fit_roles} if method.fit_roles else {}
        )
        if method.fit_roles:
            fit_columns = {r: m for r, m in columns.items() if r in fit_tables}
            method.fit(columns=fit_columns or None, **fit_tables)
        with fit_file.open("wb") as handle:
            pickle.dump(method, handle)
        return method

    def read_port(self, port: OutputPort) -> pa.Table:
        """The current version of ``port`` as this service reads it (cached)."""
        return self._read(port, {})

    def _read(self, port: OutputPort, read: dict[str, Any]) -> pa.Table:
        if port.table_id not in self._cache:
            located: dict[str, Any] = {}
            files = self._located(port, located) if self.locator is not None else []
            info = located.get(port.table_id, {})
            # The published files themselves when they are known: on Spark, the reader would
            # read them in the JVM and convert its rows to Arrow.
            self._cache[port.table_id] = (
                (pa.concat_tables([pq.read_table(f) for f in files]), info) if files else self.reader(port)
            )
        table, info = self._cache[port.table_id]
        read[port.table_id] = info
        return table

    def _located(self, port: OutputPort, read: dict[str, Any]) -> list[str]:
        assert self.locator is not None
        if port.table_id not in self._files:
            self._files[port.table_id] = self.locator(port)
        files, info = self._files[port.table_id]
        read[port.table_id] = info
        return files

    def _record_read(self, port: OutputPort, read: dict[str, Any]) -> None:
        """Record the version of ``port`` a run read, as when a query reads it here."""
        if self.locator is not None:
            self._located(port, read)
        else:
            self._read(port, read)

    def _record_reads(self, score: Score, role: str, read: dict[str, Any]) -> None:
        for alias in score.spec.inputs[role].from_:
            self._record_read(score.ports[f"{role}:{alias}"], read)

    @property
    def table_engine(self) -> Engine:
        """The engine score inputs' SQL runs on: the one given, else the mesh's (made on first use)."""
        if self._table_engine is None:
            from andmesh.engine import get_engine

            self._table_engine = get_engine(self.mesh.spec.engine)
        return self._table_engine

    def query(
        self,
        sql: str,
        tables: Mapping[str, OutputPort | pa.Table],
        read: dict[str, Any],
        *,
        where: str,
        around: Callable[[str, Callable[[str], pa.Table]], pa.Table] | None = None,
    ) -> pa.Table:
        """User SQL (DuckDB's dialect) over ports or tables, on the table engine.

        The query first passes the SQL guard every user query passes (one read-only SELECT over
        ``tables``), then runs in a sealed engine session that can reach those tables and nothing
        else. Ports are bound by their published Parquet files when the service can locate them
        (a query then reads only the columns it uses), else as the tables the reader gives.
        ``around(guarded, run)``, when given, runs queries of its own over the guarded SQL in the
        same session (a builder's engine form aggregating it) and returns their result.
        """
        from andmesh.spec.sqlguard import SqlRefused, guard_select

        try:
            guarded = guard_select(sql, tables).sql
        except SqlRefused as exc:
            raise UsageError(
                f"{where}: {exc.message}", hint=exc.hint or "write one SELECT over `from`"
            ) from None
        session = self.table_engine.session()
        try:
            for alias, source in tables.items():
                if isinstance(source, pa.Table):
                    session.bind_arrow(alias, source)
                    continue
                files = self._located(source, read) if self.locator is not None else None
                if files:
                    session.bind(alias, files, "parquet")
                else:
                    session.bind_arrow(alias, self._read(source, read))
            if around is not None:
                return around(guarded, lambda query: session.arrow_user(query, "duckdb"))
            return session.arrow_user(guarded, "duckdb")
        finally:
            session.close()

    def _query(self, score: Score, role: str, read: dict[str, Any]) -> pa.Table:
        src = score.spec.inputs[role]
        assert src.sql is not None
        ports = {alias: score.ports[f"{role}:{alias}"] for alias in src.from_}
        key = (src.sql, tuple(sorted((a, p.table_id) for a, p in ports.items())))
        if key not in self._queries:
            self._queries[key] = self.query(src.sql, ports, read, where=f"{score.key}: inputs.{role}.sql")
        else:
            for port in ports.values():  # what was read is recorded for every run that reads it
                self._record_read(port, read)
        return self._queries[key]

    def _source(
        self, score: Score, role: str, read: dict[str, Any], outputs: dict[str, pa.Table]
    ) -> pa.Table | _InEngine:
        """The role's table, or, when its builder has an engine form, a promise to build it there.

        Items from SQL with ``build: payment_features`` (or ``delinquency_labels``) never come
        to Python: the builder's engine form aggregates the query to one row per customer in
        the engine, under its memory limit (see :mod:`andmesh.enterprise.scores.features_sql`).
        """
        src = score.spec.inputs[role]
        if src.sql is not None and src.build is None and self._summarised(score, role):
            self._record_reads(score, role, read)
            return _Summarised(role)
        if src.sql is None or src.build is None or not self._builds_in_engine(src.build.function):
            return self._table(score, role, read, outputs)
        self._record_reads(score, role, read)
        return _InEngine(role)

    def _summarised(self, score: Score, role: str) -> bool:
        """Whether the method reads ``role`` as an engine summary (:meth:`ScoreMethod.engine_summary`)."""
        from andmesh.enterprise.scores.registry import get_method

        # The summaries are written in DuckDB's SQL; another engine gets the rows as before.
        return role in get_method(score.spec.method).summary_roles and self.table_engine.name == "duckdb"

    def _builds_in_engine(self, function: str) -> bool:
        from andmesh.enterprise.scores.features_sql import ENGINE_FORMS

        # The forms are written in DuckDB's SQL; another engine gets the items as before.
        return function in ENGINE_FORMS and self.table_engine.name == "duckdb"

    def _table(self, score: Score, role: str, read: dict[str, Any], outputs: dict[str, pa.Table]) -> pa.Table:
        src = score.spec.inputs[role]
        if src.score is not None:
            if src.score in outputs:
                return outputs[src.score]
            served = self.served(src.score)
            last = self.runs.latest(src.score, served.version, role="served") if served else None
            if last is None or not last.output_path:
                raise UsageError(
                    f"{score.key} reads `{src.score}`, which has no served run",
                    hint=f"run it first: `andmesh scores run {src.score}`",
                )
            read[f"score:{src.score}"] = {"version": last.version, "run": last.id}
            return pq.read_table(last.output_path)
        if src.sql is not None:
            return self._query(score, role, read)
        port = score.ports[role]
        if not src.derive and not src.where:
            return self._read(port, read)
        derived = "".join(f", {expr} AS {name}" for name, expr in src.derive.items())
        where = f" WHERE {src.where}" if src.where else ""
        return self.query(
            f"SELECT *{derived} FROM t{where}", {"t": port}, read, where=f"{score.key}: inputs.{role}"
        )

    def _built(
        self,
        score: Score,
        role: str,
        table: pa.Table | _InEngine | _Summarised,
        *,
        fit: bool,
        method: ScoreMethod | None = None,
    ) -> pa.Table:
        """The role's table through its builder (with ``fitArgs`` when fitting), if it has one."""
        from andmesh.spec.score import builder_function

        if isinstance(table, _Summarised):
            assert method is not None
            summary = self._summary(score, role, method, fit=fit)
            # No summary for this query (see EngineSummary): the rows, as without one.
            return summary if summary is not None else self._query(score, role, {})
        build = score.spec.inputs[role].build
        if build is None:
            assert isinstance(table, pa.Table)
            return table
        args = _build_args(build, fit)
        if isinstance(table, _InEngine):
            done = self._prebuilt.get((score.key, role, fit))
            return done if done is not None else self._built_in_engine(score, role, build.function, args)
        return builder_function(build.function)(table, **args)

    def _build_together(self, score: Score, tables: Mapping[str, pa.Table | _InEngine | _Summarised]) -> None:
        """A fit reads the same items up to three times (features at the fit's and the score's
        cut-offs, labels): the engine joins them once into a temporary table and builds each."""
        from andmesh.enterprise.scores.features_sql import ENGINE_FORMS

        groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
        for role, table in tables.items():
            src = score.spec.inputs[role]
            if isinstance(table, _InEngine) and src.sql is not None:
                key = tuple(sorted((a, score.ports[f"{role}:{a}"].table_id) for a in src.from_))
                groups.setdefault((src.sql, key), []).append(role)
        for roles in groups.values():
            builds = [(r, True) for r in roles] + [
                (r, False) for r in roles if r not in ("labels", "outcome")
            ]
            if len(builds) < 2:
                continue
            src = score.spec.inputs[roles[0]]
            assert src.sql is not None

            def build(
                guarded: str, run: Callable[[str], pa.Table], builds: list[tuple[str, bool]] = builds
            ) -> pa.Table:
                run(f"CREATE TEMP TABLE __andmesh_items AS {guarded}")
                items = "SELECT * FROM __andmesh_items"
                schema = run(f"{items} LIMIT 0").schema
                for role, fit in builds:
                    spec = score.spec.inputs[role].build
                    assert spec is not None
                    form = ENGINE_FORMS[spec.function]
                    self._prebuilt[(score.key, role, fit)] = form(
                        run, items, schema, **_build_args(spec, fit)
                    )
                return schema.empty_table()

            ports = {alias: score.ports[f"{roles[0]}:{alias}"] for alias in src.from_}
            self.query(src.sql, ports, {}, where=f"{score.key}: inputs.{roles[0]}.sql", around=build)

    def _summary(self, score: Score, role: str, method: ScoreMethod, *, fit: bool) -> pa.Table | None:
        """The role's SQL reduced by the method's engine summary (one per cut-off and run)."""
        summary = method.engine_summary(role, fit=fit)
        src = score.spec.inputs[role]
        assert summary is not None and src.sql is not None
        key = (score.key, role, summary.key)
        if key not in self._summaries:
            mapping = src.columns or None

            def build(guarded: str, run: Callable[[str], pa.Table]) -> pa.Table:
                schema = run(f"SELECT * FROM ({guarded}) AS items LIMIT 0").schema
                table = summary.build(run, guarded, schema, mapping)
                if table is None:
                    raise _NoSummary
                return table

            ports = {alias: score.ports[f"{role}:{alias}"] for alias in src.from_}
            try:
                self._summaries[key] = self.query(
                    src.sql, ports, {}, where=f"{score.key}: inputs.{role}.sql", around=build
                )
            except _NoSummary:
                self._summaries[key] = None
        return self._summaries[key]

    def _built_in_engine(self, score: Score, role: str, function: str, args: dict[str, Any]) -> pa.Table:
        from andmesh.enterprise.scores.features_sql import ENGINE_FORMS

        src = score.spec.inputs[role]
        assert src.sql is not None
        form = ENGINE_FORMS[function]

        def build(guarded: str, run: Callable[[str], pa.Table]) -> pa.Table:
            schema = run(f"SELECT * FROM ({guarded}) AS items LIMIT 0").schema
            return form(run, guarded, schema, **args)

        ports = {alias: score.ports[f"{role}:{alias}"] for alias in src.from_}
        return self.query(src.sql, ports, {}, where=f"{score.key}: inputs.{role}.sql", around=build)

    def _entity_model_version(self, score: Score, read: dict[str, Any]) -> str | None:
        entity = self.mesh.entities.get(score.spec.entity)
        if entity is None:
            return None
        product = self.mesh.products.get(entity.spec.products.xref)
        if product is None or not product.outputs:
            return None
        try:
            if self.locator is not None:
                files = self._located(product.outputs[0], read)
                key = tuple(files)
                if key not in self._model_version_cache:  # every score of a run reads the same
                    self._model_version_cache[key] = self._model_versions(files)
                values = self._model_version_cache[key]
            else:
                xref = self._read(product.outputs[0], read)
                if "model_version" not in xref.column_names:
                    return None
                values = pc.unique(xref.column("model_version").drop_null()).to_pylist()
        except UsageError:
            return None
        return ",".join(sorted(str(v) for v in values))[:64] or None

    @staticmethod
    def _model_versions(files: list[str]) -> list[Any]:
        # The one column alone: reading the cross-reference whole for it cost seconds and GBs.
        # Read as a dictionary (a handful of values over millions of rows): no string per row.
        values: set[Any] = set()
        for f in files:
            parquet = pq.ParquetFile(f, read_dictionary=["model_version"])
            if "model_version" in parquet.schema_arrow.names:
                column = parquet.read(columns=["model_version"]).column(0)
                for chunk in column.chunks:
                    if pa.types.is_dictionary(chunk.type):
                        chunk = pc.unique(chunk).dictionary_decode()
                    values.update(pc.unique(chunk.drop_null()).to_pylist())
        return sorted(values, key=str)

    def _baseline(self, score: Score, table: pa.Table) -> dict[str, Any]:
        values = np.asarray(
            table.column("score").cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64
        )
        values = values[~np.isnan(values)]
        bands: dict[str, float] = {}
        if "band" in table.column_names and table.num_rows:
            for row in pc.value_counts(table.column("band").drop_null()).to_pylist():
                bands[str(row["values"])] = round(row["counts"] / table.num_rows, 4)
        out: dict[str, Any] = {"bands": bands}
        bounds = score.spec.output.range
        if bounds is not None:
            out["out_of_range"] = int(((values < bounds[0]) | (values > bounds[1])).sum())
        if values.size:
            out.update(
                mean=round(float(values.mean()), 4),
                p10=round(float(np.quantile(values, 0.1)), 4),
                p50=round(float(np.quantile(values, 0.5)), 4),
                p90=round(float(np.quantile(values, 0.9)), 4),
            )
        first = self.runs.runs(score.name, score.version)
        if first and first[0].output_path and Path(first[0].output_path).exists() and values.size:
            ref = (
                pq.read_table(first[0].output_path, columns=["score"])  # not the reasons
                .column("score")
                .cast(pa.float64())
                .to_numpy(zero_copy_only=False)
            )
            ref = ref[~np.isnan(ref)]
            if ref.size:
                report = psi(ref, values, reference=first[0].id, current="this run")
                alert = drift_alert(score.key, report)
                out.update(
                    psi_vs_first_run=round(report.psi, 4),
                    psi_status=report.status,
                    drift=alert.status,
                    drift_reasons=alert.reasons,
                )
        return out

    # --- reading --------------------------------------------------------------------------

    def output(
        self, name: str, *, as_of: dt.date | None = None, version: str | None = None
    ) -> tuple[ScoreRun, pa.Table]:
        """The per-customer table of the latest served run on or before ``as_of`` (or of ``version``)."""
        self.score(name)
        role = None if version is not None else "served"
        runs = self.runs.runs(name, version, role=role, as_of_until=as_of)
        if not runs:
            when = f" on or before {as_of}" if as_of else ""
            raise UsageError(
                f"`{name}` has no {'run of ' + version if version else 'served run'}{when}",
                hint=f"`andmesh scores run {name}` (a version is served once approved)",
            )
        run = runs[-1]
        assert run.output_path is not None
        return run, pq.read_table(run.output_path)

    def show(self, name: str, customer: str, *, as_of: dt.date | None = None) -> CustomerScoreView:
        """``customer``'s served score on ``as_of`` (default: the latest)."""
        run, table = self.output(name, as_of=as_of)
        rows = table.filter(pc.equal(table.column("customer_id"), customer)).to_pylist()
        if not rows:
            raise UsageError(f"`{customer}` has no {name} score in run {run.id} (as of {run.as_of})")
        row = rows[0]
        return CustomerScoreView(
            customer_id=customer,
            score=name,
            version=run.version,
            value=row.get("score"),
            band=row.get("band"),
            probability=row.get("probability") if "probability" in row else row.get("risk_probability"),
            reasons=[r["code"] for r in row.get("reasons") or []],
            as_of=run.as_of,
            run_id=run.id,
        )

    def backtest(
        self,
        name: str,
        *,
        version: str | None = None,
        as_of: dt.date | None = None,
        window_days: int | None = None,
    ) -> BacktestReport:
        """The latest served (or ``version``'s) run on or before ``as_of`` against what happened after it
        (see :mod:`andmesh.enterprise.scores.backtest`)."""
        from andmesh.enterprise.scores.backtest import backtest

        return backtest(self, name, version=version, as_of=as_of, window_days=window_days)

    def compare(self, name: str, version: str) -> ShadowComparison:
        """A (shadow) version against the served one, on their latest runs."""
        from andmesh.enterprise.scores.metrics import spearman

        candidate = self.score(name, version)
        served = self.served(name)
        result = ShadowComparison(
            score=name, served=served.version if served else None, candidate=version, customers=0
        )
        last = self.runs.latest(name, candidate.version)
        if last is None or served is None:
            result.notes.append("run both versions first (`andmesh scores run`)")
            return result
        ref = self.runs.latest(name, served.version)
        if ref is None or ref.output_path is None or last.output_path is None:
            result.notes.append(f"{served.key} has not run")
            return result
        a, b = pq.read_table(ref.output_path), pq.read_table(last.output_path)
        joined = a.select(["customer_id", "score", "band"]).join(
            b.select(["customer_id", "score", "band"]), "customer_id", right_suffix="_new"
        )
        x = np.asarray(joined.column("score").cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64)
        y = np.asarray(
            joined.column("score_new").cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64
        )
        keep = ~np.isnan(x) & ~np.isnan(y)
        result.customers = int(keep.sum())
        if keep.sum() > 10:
            report = psi(x[keep], y[keep], reference=served.key, current=candidate.key)
            result.psi, result.psi_status = round(report.psi, 4), report.status
            result.spearman = round(spearman(x[keep], y[keep]), 4)
            same = pc.fill_null(pc.equal(joined.column("band"), joined.column("band_new")), False)
            result.same_band = round(float(np.mean(same.to_numpy(zero_copy_only=False)[keep])), 4)
        return result


class _InEngine:
    """A role whose builder runs in the engine over the role's SQL (built when it is needed)."""

    def __init__(self, role: str) -> None:
        self.role = role


class _NoSummary(Exception):
    """The method has no engine summary for this query (its rows are read instead)."""


class _Summarised:
    """A role the method reads as its engine summary of the role's SQL (built when it is needed)."""

    def __init__(self, role: str) -> None:
        self.role = role


def _build_args(build: Any, fit: bool) -> dict[str, Any]:
    """A builder's arguments: ``args``, with ``fitArgs`` over them when fitting; dates parsed."""
    args = {**build.args, **(build.fitArgs if fit else {})}
    return {k: _date(v) if k in ("cutoff", "as_of") else v for k, v in args.items()}


def _date(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


__all__ = [
    "CustomerScoreView",
    "Reader",
    "ScoreRunReport",
    "ScoreService",
    "ScoreVersion",
    "ShadowComparison",
    "warehouse_reader",
]
