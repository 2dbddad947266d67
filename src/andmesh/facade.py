"""The one Python facade that the CLI, the API and the web pages all call.

It owns no logic of its own: it wires the workspace (store, catalog, warehouse) to
the spec loader, the pipeline runner and the readers, and returns result models.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from andmesh.errors import NotFound, UsageError
from andmesh.workspace import Workspace

if TYPE_CHECKING:
    import pyarrow as pa

    from andmesh.engine import Engine
    from andmesh.enterprise.entities.service import EntityService
    from andmesh.enterprise.gaps import GapReport
    from andmesh.enterprise.kpis import KpiResult
    from andmesh.enterprise.priority import PriorityReport
    from andmesh.enterprise.scores.service import ScoreService
    from andmesh.enterprise.scores.treatments import TreatmentService
    from andmesh.governance.access import AccessService
    from andmesh.governance.council import Tally
    from andmesh.governance.lineage.service import LineageReport
    from andmesh.governance.policies import PolicyReport
    from andmesh.governance.reuse import ReuseLedger
    from andmesh.governance.value_service import ValueReport
    from andmesh.pipeline.results import RunResult
    from andmesh.pipeline.run import ProgressCallback
    from andmesh.quality.diff import ContractDiff
    from andmesh.quality.results import ContractRun
    from andmesh.report.council import CouncilReport
    from andmesh.report.enterprise import EnterpriseReport
    from andmesh.security.authz import Decision, Target
    from andmesh.security.principal import Principal
    from andmesh.spec import LintReport, Mesh
    from andmesh.spec.cache import SpecCache
    from andmesh.storage.doctor import DoctorReport
    from andmesh.storage.warehouse import PortVersion, Warehouse
    from andmesh.store.governance import AccessRequest, AuditEntry, GovernanceStore, Proposal
    from andmesh.store.metadata import MetadataStore
    from andmesh.store.tokens import ApiToken, IssuedToken


class PortSummary(BaseModel):
    product_id: str
    table_id: str
    domain: str
    owner: str | None
    current_version: int | None = None
    rows: int | None = None
    published_at: dt.datetime | None = None
    last_status: str | None = Field(None, description="Outcome of the port in its latest run.")
    last_run: str | None = None
    checks: dict[str, int] = Field(
        default_factory=dict,
        description="Checks of the run that produced the current version (or the latest attempt), by status.",
        examples=[{"passed": 41, "failed": 0, "warning": 0, "error": 0, "skipped": 1}],
    )


class StatusReport(BaseModel):
    workspace: str
    mesh: str | None
    mesh_root: str | None
    last_run: dict[str, Any] | None
    ports: list[PortSummary]
    open_incidents: int


class ColumnInfo(BaseModel):
    name: str
    logical_type: str | None
    required: bool
    primary_key: bool
    classification: str | None
    description: str | None


class ProductDetail(BaseModel):
    product_id: str
    domain: str
    owner: str | None
    description: str | None
    status: str
    inputs: list[str]
    downstream: list[str]
    table_id: str
    contract_id: str
    contract_version: str
    contract_file: str
    columns: list[ColumnInfo]
    versions: list[PortVersion]
    catalog_uri: str
    warehouse: str
    how_to_read: dict[str, str]
    incidents: list[dict[str, Any]]


def _tree_signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file under ``root`` with its modification time and size: changes when any spec does."""
    from andmesh.serve_cache import tree_signature

    return tree_signature(root)


def _head(files: list[str], limit: int) -> pa.Table:
    """The first ``limit`` rows of a version's files, reading only the record batches they need
    (a product page's ten sample rows must not load a 20,000-customer table)."""
    # A version's files never change (each version has a folder of its own), so a small head —
    # a product page's sample, read on every view — is read once; masking still happens per read.
    return _small_head(tuple(files), limit) if limit <= SMALL_HEAD else _read_head(tuple(files), limit)


SMALL_HEAD = 100


@functools.lru_cache(maxsize=256)
def _small_head(files: tuple[str, ...], limit: int) -> pa.Table:
    return _read_head(files, limit)


def _read_head(files: tuple[str, ...], limit: int) -> pa.Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not files:
        return pa.table({})
    batches: list[pa.RecordBatch] = []
    schema = pq.ParquetFile(files[0]).schema_arrow
    have = 0
    for file in files:
        for batch in pq.ParquetFile(file).iter_batches(batch_size=max(limit, 1)):
            batches.append(batch)
            have += batch.num_rows
            if have >= limit:
                return pa.Table.from_batches(batches, schema=schema).slice(0, limit)
    return pa.Table.from_batches(batches, schema=schema)


class Andmesh:
    """Everything andmesh can do, for one workspace."""

    def __init__(self, workspace: Workspace | None = None, principal: Principal | None = None) -> None:
        self.workspace = workspace or Workspace.resolve()
        # The service passes the signed-in principal; commands resolve theirs on first use.
        self._principal = principal
        self._store: MetadataStore | None = None
        self._warehouse: Warehouse | None = None
        # Loading a mesh parses and validates every spec (~1 s for the reference mesh); one
        # command often needs it several times, so it is kept while no file of the mesh changes.
        self._meshes: dict[Path, tuple[tuple[tuple[str, int, int], ...], Mesh]] = {}
        self._signatures: dict[Path, tuple[Path, tuple[tuple[str, int, int], ...]]] | None = None

    def acting_as(self, principal: Principal | None, *, one_request: bool = False) -> Andmesh:
        """A facade on the same workspace, store, catalog and loaded meshes, acting as ``principal``
        (the service makes one per request, so no request opens the store again). With
        ``one_request``, the mesh's files are checked for changes once, not at every call: one
        request sees one state of the specs (a product page asked nine times)."""
        other = Andmesh(self.workspace, principal=principal)
        other._store, other._warehouse, other._meshes = self.store, self.warehouse, self._meshes
        # A facade made from a request's facade belongs to the same request: it shares its checks.
        other._signatures = self._signatures if self._signatures is not None else {} if one_request else None
        return other

    @property
    def store(self) -> MetadataStore:
        from andmesh.store.metadata import MetadataStore

        if self._store is None:
            self.workspace.create()
            self._store = MetadataStore(self.workspace.store_url)
        return self._store

    @property
    def warehouse(self) -> Warehouse:
        from andmesh.storage.warehouse import Warehouse

        if self._warehouse is None:
            self.workspace.create()
            self._warehouse = Warehouse(self.workspace.catalog_url, self.workspace.warehouse)
        return self._warehouse

    # --- specs ------------------------------------------------------------------------

    @staticmethod
    def init(target: Path, name: str | None = None) -> list[Path]:
        from andmesh.scaffold import scaffold_mesh

        return scaffold_mesh(target, name)

    @staticmethod
    def lint(path: Path) -> LintReport:
        from andmesh.spec import lint_mesh

        return lint_mesh(path)

    def mesh(self, path: Path | None = None) -> Mesh:
        """The mesh at ``path``, or the one this workspace last ran."""
        from andmesh.spec import load_mesh

        if path is None:
            remembered = self.workspace.facts().get("mesh_root")
            if not remembered:
                raise UsageError(
                    f"no mesh given and the workspace {self.workspace.root} has not run one yet",
                    hint="run `andmesh run <mesh folder>` first, or pass `--mesh <folder>`",
                )
            path = Path(remembered)
        root, signature = self.spec_signature(path)
        cached = self._meshes.get(root)
        if cached is not None and cached[0] == signature:
            return cached[1]
        mesh = load_mesh(path, self._spec_cache())
        self._meshes[root] = (signature, mesh)
        return mesh

    def spec_signature(self, path: Path) -> tuple[Path, tuple[tuple[str, int, int], ...]]:
        """The mesh folder at ``path`` (resolved) and its files' signature: checked on every call,
        or once per request for a request's facade (``acting_as(..., one_request=True)``)."""
        found = self._signatures.get(path) if self._signatures is not None else None
        if found is None:
            root = path.resolve()
            found = (root, _tree_signature(root))
            if self._signatures is not None:
                self._signatures[path] = found
        return found

    def _spec_cache(self, *, run: bool = False) -> SpecCache | None:
        """The workspace's cache of parsed specs (none for a workspace not yet made or not ours to write).

        Its signing key derives from the workspace key; a command never mints that key for
        the cache, except a run, which makes the workspace and its key anyway: its specs are
        then cached at once, not only from the second run on.
        """
        from andmesh.security.keys import workspace_key
        from andmesh.spec.cache import SpecCache

        if not self.workspace.writable or not (self.workspace.exists or run):
            return None
        if run:
            self.workspace.create()
        try:
            key = workspace_key(self.workspace.root, "spec-cache", create=run)
        except UsageError:
            return None
        return SpecCache(self.workspace.root / "cache" / "specs.json", key)

    # --- running ----------------------------------------------------------------------

    def data_root(self, mesh: Mesh, data: Path | None) -> Path:
        if data is not None:
            return data.resolve()
        if os.environ.get("ANDMESH_DATA"):
            return Path(os.environ["ANDMESH_DATA"]).resolve()
        if mesh.spec.dataRoot:
            return (mesh.root / mesh.spec.dataRoot).resolve()
        return Path("data").resolve()

    def run(
        self,
        path: Path,
        *,
        data: Path | None = None,
        select: list[str] | None = None,
        force: bool = False,
        engine: str | None = None,
        on_event: ProgressCallback | None = None,
    ) -> RunResult:
        from andmesh.engine import get_engine
        from andmesh.governance.gate import CouncilGate
        from andmesh.pipeline.run import new_run_id, run_mesh
        from andmesh.spec import load_mesh

        mesh = load_mesh(path, self._spec_cache(run=True))
        self._authorize_publish(mesh, select)
        data_root = self.data_root(mesh, data)
        with self.workspace.lock():
            run_id = new_run_id()
            chosen = get_engine(engine or mesh.spec.engine)
            policies = self._check_policies(mesh, run_id, chosen)  # SQL policies on the run's engine
            result = run_mesh(
                mesh,
                engine=chosen,
                store=self.store,
                warehouse=self.warehouse,
                data_root=data_root,
                selectors=select,
                force=force,
                on_event=on_event,
                gate=CouncilGate(mesh, self.governance, policies),
                run_id=run_id,
                mask_key=self._mask_key(),
            )
            self.governance.anchor_run(result.run_id)  # the audit head, anchored in the run record
            # Never raises: an unreachable lineage server leaves the events in unsent.jsonl.
            from andmesh.governance.lineage import emit_run_lineage

            delivery = emit_run_lineage(
                mesh, result, self.workspace, data_root=data_root, warehouse=self.warehouse
            )
            result.lineage = delivery.model_dump()
            self.workspace.remember(mesh_root=mesh.root, data_root=data_root)
        return result

    # --- who acts, and may they -----------------------------------------------------------

    def principal(self, path: Path | None = None) -> Principal:
        """Who this facade acts as: given by the service, else the token or the OS user."""
        if self._principal is None:
            from andmesh.security.identity import resolve_principal

            mesh = self._known_mesh(path)
            self._principal = resolve_principal(
                self.workspace, mesh.directory if mesh else None, lambda: self.store
            )
        return self._principal

    def _mask_key(self) -> bytes:
        """The workspace's key of the one masking function (andmesh.security.masking)."""
        from andmesh.security.keys import workspace_key

        return workspace_key(self.workspace.root, "masking")

    def _known_mesh(self, path: Path | None) -> Mesh | None:
        if path is None and not self.workspace.facts().get("mesh_root"):
            return None
        return self.mesh(path)

    def may(self, action: str, target: Target | None = None, *, path: Path | None = None) -> Decision:
        """Whether the principal may take ``action``, without acting (for listings and the web)."""
        from andmesh.security.authz import decide

        return decide(self.mesh(path), self.principal(path), action, target)

    def authorize(self, action: str, target: Target | None = None, *, path: Path | None = None) -> Principal:
        """The principal, if it may take ``action``; otherwise the refusal is audited and raised."""
        from andmesh.security.authz import refusal

        decision = self.may(action, target, path=path)
        who = self.principal(path)
        if not decision.allowed:
            # A read-only or broken store must not hide the refusal itself.
            with contextlib.suppress(Exception):
                self.governance.audit(
                    who.actor,
                    "refused",
                    decision.target,
                    {"action": action, "needed": decision.needed, "via": who.via},
                )
            raise refusal(decision)
        return who

    def tokens_create(
        self, username: str | None, *, days: int, scopes: list[str], label: str | None = None
    ) -> IssuedToken:
        """A new API token for ``username`` (default: yourself), shown once."""
        from andmesh.security.authz import Target
        from andmesh.spec.suggest import hint_for
        from andmesh.store.tokens import SCOPES, TokenStore

        mesh = self.mesh()
        who = self.principal()
        username = username or who.username
        if username is None:
            raise UsageError(
                "you are not a member of this mesh, so there is no one to create a token for",
                hint="name a service account with --for, as a platform admin",
            )
        if mesh.directory.get(username) is None:
            raise UsageError(
                f"`{username}` is not a member of mesh {mesh.name}",
                hint=hint_for(username, mesh.directory.members, "members")
                or "declare it in governance/members.yaml",
            )
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            raise UsageError(f"unknown scope `{unknown[0]}`", hint=hint_for(unknown[0], SCOPES, "scopes"))
        if not 1 <= days <= 365:
            raise UsageError(f"a token lasts 1 to 365 days, not {days}", hint="--days N with 1 ≤ N ≤ 365")
        self.authorize("tokens.issue", Target(username=username))
        issued = TokenStore(self.store.engine).issue(
            username, created_by=who.actor, days=days, scopes=scopes or list(SCOPES), label=label
        )
        self.governance.audit(
            who.actor, "token_issued", f"token:{issued.record.prefix}", {"for": username, "days": days}
        )
        return issued

    def tokens(self, everyone: bool = False) -> list[ApiToken]:
        """Your tokens (a platform admin: everyone's with ``everyone``)."""
        from andmesh.store.tokens import TokenStore

        who = self.principal()
        if everyone:
            self.authorize("workspace.admin")
            return TokenStore(self.store.engine).tokens()
        if who.username is None:
            return []
        return TokenStore(self.store.engine).tokens(who.username)

    def tokens_revoke(self, ref: str) -> ApiToken:
        from andmesh.security.authz import Target
        from andmesh.store.tokens import TokenStore

        store = TokenStore(self.store.engine)
        token = store.get(ref)
        if token is None:
            raise UsageError(f"no token `{ref}`", hint="`andmesh tokens list` shows yours")
        who = self.authorize("tokens.revoke", Target(username=token.username))
        revoked = store.revoke(token.id, who.actor)
        self.governance.audit(who.actor, "token_revoked", f"token:{token.prefix}", {"for": token.username})
        return revoked

    def _authorize_publish(self, mesh: Mesh, select: list[str] | None) -> None:
        """Running publishes: the principal must be on the team of every domain selected."""
        from andmesh.pipeline.plan import select_products
        from andmesh.security.authz import Target

        self._meshes[mesh.root.resolve()] = (_tree_signature(mesh.root.resolve()), mesh)
        domains = sorted({mesh.products[pid].domain for pid in select_products(mesh, select)})
        for domain in domains:
            self.authorize("products.publish", Target(domain=domain), path=mesh.root)

    def authorize_run(self, select: list[str] | None = None, *, path: Path | None = None) -> Principal:
        """The principal, if it may publish what a run of ``select`` would (the service checks
        before it queues a run, so a refusal is a 403 and not a failed run later)."""
        self._authorize_publish(self.mesh(path), select)
        return self.principal(path)

    def doctor(self, *, repair: bool = False) -> DoctorReport:
        """What is wrong with the workspace (store, catalog, warehouse, permissions); ``repair`` fixes it."""
        from andmesh.storage.doctor import examine

        return examine(self.workspace, repair=repair)

    # --- governance -------------------------------------------------------------------

    @property
    def governance(self) -> GovernanceStore:
        from andmesh.store.governance import GovernanceStore

        return GovernanceStore(self.store.engine, self.workspace.root)

    def _check_policies(self, mesh: Mesh, run_id: str | None, engine: Engine | None = None) -> PolicyReport:
        from andmesh.governance.policies import evaluate_policies

        report = evaluate_policies(mesh, engine=engine)
        self.governance.record_policy_results(
            run_id,
            report.evaluated_at,
            [
                r.model_dump(include={"policy", "severity", "product_id", "domain", "status", "messages"})
                for r in report.results
            ],
        )
        return report

    def policies(self, path: Path | None = None, *, record: bool = True) -> PolicyReport:
        """Every policy on every product, now; recorded so compliance can be followed over time."""
        from andmesh.governance.policies import evaluate_policies

        mesh = self.mesh(path)
        return self._check_policies(mesh, None) if record else evaluate_policies(mesh)

    def compliance_history(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.governance.compliance_history(limit)

    def proposals(self, status: str | None = "open") -> list[Proposal]:
        return self.governance.proposals(status=status)

    def vote(
        self,
        proposal_id: int,
        decision: str,
        comment: str | None = None,
        *,
        path: Path | None = None,
    ) -> tuple[Proposal, Tally]:
        """Your vote on a proposal (if you hold a role its decision rule counts)."""
        from andmesh.governance.council import vote as council_vote
        from andmesh.security.authz import Target

        proposal = self.governance.proposal(proposal_id)
        if proposal is None:
            raise NotFound(f"no proposal #{proposal_id}", hint="`andmesh council proposals --all` lists them")
        who = self.authorize(
            "council.vote",
            Target(domain=proposal.domain, product_id=proposal.product_id, proposal_kind=proposal.kind),
            path=path,
        )
        assert who.username is not None
        return council_vote(self.mesh(path), self.governance, proposal_id, decision, who.username, comment)

    def _accepted_requirements(self) -> set[str]:
        decided = self.governance.proposals(kind="requirement")
        return {p.subject for p in decided if p.status in ("approved", "applied")}

    def propose_requirement(self, requirement_id: str, *, path: Path | None = None) -> Proposal:
        """Ask the producing domain to accept an enterprise requirement (binding once approved)."""
        from andmesh.governance.council import require_council
        from andmesh.spec.suggest import hint_for

        mesh = self.mesh(path)
        by = self.authorize("council.propose", path=path).actor
        require_council(mesh)
        requirement = mesh.requirements.get(requirement_id)
        if requirement is None:
            raise UsageError(
                f"no requirement `{requirement_id}`",
                hint=hint_for(requirement_id, mesh.requirements, "requirements"),
            )
        if requirement.spec.status != "proposed":
            raise UsageError(f"`{requirement_id}` is already {requirement.spec.status} in its spec")
        open_ones = [
            p
            for p in self.governance.proposals(kind="requirement", subject=requirement_id)
            if p.status == "open"
        ]
        if open_ones:
            raise UsageError(f"proposal #{open_ones[0].id} already asks for `{requirement_id}`")
        pid = self.governance.create_proposal(
            kind="requirement",
            subject=requirement_id,
            title=f"{requirement.domain} to capture `{requirement.attribute}` for "
            + ", ".join(requirement.use_cases),
            created_by=by,
            domain=requirement.domain,
            product_id=requirement.product_id,
            details={"standard": requirement.spec.standard.model_dump(exclude_none=True)},
        )
        proposal = self.governance.proposal(pid)
        assert proposal is not None
        return proposal

    def audit_log(
        self, subject: str | None = None, *, after: int | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        return self.governance.audit_entries(subject, limit, after=after)

    # --- reading ----------------------------------------------------------------------

    def status(self) -> StatusReport:
        from andmesh.quality.results import CheckStatus

        facts = self.workspace.facts()
        if not facts and not self.workspace.root.exists():
            return StatusReport(
                workspace=str(self.workspace.root),
                mesh=None,
                mesh_root=None,
                last_run=None,
                ports=[],
                open_incidents=0,
            )
        mesh = self.mesh() if facts.get("mesh_root") else None
        latest = self.store.latest_product_runs()
        ports = []
        table_ids = [p.table_id for p in mesh.ports()] if mesh else self.warehouse.tables()
        for table_id in table_ids:
            port = next((p for p in mesh.ports() if p.table_id == table_id), None) if mesh else None
            product = mesh.products[port.product_id] if mesh and port else None
            current = self.warehouse.current(table_id)
            row = latest.get(table_id)
            summary = PortSummary(
                product_id=product.id if product else table_id,
                table_id=table_id,
                domain=table_id.split(".")[0],
                owner=product.owner if product else None,
                current_version=current.version if current else None,
                rows=current.rows if current else None,
                published_at=current.committed_at if current else None,
                last_status=row["status"] if row else None,
                last_run=row["run_id"] if row else None,
            )
            # An up-to-date or skipped port was not checked this time: show the checks of
            # the run that produced the current version.
            checked_in = row["run_id"] if row and row["status"] not in ("up_to_date", "skipped") else None
            checked_in = checked_in or (current.run_id if current else None)
            summary.checks = {status.value: 0 for status in CheckStatus}
            if checked_in:
                for check in self.store.check_results(checked_in, table_id):
                    summary.checks[check["status"]] += 1
            ports.append(summary)
        last_run = self.store.last_run()
        incidents = self.store.incidents(run_id=last_run["id"]) if last_run else []
        return StatusReport(
            workspace=str(self.workspace.root),
            mesh=mesh.name if mesh else None,
            mesh_root=str(mesh.root) if mesh else None,
            last_run=last_run,
            ports=ports,
            open_incidents=len(incidents),
        )

    def products(self) -> list[PortSummary]:
        return self.status().ports

    def product(self, product_id: str) -> ProductDetail:
        from andmesh.spec.suggest import hint_for
        from andmesh.storage.warehouse import PortVersion

        # The version model is imported only here (pyiceberg is slow to import): complete it now.
        ProductDetail.model_rebuild(_types_namespace={"PortVersion": PortVersion})

        mesh = self.mesh()
        product = mesh.products.get(product_id)
        if product is None:
            raise NotFound(
                f"no product `{product_id}` in mesh {mesh.name}", hint=hint_for(product_id, mesh.products)
            )
        port = product.output()
        versions = self.warehouse.versions(port.table_id)
        catalog = self.workspace.catalog_url
        return ProductDetail(
            product_id=product.id,
            domain=product.domain,
            owner=product.owner,
            description=product.spec.description.purpose if product.spec.description else None,
            status=product.spec.status,
            inputs=[f"{ref.name} ← {ref.product_id}" for ref in product.inputs]
            + [f"{s.name} ← source {s.path}" for s in product.sources],
            downstream=mesh.downstream(product.id),
            table_id=port.table_id,
            contract_id=port.contract.id,
            contract_version=port.contract.version,
            contract_file=str(port.contract.file),
            columns=[
                ColumnInfo(
                    name=p.name or "",
                    logical_type=p.logicalType,
                    required=bool(p.required),
                    primary_key=bool(p.primaryKey),
                    classification=p.classification,
                    description=p.description,
                )
                for p in port.contract.properties
            ],
            versions=versions,
            catalog_uri=catalog,
            warehouse=str(self.workspace.warehouse),
            how_to_read={
                "andmesh": f"andmesh read {port.table_id} [--version N]",
                "pyiceberg": (
                    "from pyiceberg.catalog.sql import SqlCatalog; "
                    f"SqlCatalog('andmesh', uri='{catalog}', warehouse='{self.workspace.warehouse.as_uri()}')"
                    f".load_table('{port.table_id}').scan().to_arrow()"
                ),
                "duckdb": (
                    f"select * from read_parquet({versions[-1].files!r})" if versions else "not published yet"
                ),
            },
            incidents=self.store.incidents(product_id=product.id)[-5:],
        )

    def check_results(self, table_id: str) -> list[dict[str, Any]]:
        """The checks of the run that produced ``table_id``'s current version (or its latest attempt)."""
        row = self.store.latest_product_runs().get(table_id)
        run_id = row["run_id"] if row and row["status"] not in ("up_to_date", "skipped") else None
        if run_id is None:
            current = self.warehouse.current(table_id)
            run_id = current.run_id if current else None
        return self.store.check_results(run_id, table_id) if run_id else []

    def quality_history(self, table_id: str, limit: int = 12) -> list[dict[str, Any]]:
        """The latest published versions of ``table_id``, newest first, with their check counts by status."""
        history = []
        for version in reversed(self.warehouse.versions(table_id)[-limit:]):
            counts: dict[str, int] = {}
            for check in self.store.check_results(version.run_id, table_id) if version.run_id else []:
                counts[check["status"]] = counts.get(check["status"], 0) + 1
            history.append(
                {
                    "version": version.version,
                    "published_at": version.committed_at,
                    "rows": version.rows,
                    "contract_version": version.contract_version,
                    "run_id": version.run_id,
                    "checks": counts,
                }
            )
        return history

    # --- testing contracts --------------------------------------------------------------

    def test(
        self,
        target: str,
        *,
        data: list[str] | None = None,
        object_name: str | None = None,
        version: int | None = None,
        engine: str | None = None,
    ) -> ContractRun:
        """Test a contract file against files (``data``), or a product's published version."""
        from andmesh.engine import get_engine
        from andmesh.quality.standalone import check_files

        path = Path(target)
        if path.suffix in (".yaml", ".yml") or path.is_file():
            if not data:
                raise UsageError(
                    "testing a contract file needs the data", hint="add `--data 'path/*.parquet'`"
                )
            return check_files(get_engine(engine or "duckdb"), path, data, object_name)
        if data:
            raise UsageError("`--data` is for contract files; a product is tested on its published version")
        # The catalog (pyiceberg) loads only here: a contract file on plain files never needs it.
        from andmesh.pipeline.references import register_references
        from andmesh.quality.checks import run_checks
        from andmesh.quality.results import ContractRun
        from andmesh.spec.suggest import hint_for

        mesh = self.mesh()
        product = mesh.products.get(target)
        if product is None:
            raise UsageError(
                f"`{target}` is neither a contract file nor a product of mesh {mesh.name}",
                hint=hint_for(target, mesh.products, "products"),
            )
        port = product.output(object_name)
        pinned = self.warehouse.version(port.table_id, version)
        session = get_engine(engine or mesh.spec.engine).session()
        try:
            table = session.register(port.contract.schema_object.name or port.name, pinned.files, "parquet")
            references = register_references(session, mesh, port, self.warehouse)
            run = run_checks(
                session, table, port.contract, f"{port.table_id}@{pinned.version}", references=references,
                as_of=mesh.spec.asOf, mask_key=self._mask_key(),
            )  # fmt: skip
            return ContractRun(contract_id=port.contract.id, runs=[run])
        finally:
            session.close()

    @staticmethod
    def diff(old: Path, new: Path) -> ContractDiff:
        """What changed between two versions of a contract, what breaks, is the bump right."""
        from andmesh.quality.diff import diff_files

        return diff_files(old, new)

    def version(self, table_id: str, version: int | None = None) -> PortVersion:
        return self.warehouse.version(table_id, version)

    def read(
        self,
        table_id: str,
        version: int | None = None,
        limit: int | None = None,
        *,
        purpose: str | None = None,
        path: Path | None = None,
    ) -> pa.Table:
        """A published version's rows as the principal may see them (for small reads; engines
        read the files directly).

        Which columns are protected comes from the contract that version was published under;
        they are masked (:mod:`andmesh.security.masking`) unless the principal's own team
        produces the port or a grant to it or one of its teams is in force. A version whose
        contract is not on record is shown with every column masked.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        from andmesh.security.masking import mask_table
        from andmesh.store.ledger import Ledger

        who = self.authorize("read", path=path) if self._known_mesh(path) else self.principal(path)
        pinned = self.warehouse.version(table_id, version)
        if limit is None:
            tables = [pq.read_table(f) for f in pinned.files]
            table = pa.concat_tables(tables) if tables else pa.table({})
        else:
            table = _head(pinned.files, limit)
        hidden = self._hidden_columns(table_id, pinned.version, list(table.column_names), path)
        if not self.store.read_only:  # a read-only workspace cannot keep its reads ledger (the CLI says so)
            Ledger(self.store.engine).record_read(
                table_id, pinned.version, who.actor, purpose, bytes=pinned.bytes
            )
        if not hidden:
            return table
        return mask_table(table, hidden, self._mask_key())

    def _hidden_columns(
        self, table_id: str, version: int, columns: list[str], path: Path | None
    ) -> list[str]:
        """The columns of ``table_id``'s ``version`` the principal sees masked: those its published
        contract classifies as protected (every column when that contract is not on record), unless
        the principal's own team produces the port or a grant to it or one of its teams is in force."""
        from andmesh.governance.access import AccessService
        from andmesh.serve_cache import protected_columns  # parsed once per contract text

        who = self.principal(path)
        published = self.store.published_contract(table_id, version)
        protected = protected_columns(published["text"]) if published else None
        hidden = list(columns) if protected is None else protected
        mesh = self._known_mesh(path)
        if hidden and mesh is not None and any(p.table_id == table_id for p in mesh.ports()):
            decision = AccessService(mesh, self.governance).decide(
                table_id, [who.username or "", *who.groups], protected=hidden, teams=who.groups
            )
            if decision.granted:
                return []
        return hidden

    def value(self, path: Path | None = None) -> ValueReport:
        """Cost, attributed value, reuse and ROI of every data asset."""
        from andmesh.governance.value_service import value_report

        return value_report(self.mesh(path), self.store, self.warehouse)

    def reuse(self, path: Path | None = None) -> ReuseLedger:
        """Who uses each asset (products, use cases, reads); orphans flagged."""
        from andmesh.governance.value_service import reuse_report

        return reuse_report(self.mesh(path), self.store, self.warehouse)

    def lineage(
        self,
        target: str | None = None,
        *,
        downstream: bool = False,
        upstream: bool = False,
        depth: int | None = None,
        domains: bool = False,
        out: Path | None = None,
        path: Path | None = None,
    ) -> LineageReport:
        """Product or domain lineage; with a target, impact analysis both ways (and a picture)."""
        from andmesh.governance.lineage import lineage_report

        return lineage_report(
            self.mesh(path),
            self.workspace,
            target,
            downstream=downstream,
            upstream=upstream,
            depth=depth,
            domains=domains,
            out=out,
            external=None if domains else self._external_jobs(),
        )

    def _external_jobs(self) -> list[Any]:
        """Other tools' jobs known from the OpenLineage events the service received (none for a
        workspace not made yet, or a read-only one whose store predates them: the graph is still drawn)."""
        from andmesh.errors import ReadOnlyWorkspace, WorkspaceFault
        from andmesh.store.lineage_events import LineageInbox

        if not self.workspace.exists:
            return []
        try:
            return list(LineageInbox(self.store.engine).jobs())
        except (ReadOnlyWorkspace, WorkspaceFault):
            return []

    def lineage_job(self, job_id: str, *, path: Path | None = None) -> Any:
        """Another tool's job (``<namespace>/<name>``) as its OpenLineage events describe it."""
        from andmesh.job_view import job_view

        return job_view(self.store.engine, self.mesh(path), job_id)

    def lineage_receive(self, event: Any, *, path: Path | None = None) -> Any:
        """Keep an OpenLineage RunEvent another tool sent (checked against the bundled schemas); its
        job then shows in the lineage graph beside the products it reads or writes."""
        from andmesh.governance.lineage.ingest import receive
        from andmesh.store.lineage_events import LineageInbox

        who = self.authorize("lineage.ingest", path=path)
        received = receive(LineageInbox(self.store.engine), event, by=who.actor)
        self.governance.audit(
            who.actor,
            "lineage_received",
            f"{received.job_namespace}/{received.job_name}",
            {"event": received.id, "type": received.event_type, "run": received.run_id},
        )
        return received

    def entities(self) -> EntityService:
        """Entity resolution: resolve, show, review and decide, accuracy."""
        from andmesh.enterprise.entities.service import EntityService

        return EntityService(self)

    def scores(self, path: Path | None = None) -> ScoreService:
        """Enterprise scores: versions, runs, approval by the council, values on a date."""
        from andmesh.enterprise.scores.service import ScoreService

        return ScoreService(self.mesh(path), self.store.engine, self.workspace.root, warehouse=self.warehouse)

    def treatments(self, path: Path | None = None, name: str | None = None) -> TreatmentService:
        """Tiers and each domain's action from the served scores; the consistency check."""
        from andmesh.enterprise.scores.treatments import TreatmentService

        return TreatmentService(self.scores(path), name)

    def access(self, path: Path | None = None) -> AccessService:
        """Access requests and grants on the mesh's output ports (listings; decisions go below)."""
        from andmesh.governance.access import AccessService

        return AccessService(self.mesh(path), self.governance)

    def _access_target(self, table_id: str, path: Path | None) -> Target:
        from andmesh.security.authz import Target

        port = self.access(path)._port(table_id)
        return Target(product_id=port.product_id, domain=port.domain)

    def access_request(
        self,
        table_id: str,
        consumer: str | None,
        purpose: str,
        *,
        kind: str | None = None,
        path: Path | None = None,
    ) -> AccessRequest:
        """Ask for an output port for yourself (default), a team you are on, or one of its products."""
        from andmesh.security.authz import Target

        if kind is None:
            mesh = self.mesh(path)
            kind = (
                "team" if consumer in mesh.domains else "product" if consumer in mesh.products else "person"
            )
        if kind not in ("person", "team", "product"):
            raise UsageError(f"unknown consumer kind `{kind}`", hint="person, team or product")
        who = self.principal(path)
        consumer = consumer or who.username or ""
        target = self._access_target(table_id, path)
        who = self.authorize(
            "access.request",
            Target(product_id=target.product_id, consumer=consumer, consumer_kind=kind),
            path=path,
        )
        return self.access(path).request(table_id, consumer, purpose, requested_by=who.actor, kind=kind)  # type: ignore[arg-type]

    def access_decide(
        self, request_id: int, decision: str, *, days: int | None = None, path: Path | None = None
    ) -> AccessRequest:
        """An owner approves or rejects a request; an owner or the chair revokes a grant."""
        service = self.access(path)
        request = service._request(request_id)
        target = self._access_target(request.table_id, path)
        action = "access.revoke" if decision == "revoke" else "access.decide"
        by = self.authorize(action, target, path=path).actor
        if decision == "approve":
            return service.approve(request_id, by, days=days)
        if decision == "reject":
            return service.reject(request_id, by)
        return service.revoke(request_id, by)

    def entity_decide(self, name: str, decision: str, **pair: Any) -> Any:
        """A steward confirms or rejects a pair of records."""
        from andmesh.security.authz import Target

        path = pair.pop("path", None)
        by = self.authorize("entities.steward", Target(entity=name), path=path).actor
        return self.entities().decide(name, decision, by=by, path=path, **pair)

    def entity_view(self, name: str, key: str, *, path: Path | None = None) -> Any:
        """The 360 view of one entity, its attributes masked unless you steward the entity.

        A key that names no record is ``NotFound`` (the API's 404)."""
        view = self.entities().show(name, key, path=path)
        return self._mask_entity_model(name, view, path)

    def entity_review(self, name: str, *, limit: int = 20, path: Path | None = None) -> Any:
        queue = self.entities().review(name, limit=limit, path=path)
        return self._mask_entity_model(name, queue, path)

    def _mask_entity_model(self, name: str, model: BaseModel, path: Path | None) -> Any:
        """An entity's personal attributes are masked unless the principal stewards the entity."""
        from andmesh.governance.access import protected_attributes
        from andmesh.security.authz import Target
        from andmesh.security.masking import mask_attributes

        if self.may("entities.steward", Target(entity=name), path=path).allowed:
            return model

        def published_text(table_id: str) -> str | None:
            current = self.warehouse.current(table_id)
            published = self.store.published_contract(table_id, current.version) if current else None
            return str(published["text"]) if published else None

        hidden = protected_attributes(self.mesh(path).entities[name], published_text)
        return mask_attributes(model, hidden, self._mask_key())

    def scores_run(
        self,
        names: list[str] | None = None,
        *,
        as_of: dt.date | None = None,
        refit: bool = False,
        path: Path | None = None,
    ) -> Any:
        """Run the served and shadow score versions (their owners' teams or the platform may)."""
        from andmesh.security.authz import Target

        service = self.scores(path)
        wanted = set(names) if names else {s.name for s in service.mesh.scores.values()}
        for name in sorted(wanted):
            self.authorize("scores.run", Target(username=service.score(name).spec.owner), path=path)
        return service.run(names, as_of=as_of, refit=refit)

    def score_propose(
        self, name: str, version: str, note: str | None = None, *, path: Path | None = None
    ) -> int:
        """Ask the council to serve a score version."""
        by = self.authorize("council.propose", path=path).actor
        return self.scores(path).propose(name, version, by, note)

    # --- enterprise -------------------------------------------------------------------

    def kpis(
        self,
        names: list[str] | None = None,
        *,
        period: str = "month",
        by: list[str] | None = None,
        by_segment: bool = False,
        path: Path | None = None,
        engine: str | None = None,
    ) -> list[KpiResult]:
        """The mesh's KPIs (its KPI specs) on the published products, cut by the dimensions ``by``
        (``by_segment``: ``by=["segment"]``); not computable where a requirement has a gap or the
        KPI lacks a dimension asked for. A mesh without KPI specs has none."""
        mesh = self.mesh(path)
        dims = [*(by or []), *(["segment"] if by_segment else [])]
        return self._kpis(mesh, self.gaps(path=path, engine=engine), names, period, dims, engine)

    def _kpis(
        self,
        mesh: Mesh,
        report: GapReport,
        names: list[str] | None,
        period: str,
        by: list[str],
        engine: str | None,
    ) -> list[KpiResult]:
        from andmesh.engine import get_engine
        from andmesh.enterprise.kpis import KpiResult, SharedTables, evaluate_kpis, get_kpi
        from andmesh.enterprise.kpis.evaluate import about
        from andmesh.enterprise.kpis.registry import check_dimensions

        gaps = {
            gap.requirement: f"{gap.level} gap: {gap.what} (measured {gap.measured}; standard {gap.standard}; "
            f"owner {gap.owner})"
            for gap in report.gaps
        }
        wanted = names or list(mesh.kpis)
        for name in wanted:
            get_kpi(mesh.kpis, name)  # an unknown name fails before any work, with "did you mean"
        check_dimensions(mesh.kpis, by)  # so does a dimension no KPI declares
        session = get_engine(engine or mesh.spec.engine).session()
        try:
            # One SharedTables for every KPI: what several share (receivables position, order
            # milestones, delivered orders) is computed once, not once per KPI.
            tables = SharedTables({})
            for port in mesh.ports():
                current = self.warehouse.current(port.table_id)
                if current is not None:
                    tables[port.name] = session.register(port.name, current.files, "parquet")
            results = []
            for name in wanted:
                kpi = get_kpi(mesh.kpis, name)
                missing = [p for p in kpi.inputs if p not in tables]
                if missing:
                    reason = f"input product(s) not published: {', '.join(missing)}"
                    results.append(
                        KpiResult(**about(kpi, period, by), status="not_computable", reason=reason)
                    )
                    continue
                results.extend(evaluate_kpis(tables, gaps, [name], kpis=mesh.kpis, period=period, by=by))
            return results
        finally:
            session.close()

    def report_enterprise(
        self, out: Path, *, path: Path | None = None, engine: str | None = None, period: str = "month"
    ) -> EnterpriseReport:
        """Write the enterprise report (Markdown + SVG charts) to ``out``: use cases, gaps, KPIs."""
        from andmesh.enterprise.priority import prioritize
        from andmesh.report.enterprise import write_enterprise_report

        mesh = self.mesh(path)
        gaps = self.gaps(path=path, engine=engine)
        kpis = self._kpis(mesh, gaps, None, period, [], engine)
        return write_enterprise_report(mesh, prioritize(mesh), gaps, kpis, out)

    def report_council(self, out: Path, *, path: Path | None = None) -> CouncilReport:
        """Write the council's one-page report (Markdown + SVG charts) to ``out``."""
        from andmesh.report.council import write_council_report

        mesh = self.mesh(path)
        return write_council_report(
            mesh,
            self.gaps(path=path),
            self.policies(path, record=False),
            self.reuse(path),
            self.value(path),
            self.proposals(None),
            self.access(path).requests(),
            out,
        )

    def use_cases(self, path: Path | None = None) -> PriorityReport:
        """The mesh's use cases ranked by weighted value and feasibility."""
        from andmesh.enterprise.priority import prioritize

        return prioritize(self.mesh(path))

    def gaps(
        self, use_case: str | None = None, *, path: Path | None = None, engine: str | None = None
    ) -> GapReport:
        """Every enterprise requirement: promised, captured, fit — measured on the published data."""
        from andmesh.engine import get_engine
        from andmesh.enterprise.gaps import analyze_gaps
        from andmesh.spec.suggest import hint_for

        mesh = self.mesh(path)
        if use_case is not None and use_case not in mesh.use_cases:
            raise UsageError(
                f"no use case `{use_case}` in mesh {mesh.name}",
                hint=hint_for(use_case, mesh.use_cases, "use cases"),
            )

        def published(table_id: str) -> list[str] | None:
            current = self.warehouse.current(table_id)
            return list(current.files) if current else None

        session = get_engine(engine or mesh.spec.engine).session()
        try:
            return analyze_gaps(
                mesh, session, published, use_case=use_case, accepted=self._accepted_requirements()
            )
        finally:
            session.close()

    # --- the service's views of the enterprise specs (andmesh.service_views) --------------

    def value_chains(self, path: Path | None = None) -> list[Any]:
        """Every value chain: its stages, the domain and products of each, its hand-offs' open gaps."""
        from andmesh import service_views

        return service_views.value_chains(self.mesh(path), self.gaps(path=path))

    def requirements(self, path: Path | None = None) -> list[Any]:
        """Every enterprise requirement with how the published data stands against it."""
        from andmesh import service_views

        return service_views.requirements(self.mesh(path), self.gaps(path=path))

    def use_case(self, name: str, *, path: Path | None = None) -> Any:
        """One use case: its canvas, its rank, the gaps blocking it and its KPIs."""
        from andmesh import service_views
        from andmesh.spec.suggest import hint_for

        mesh = self.mesh(path)
        if name not in mesh.use_cases:
            raise NotFound(
                f"no use case `{name}` in mesh {mesh.name}", hint=hint_for(name, mesh.use_cases, "use cases")
            )
        gaps = self.gaps(path=path)  # every gap: a KPI of this use case may need another one's requirement
        known = sorted(set(mesh.use_cases[name].spec.kpis) & set(mesh.kpis))
        kpis = self._kpis(mesh, gaps, known, "month", [], None) if known else []
        return service_views.use_case(mesh, name, self.use_cases(path), gaps, kpis)

    def policy_list(self, path: Path | None = None) -> list[Any]:
        """The mesh's policies as declared."""
        from andmesh import service_views

        return service_views.policies(self.mesh(path))

    def compliance(self) -> Any:
        """The results of the latest recorded policy evaluation, by product and by domain."""
        from andmesh import service_views

        return service_views.latest_compliance(self.store.engine)

    def contract_propose(
        self, product_id: str, text: str, *, port: str | None = None, path: Path | None = None
    ) -> Any:
        """A new contract text for a product's output port: linted as `andmesh lint` would, compared
        with the one in force; a breaking change becomes a council proposal. The product's team
        (or a platform admin) may propose; nothing is written to the mesh's files."""
        from andmesh.governance import contract_change
        from andmesh.security.authz import Target
        from andmesh.spec.suggest import hint_for

        mesh = self.mesh(path)
        product = mesh.products.get(product_id)
        if product is None:
            raise NotFound(f"no product `{product_id}`", hint=hint_for(product_id, mesh.products, "products"))
        who = self.authorize(
            "products.publish", Target(domain=product.domain, product_id=product.id), path=path
        )
        return contract_change.propose(mesh, self.governance, product.output(port), text, by=who.actor)

    def score_detail(self, name: str, *, path: Path | None = None) -> Any:
        """A score's versions, and the bands of its served version's latest run."""
        from andmesh import service_views

        service = self.scores(path)
        versions = service.versions(name)
        try:
            served, _ = service.output(name)
        except UsageError:  # no served run yet: the versions still say where each stands
            served = None
        return service_views.score_detail(name, versions, served)

    def customer_scores(
        self, customer: str, *, as_of: dt.date | None = None, path: Path | None = None
    ) -> list[dict[str, Any]]:
        """A customer's served scores (as `andmesh scores show NAME --customer ID`), with the fields the
        published scores product protects masked unless the principal may read it in clear."""
        from andmesh.security.masking import mask_record
        from andmesh.service_views import SCORE_COLUMNS, scores_port_names

        self.authorize("read", path=path)
        service = self.scores(path)
        found = []
        for name in sorted({s.name for s in service.mesh.scores.values()}):
            try:
                found.append(service.show(name, customer, as_of=as_of).model_dump(mode="json"))
            except UsageError:
                continue  # not served yet, or no score of this customer in the run
        if not found:
            raise NotFound(
                f"no served score for customer `{customer}`",
                hint="an enterprise id of the customer master (`andmesh entities show customer <id>`)",
            )
        names = scores_port_names(s.spec.entity for s in service.mesh.scores.values())
        port = next((p for p in service.mesh.ports() if p.name in names), None)
        current = self.warehouse.current(port.table_id) if port else None
        if port is None or current is None:
            return found  # no published scores product: nothing classifies a score (the CLI shows them)
        hidden = set(self._hidden_columns(port.table_id, current.version, list(SCORE_COLUMNS.values()), path))
        fields = [f for f, column in SCORE_COLUMNS.items() if column in hidden]
        key = self._mask_key()
        return [mask_record(view, fields, key) for view in found]
