"""Load a mesh folder: parse every spec, validate each against its kind, resolve references.

Lint collects every problem (it never stops at the first); :func:`load_mesh` raises a
:class:`~andmesh.errors.SpecError` carrying all of them.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from open_data_contract_standard.model import OpenDataContractStandard

from andmesh.errors import SpecError, SpecProblem
from andmesh.spec.cache import SpecCache, content_key, text_key
from andmesh.spec.contract import validate_contract
from andmesh.spec.echoes import broken_names, drop_echoes
from andmesh.spec.enterprise import (
    EnterpriseSpecs,
    RequirementSpec,
    UseCaseSpec,
    ValueChainSpec,
    resolve_enterprise,
)
from andmesh.spec.entity import EntitySpec, EntitySpecs, resolve_entities
from andmesh.spec.governance import CouncilSpec, GovernanceSpecs, PolicySpec, resolve_governance
from andmesh.spec.graph import topological_order
from andmesh.spec.kpi import KpiSpec, KpiSpecs
from andmesh.spec.kpi_lint import resolve_kpis
from andmesh.spec.members import MembersSpec, build_directory
from andmesh.spec.mesh import Contract, Domain, InputRef, Mesh, OutputPort, PipelineRef, Product
from andmesh.spec.models import (
    ANDMESH_API_VERSION,
    PRODUCT_CUSTOM_PROPERTIES,
    DataProductSpec,
    DomainSpec,
    MeshSpec,
    SourceSpec,
)
from andmesh.spec.relationships import relationship_problems
from andmesh.spec.score import ScoreSpec, ScoreSpecs, TreatmentSpec, resolve_scores
from andmesh.spec.sqlcolumns import unknown_columns
from andmesh.spec.sqlguard import SqlRefused, guard_select, guarded_sql, refusal, remember_passed
from andmesh.spec.suggest import hint_for
from andmesh.spec.validate import validate_model, validate_node
from andmesh.spec.yamlsource import PathKey, YamlDocument, load_yaml_bytes, read_spec

MESH_FILE = "mesh.yaml"
SKIPPED_DIRS = {".andmesh", ".git", ".venv", "__pycache__", "node_modules", "data"}
LIBRARY_METRICS = ("nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount")


@dataclass
class SpecFile:
    """A parsed spec file and its validated model (None when invalid)."""

    doc: YamlDocument
    kind: str
    model: Any = None


@dataclass
class LintReport:
    """Every problem found in a mesh, and what was loaded."""

    root: Path
    files: int = 0
    problems: list[SpecProblem] = field(default_factory=list)
    mesh: Mesh | None = None

    @property
    def errors(self) -> list[SpecProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


KindValidator = Callable[[YamlDocument], tuple[Any, list[SpecProblem]]]

# Kinds this loader understands. Later parts of andmesh (enterprise, governance) add
# their own kinds here through ``register_kind``.
KINDS: dict[str, tuple[str, KindValidator]] = {
    "Mesh": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, MeshSpec)),
    "Domain": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, DomainSpec)),
    "DataProduct": ("v1.0.0", lambda doc: validate_model(doc, DataProductSpec, code="odps")),
    "DataContract": ("v3.1.0", validate_contract),
    "ValueChain": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, ValueChainSpec)),
    "UseCase": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, UseCaseSpec)),
    "Requirement": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, RequirementSpec)),
    "Council": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, CouncilSpec)),
    "Policy": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, PolicySpec)),
    "Entity": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, EntitySpec)),
    "Score": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, ScoreSpec)),
    "Treatment": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, TreatmentSpec)),
    "Members": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, MembersSpec)),
    "KPI": (ANDMESH_API_VERSION, lambda doc: validate_model(doc, KpiSpec)),
}


def register_kind(kind: str, api_version: str, validator: KindValidator) -> None:
    """Teach the loader a new spec kind (used by the enterprise and governance packages)."""
    KINDS[kind] = (api_version, validator)


def find_mesh_root(path: Path) -> Path:
    """The folder holding ``mesh.yaml``: ``path`` itself, its parent if a file, or an ancestor."""
    path = path.resolve()
    if path.is_file():
        path = path.parent
    for candidate in (path, *path.parents):
        if (candidate / MESH_FILE).is_file():
            return candidate
    raise SpecError(
        [
            SpecProblem(
                path,
                None,
                None,
                "",
                f"no {MESH_FILE} found in {path} or its parents",
                hint="point at a mesh folder, or create one with `andmesh init <folder>`",
                code="mesh",
            )
        ]
    )


def spec_files(root: Path) -> list[Path]:
    files = []
    for file in sorted(root.rglob("*")):
        if file.suffix not in (".yaml", ".yml") or not file.is_file():
            continue
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in file.relative_to(root).parts[:-1]):
            continue
        files.append(file)
    return files


# The cache of the load under way (None: a cold load). A context variable, not an
# argument threaded through every resolver: SQL verdicts are looked up deep in them.
_CACHE: ContextVar[SpecCache | None] = ContextVar("andmesh_spec_cache", default=None)

# Kinds whose validation, once known clean for a content, is only the model's construction.
_MODEL_ONLY: dict[str, Callable[[Any], Any]] = {
    "DataContract": OpenDataContractStandard.model_validate,
}


@contextmanager
def _using(cache: SpecCache | None) -> Iterator[None]:
    token = _CACHE.set(cache)
    try:
        yield
        if cache is not None:
            cache.save()
    finally:
        _CACHE.reset(token)


def _parse(file: Path, problems: list[SpecProblem]) -> SpecFile | None:
    raw = read_spec(file)
    if isinstance(raw, SpecProblem):
        problems.append(raw)
        return None
    cache = _CACHE.get()
    if cache is None:
        return parse_spec(load_yaml_bytes(raw, file), problems)
    key = content_key(raw)
    hit = cache.document(key, file)
    if hit is not None:
        doc, clean = hit
        if clean:
            quick = _quick_spec(doc)
            if quick is not None:
                return quick
        return parse_spec(doc, problems)
    loaded = load_yaml_bytes(raw, file)
    if isinstance(loaded, SpecProblem):
        problems.append(loaded)
        return None
    snapshot = YamlDocument(file, _copy(loaded.data), dict(loaded.positions))
    found: list[SpecProblem] = []
    spec = parse_spec(loaded, found)
    problems.extend(found)
    cache.remember(key, snapshot, clean=not found)
    return spec


def _copy(data: Any) -> Any:
    """A deep copy of plain YAML data (validators may keep or touch the original)."""
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def _quick_spec(doc: YamlDocument) -> SpecFile | None:
    """A spec whose content validated clean before: build its model, skip what cannot change."""
    data = doc.data
    if data is None:
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in KINDS:
        return None
    fast = _MODEL_ONLY.get(kind)
    try:
        if fast is not None:
            return SpecFile(doc, kind, fast(data))
        model, found = KINDS[kind][1](doc)
    except Exception:
        return None
    return SpecFile(doc, kind, model) if not found else None


def parse_spec(loaded: YamlDocument | SpecProblem, problems: list[SpecProblem]) -> SpecFile | None:
    """One loaded spec file validated against its kind; its problems go to ``problems``."""
    if isinstance(loaded, SpecProblem):
        problems.append(loaded)
        return None
    data = loaded.data
    if data is None:
        return None  # an empty file declares nothing
    if not isinstance(data, dict):
        problems.append(loaded.problem((), "a spec file must be a mapping with `apiVersion` and `kind`"))
        return None
    kind = data.get("kind")
    if kind is None:
        problems.append(
            loaded.problem((), "missing `kind`", "add `kind:` (one of " + ", ".join(sorted(KINDS)) + ")")
        )
        return None
    if not isinstance(kind, str) or kind not in KINDS:
        problems.append(
            loaded.problem(
                ("kind",), f"unknown kind {kind!r}", hint_for(str(kind), KINDS, "kinds"), code="kind"
            )
        )
        return None
    expected_api, validator = KINDS[kind]
    if "apiVersion" not in data:
        problems.append(loaded.problem((), "missing `apiVersion`", f"add `apiVersion: {expected_api}`"))
        return None
    model, found = validator(loaded)
    problems.extend(found)
    return SpecFile(loaded, kind, model)


def lint_mesh(path: Path, cache: SpecCache | None = None) -> LintReport:
    """Check every spec under a mesh folder; collect all problems; build the mesh if clean.

    With a ``cache`` (see :mod:`andmesh.spec.cache`), files and queries already known to be
    clean skip the YAML parser, the JSON Schema and the SQL guard; the report is the same.
    """
    try:
        root = find_mesh_root(path)
    except SpecError as exc:
        return LintReport(root=path, problems=exc.problems)
    with _using(cache):
        return _lint(root)


def _lint(root: Path) -> LintReport:
    report = LintReport(root=root)
    parsed: list[SpecFile] = []
    for file in spec_files(root):
        report.files += 1
        spec = _parse(file, report.problems)
        if spec is not None:
            parsed.append(spec)
    mesh = _resolve(root, parsed, report.problems)
    if mesh is not None and report.problems:
        declared = [(s.doc.file, s.kind, s.doc.data) for s in parsed]
        broken = broken_names(mesh, declared, report.problems)
        names = {str(d.get(k)): f for f, _, d in declared for k in ("id", "name") if d.get(k) is not None}
        report.problems = drop_echoes(report.problems, broken, names)
    report.problems.sort(key=lambda p: (str(p.file), p.line or 0, p.column or 0))
    if report.ok:
        report.mesh = mesh
    return report


def load_mesh(path: Path, cache: SpecCache | None = None) -> Mesh:
    """Load a mesh, raising :class:`SpecError` with every problem if anything is wrong."""
    report = lint_mesh(path, cache)
    if report.mesh is None:
        raise SpecError(report.errors or [SpecProblem(path, None, None, "", "mesh could not be loaded")])
    return report.mesh


# --- cross-references -------------------------------------------------------------------


def _resolve(root: Path, parsed: list[SpecFile], problems: list[SpecProblem]) -> Mesh | None:
    meshes = [s for s in parsed if s.kind == "Mesh"]
    mesh_file = root / MESH_FILE
    root_spec = next((s for s in meshes if s.doc.file == mesh_file), None)
    for extra in meshes:
        if extra is not root_spec:
            problems.append(
                extra.doc.problem(("kind",), "a mesh has one `Mesh` spec, at its root", code="mesh")
            )
    if root_spec is None or root_spec.model is None:
        if root_spec is None:
            problems.append(
                SpecProblem(mesh_file, 1, 1, "", "mesh.yaml must declare `kind: Mesh`", code="mesh")
            )
        return None
    mesh = Mesh(root=root, file=mesh_file, spec=root_spec.model)

    for spec in (s for s in parsed if s.kind == "Domain" and s.model is not None):
        model: DomainSpec = spec.model
        if model.name in mesh.domains:
            other = mesh.domains[model.name].file
            problems.append(
                spec.doc.problem(("name",), f"domain `{model.name}` is already declared in {other}")
            )
            continue
        usernames = {m.username for m in model.team}
        if model.owner not in usernames:
            problems.append(
                spec.doc.problem(
                    ("owner",),
                    f"owner `{model.owner}` is not a member of the domain's team",
                    hint_for(model.owner, usernames, "team members") or "add the owner to `team`",
                    code="owner",
                )
            )
        mesh.domains[model.name] = Domain(model.name, spec.doc.file, model)

    parsed = [*parsed, *_generated_specs(parsed, problems)]
    contracts: dict[str, tuple[SpecFile, OpenDataContractStandard]] = {}
    for spec in (s for s in parsed if s.kind == "DataContract" and s.model is not None):
        contract: OpenDataContractStandard = spec.model
        cid = contract.id or ""
        if cid in contracts:
            problems.append(
                spec.doc.problem(
                    ("id",), f"contract id `{cid}` is already used by {contracts[cid][0].doc.file}"
                )
            )
            continue
        contracts[cid] = (spec, contract)
        problems.extend(_contract_rules(spec.doc, contract))

    # Ids of contracts that failed validation: their own errors are reported; a port that
    # references one is not reported again as "no such contract".
    invalid = {
        str(s.doc.data.get("id"))
        for s in parsed
        if s.kind == "DataContract" and s.model is None and s.doc.data.get("id")
    }
    products = [s for s in parsed if s.kind == "DataProduct" and s.model is not None]
    used_contracts: set[str] = set()
    for spec in products:
        product = _product(mesh, spec, contracts, invalid, problems)
        if product is None:
            continue
        if product.id in mesh.products:
            problems.append(
                spec.doc.problem(
                    ("id",), f"product `{product.id}` is already declared in {mesh.products[product.id].file}"
                )
            )
            continue
        mesh.products[product.id] = product
        used_contracts.update(port.contract.id for port in product.outputs)

    _resolve_inputs(mesh, products, problems)
    problems.extend(pipeline_column_problems(mesh))
    _check_ports_unique(mesh, products, problems)
    _check_cycles(mesh, products, problems)
    problems.extend(relationship_problems(mesh, {cid: spec.doc for cid, (spec, _) in contracts.items()}))
    resolve_enterprise(mesh, _enterprise_specs(parsed), problems)
    resolve_governance(mesh, _governance_specs(parsed), problems, _builtin_policy_rules())
    resolve_entities(mesh, _entity_specs(parsed), problems)
    resolve_scores(mesh, _score_specs(parsed), problems)
    mesh.directory = build_directory(
        mesh,
        [(s.doc, s.model) for s in parsed if s.kind == "Members" and isinstance(s.model, MembersSpec)],
        problems,
    )
    resolve_kpis(mesh, _kpi_specs(parsed), problems)  # after the directory: a KPI's owner is a member
    for cid, (spec, _) in contracts.items():
        if cid not in used_contracts and not any(p.file == spec.doc.file for p in problems):
            problems.append(
                SpecProblem(
                    spec.doc.file,
                    *spec.doc.locate(("id",)),
                    "id",
                    f"contract `{cid}` is not promised by any product's output port",
                    hint="reference it as `contractId` of an output port in a product.yaml, or remove it",
                    severity="warning",
                    code="orphan-contract",
                )
            )
    return mesh


def _generated_specs(parsed: list[SpecFile], problems: list[SpecProblem]) -> list[SpecFile]:
    """The xref and master products (and contracts) of each Entity nobody wrote by hand.

    Their documents carry the Entity file, so a problem points at its ``products:`` entry.
    """
    from andmesh.enterprise.entities.generated import generated_documents

    declared = {str(s.doc.data.get("id")) for s in parsed if s.kind == "DataProduct"}
    ports = {
        s.model.id: [(p.name, p.contractId or "") for p in s.model.outputPorts or []]
        for s in parsed
        if s.kind == "DataProduct" and s.model is not None
    }
    # The Entity's owner when the product's domain (or the mesh) counts them as a member,
    # else the domain's owner: a product's owner must belong to its domain.
    mesh_team = {m.username for s in parsed if s.kind == "Mesh" and s.model is not None for m in s.model.team}
    owners = {s.model.name: s.model.owner for s in parsed if s.kind == "Domain" and s.model is not None}
    members = {
        s.model.name: mesh_team | {m.username for m in s.model.team}
        for s in parsed
        if s.kind == "Domain" and s.model is not None
    }
    classified = {
        s.model.id: {
            p.name: p.classification
            for o in s.model.schema_ or []
            for p in o.properties or []
            if p.classification
        }
        for s in parsed
        if s.kind == "DataContract" and s.model is not None and s.model.id
    }
    specs: list[SpecFile] = []
    for entity in (s for s in parsed if s.kind == "Entity" and s.model is not None):
        for key, data in generated_documents(entity.doc.data, ports, declared, owners, members, classified):
            line, column = entity.doc.locate(("products", key))
            where: dict[PathKey, tuple[int, int]] = (
                {(): (line, column)} if line is not None and column is not None else {}
            )
            doc = YamlDocument(entity.doc.file, data, where)
            specs.append(parse_spec(doc, problems) or SpecFile(doc, str(data["kind"])))
    return specs


def _enterprise_specs(parsed: list[SpecFile]) -> EnterpriseSpecs:
    specs = EnterpriseSpecs()
    for spec in (s for s in parsed if s.model is not None):
        if spec.kind == "ValueChain":
            specs.value_chains.append((spec.doc, spec.model))
        elif spec.kind == "UseCase":
            specs.use_cases.append((spec.doc, spec.model))
        elif spec.kind == "Requirement":
            specs.requirements.append((spec.doc, spec.model))
    return specs


def _kpi_specs(parsed: list[SpecFile]) -> KpiSpecs:
    specs = KpiSpecs()
    for spec in (s for s in parsed if s.model is not None):
        if spec.kind == "KPI":
            specs.kpis.append((spec.doc, spec.model))
        elif spec.kind == "UseCase" and spec.model.kpis:
            specs.use_cases.append((spec.doc, spec.model.name, list(spec.model.kpis)))
    return specs


def _entity_specs(parsed: list[SpecFile]) -> EntitySpecs:
    return EntitySpecs([(s.doc, s.model) for s in parsed if s.kind == "Entity" and s.model is not None])


def _score_specs(parsed: list[SpecFile]) -> ScoreSpecs:
    specs = ScoreSpecs(entity_names={str(s.doc.data.get("name")) for s in parsed if s.kind == "Entity"})
    for spec in parsed:
        if spec.kind == "Score" and isinstance(spec.model, ScoreSpec):
            specs.scores.append((spec.doc, spec.model))
        elif spec.kind == "Treatment" and isinstance(spec.model, TreatmentSpec):
            specs.treatments.append((spec.doc, spec.model))
    return specs


def _governance_specs(parsed: list[SpecFile]) -> GovernanceSpecs:
    specs = GovernanceSpecs()
    for spec in parsed:
        if spec.kind == "Council" and isinstance(spec.model, CouncilSpec):
            specs.councils.append((spec.doc, spec.model))
        elif spec.kind == "Policy" and isinstance(spec.model, PolicySpec):
            specs.policies.append((spec.doc, spec.model))
    return specs


def _builtin_policy_rules() -> set[str]:
    # Imported here: the rules live with the governance package, which builds on the specs.
    from andmesh.governance.policies.builtin import BUILTINS

    return set(BUILTINS)


def _contract_rules(doc: YamlDocument, contract: OpenDataContractStandard) -> list[SpecProblem]:
    """Rules beyond the standard's schema that andmesh needs to run the contract."""
    problems: list[SpecProblem] = []
    if isinstance(doc.data.get("team"), list):
        problems.append(
            SpecProblem(
                doc.file,
                *doc.locate(("team",)),
                "team",
                "`team` as a list of members is deprecated since ODCS v3.1",
                hint="write `team: {name: <team>, members: [...]}`",
                severity="warning",
                code="odcs-deprecated",
            )
        )
    objects = contract.schema_ or []
    if len(objects) != 1:
        problems.append(
            doc.problem(
                ("schema",),
                f"an andmesh contract describes exactly one table; this one has {len(objects)} schema objects",
                "split it into one contract per output port",
            )
        )
        return problems
    positions: list[int] = []
    keys = 0
    unnumbered: int | None = None
    for index, prop in enumerate(objects[0].properties or []):
        path = ("schema", 0, "properties", index)
        if not prop.name:
            problems.append(doc.problem(path, "property without a `name`", "add `name:`"))
            continue
        if prop.primaryKey:
            keys += 1
            if prop.primaryKeyPosition is not None:
                positions.append(prop.primaryKeyPosition)
            elif unnumbered is None:
                unnumbered = index
        for q_index, rule in enumerate(prop.quality or []):
            problems.extend(
                _quality_rule(doc, (*path, "quality", q_index), rule.metric or rule.rule, rule.type)
            )
    for q_index, rule in enumerate(objects[0].quality or []):
        problems.extend(
            _quality_rule(doc, ("schema", 0, "quality", q_index), rule.metric or rule.rule, rule.type)
        )
    if keys > 1 and sorted(positions) != list(range(1, keys + 1)):
        problems.append(
            doc.problem(
                ("schema", 0, "properties", unnumbered, "primaryKey")
                if unnumbered is not None
                else ("schema", 0),
                f"a composite primary key of {keys} properties needs primaryKeyPosition 1..{keys}",
                "number each key property's `primaryKeyPosition` from 1",
            )
        )
    return problems


def _quality_rule(
    doc: YamlDocument, path: tuple[str | int, ...], metric: str | None, kind: str | None
) -> list[SpecProblem]:
    if (kind or "library") != "library" or metric is None:
        return []
    if metric in LIBRARY_METRICS:
        return []
    return [
        doc.problem(
            (*path, "metric"),
            f"unknown quality metric `{metric}`",
            hint_for(metric, LIBRARY_METRICS, "metrics"),
            code="quality",
        )
    ]


def _product(
    mesh: Mesh,
    spec: SpecFile,
    contracts: dict[str, tuple[SpecFile, OpenDataContractStandard]],
    invalid_contracts: set[str],
    problems: list[SpecProblem],
) -> Product | None:
    doc = spec.doc
    model: DataProductSpec = spec.model
    domain_name = model.domain or ""
    if domain_name not in mesh.domains:
        problems.append(
            doc.problem(
                ("domain",) if model.domain else (),
                f"unknown domain `{domain_name}`" if model.domain else "missing `domain`",
                hint_for(domain_name, mesh.domains, "domains"),
                code="reference",
            )
        )
        return None
    name = model.name or model.id.split(".")[-1]
    if model.id != f"{domain_name}.{name}":
        problems.append(
            doc.problem(
                ("id",),
                f"product id `{model.id}` must be `<domain>.<name>`",
                f"use `id: {domain_name}.{name}`",
            )
        )
        return None
    product = Product(
        id=model.id, domain=domain_name, name=name, dir=doc.file.parent, file=doc.file, spec=model
    )

    team = {m.username for m in mesh.domains[domain_name].spec.team} | {m.username for m in mesh.spec.team}
    owners = [(i, m) for i, m in enumerate(model.team or []) if (m.role or "").lower() == "owner"]
    if not owners:
        problems.append(
            doc.problem(
                ("team",) if model.team else (),
                "the product has no owner",
                "add a team member with `role: owner`",
                code="owner",
            )
        )
    for index, member in owners:
        if member.username not in team:
            problems.append(
                doc.problem(
                    ("team", index, "username"),
                    f"owner `{member.username}` is not a member of domain `{domain_name}`",
                    hint_for(member.username or "", team, "team members"),
                    code="owner",
                )
            )

    custom_index = {cp.property: i for i, cp in enumerate(model.customProperties or [])}
    for prop, index in custom_index.items():
        if prop not in PRODUCT_CUSTOM_PROPERTIES:
            problems.append(
                SpecProblem(
                    doc.file,
                    *doc.locate(("customProperties", index, "property")),
                    f"customProperties[{index}].property",
                    f"custom property `{prop}` is not used by andmesh",
                    hint=hint_for(prop, PRODUCT_CUSTOM_PROPERTIES, "andmesh properties"),
                    severity="warning",
                )
            )
    product.sources = _sources(mesh, doc, model, custom_index.get("sources"), problems)

    ports = model.outputPorts or []
    if not ports:
        problems.append(
            doc.problem((), "a data product needs at least one output port", "add `outputPorts:`")
        )
    pipelines = _pipelines(doc, product, custom_index.get("pipeline"), [p.name for p in ports], problems)
    for index, port in enumerate(ports):
        path = ("outputPorts", index)
        if not port.contractId:
            problems.append(
                doc.problem(
                    path, f"output port `{port.name}` has no `contractId`", "add the id of its contract"
                )
            )
            continue
        if port.contractId in invalid_contracts:
            continue
        if port.contractId not in contracts:
            problems.append(
                doc.problem(
                    (*path, "contractId"),
                    f"no contract with id `{port.contractId}`",
                    hint_for(port.contractId, contracts, "contract ids")
                    or "write a contract.yaml beside product.yaml",
                    code="reference",
                )
            )
            continue
        cspec, cmodel = contracts[port.contractId]
        objects = cmodel.schema_ or []
        if len(objects) == 1 and objects[0].name != port.name:
            problems.append(
                cspec.doc.problem(
                    ("schema", 0, "name"),
                    f"the schema object is named `{objects[0].name}` but the output port is `{port.name}`",
                    f"rename it to `{port.name}`",
                    code="reference",
                )
            )
        pipeline = pipelines.get(port.name)
        if pipeline is None or len(objects) != 1:
            continue
        product.outputs.append(
            OutputPort(
                name=port.name,
                product_id=product.id,
                domain=domain_name,
                version=port.version,
                contract=Contract(id=port.contractId, file=cspec.doc.file, model=cmodel),
                pipeline=pipeline,
            )
        )
    return product


def _sources(
    mesh: Mesh, doc: YamlDocument, model: DataProductSpec, index: int | None, problems: list[SpecProblem]
) -> list[SourceSpec]:
    if index is None:
        return []
    raw = model.customProperties[index].value if model.customProperties else None
    base = ("customProperties", index, "value")
    if not isinstance(raw, list):
        problems.append(doc.problem(base, "`sources` must be a list of {name, path, format}"))
        return []
    sources: list[SourceSpec] = []
    for i, item in enumerate(raw):
        source, found = validate_node(doc, (*base, i), item, SourceSpec)
        problems.extend(found)
        if source is None:
            continue
        escape = _source_escape(mesh, source.path)
        if escape:
            problems.append(
                doc.problem(
                    (*base, i, "path"),
                    f"source `{source.name}`: {escape}",
                    "sources are globs under the data root; to read another folder, list it in mesh.yaml "
                    "under `allowedSourceFolders` and give the source its absolute path",
                    code="source-path",
                )
            )
            continue
        sources.append(source)
    return sources


def _source_escape(mesh: Mesh, path: str) -> str | None:
    """Why a source path may reach outside the data root (None when it stays inside).

    >>> from andmesh.spec.models import MeshSpec
    >>> m = Mesh(Path("/m"), Path("/m/mesh.yaml"), MeshSpec(apiVersion="andmesh/v1", kind="Mesh", name="m",
    ...     allowedSourceFolders=["/shared/erp"]))
    >>> _source_escape(m, "sales/*.parquet") is None, _source_escape(m, "/shared/erp/x/*.csv") is None
    (True, True)
    >>> _source_escape(m, "../other-workspace/warehouse/*.parquet")
    '`../other-workspace/warehouse/*.parquet` climbs out of the data root with `..`'
    >>> _source_escape(m, "/etc/*")
    '`/etc/*` is an absolute path outside the folders mesh.yaml allows (/shared/erp)'
    """
    pure = PurePosixPath(path.replace("\\", "/"))
    if ".." in pure.parts:
        return f"`{path}` climbs out of the data root with `..`"
    if pure.is_absolute() or PureWindowsPath(path).drive:
        folders = [PurePosixPath(os.path.normpath(mesh.root / f)) for f in mesh.spec.allowedSourceFolders]
        if any(pure.is_relative_to(folder) for folder in folders):
            return None
        allowed = ", ".join(str(f) for f in folders) or "none"
        return f"`{path}` is an absolute path outside the folders mesh.yaml allows ({allowed})"
    return None


def _pipelines(
    doc: YamlDocument, product: Product, index: int | None, port_names: list[str], problems: list[SpecProblem]
) -> dict[str, PipelineRef]:
    if index is None:
        problems.append(
            doc.problem(
                ("customProperties",) if product.spec.customProperties else (),
                "the product declares no pipeline",
                "add a custom property `{property: pipeline, value: <file>.sql}`",
            )
        )
        return {}
    raw = product.spec.customProperties[index].value if product.spec.customProperties else None
    base = ("customProperties", index, "value")
    if isinstance(raw, str):
        if len(port_names) != 1:
            problems.append(
                doc.problem(
                    base, "with several output ports, `pipeline` must map each port name to its pipeline"
                )
            )
            return {}
        mapping = {port_names[0]: raw}
    elif isinstance(raw, dict):
        mapping = {str(k): str(v) for k, v in raw.items()}
        for port in port_names:
            if port not in mapping:
                problems.append(
                    doc.problem(base, f"no pipeline for output port `{port}`", f"add `{port}: <file>.sql`")
                )
        for port in mapping:
            if port not in port_names:
                problems.append(
                    doc.problem(
                        (*base, port), f"`{port}` is not an output port", hint_for(port, port_names, "ports")
                    )
                )
    else:
        problems.append(doc.problem(base, "`pipeline` must be a file name or a mapping of port → file"))
        return {}

    names = {s.name for s in product.sources} | {p.name for p in product.spec.inputPorts or []}
    refs: dict[str, PipelineRef] = {}
    for port, target in mapping.items():
        where = (*base, port) if isinstance(raw, dict) else base
        file_part, _, function = target.partition(":")
        file = product.dir / file_part
        if not file.is_file():
            nearby = [p.name for p in product.dir.iterdir() if p.suffix in (".sql", ".py")]
            problems.append(
                doc.problem(
                    where,
                    f"pipeline file `{file_part}` does not exist",
                    hint_for(file_part, nearby, "files"),
                    code="pipeline",
                )
            )
            continue
        if file.suffix == ".sql":
            problems.extend(sql_problems(file, names, product.id))
            refs[port] = PipelineRef("sql", file)
        elif file.suffix == ".py":
            function = function or "build"
            problems.extend(_python_problems(file, function))
            refs[port] = PipelineRef("python", file, function)
        else:
            problems.append(
                doc.problem(where, f"pipeline `{file_part}` must be a .sql or .py file", code="pipeline")
            )
    return refs


def sql_problems(file: Path, names: set[str], product_id: str, dialect: str = "duckdb") -> list[SpecProblem]:
    """SQL pipeline checks: it parses, is one read-only SELECT, and reads only declared inputs."""
    text = file.read_text(encoding="utf-8")
    cache = _CACHE.get()
    key = text_key("guard", dialect, text, *sorted(names))
    if cache is not None and cache.passed(key):
        sql = cache.passed_sql(key)
        if sql is not None:  # the build runs it without parsing the query again
            remember_passed(text, names, dialect, sql)
        return []
    exc = refusal(text, names, dialect)
    if exc is None:
        if cache is not None:
            cache.mark_passed(key, guarded_sql(text, names, dialect))
        return []
    hint = exc.hint or None
    if exc.kind == "table":
        message = f"`{exc.name}` is neither a source nor an input port of {product_id}"
        hint = hint_for(exc.name, names, "inputs") or hint
    elif exc.kind in ("table_function", "function"):
        message = f"`{exc.name}` reads data the product does not declare: {exc.message}"
        hint = "declare the file as a source in product.yaml and select from its name"
    elif exc.kind == "parse":
        message = exc.message.replace("the SQL does not parse", "SQL does not parse", 1)
    else:
        message = exc.message
    return [SpecProblem(file, exc.line or 1, exc.column, "", message, hint=hint, code="sql")]


def pipeline_column_problems(mesh: Mesh) -> list[SpecProblem]:
    """Columns SQL pipelines name that their input ports' contracts do not promise.

    Only queries that pass the guard are looked at (the others already have a problem);
    a source's columns are not declared, so what may come from a source is not judged.
    """
    problems: list[SpecProblem] = []
    for product in mesh.products.values():
        schemas: dict[str, list[str] | None] = {source.name: None for source in product.sources}
        contracts: dict[str, str] = {}
        for ref in product.inputs:
            upstream = mesh.products.get(ref.product_id)
            port = next((p for p in upstream.outputs if p.name == ref.port), None) if upstream else None
            schemas[ref.name] = [p.name for p in port.contract.properties if p.name] if port else None
            if port is not None:
                contracts[ref.name] = port.contract.id
        files = {port.pipeline.file for port in product.outputs if port.pipeline.kind == "sql"}
        cache = _CACHE.get()
        for file in sorted(files):
            text = file.read_text(encoding="utf-8")
            key = text_key("columns", text, repr(sorted(schemas.items())))
            if cache is not None and cache.passed(key):
                continue
            try:
                statement = guard_select(text, schemas).statement
            except SqlRefused:
                continue
            unknowns = unknown_columns(statement, schemas)
            if not unknowns and cache is not None:
                cache.mark_passed(key)
            for unknown in unknowns:
                where = " or ".join(
                    f"`{name}`" + (f" (contract `{contracts[name]}`)" if name in contracts else "")
                    for name in unknown.inputs
                )
                problems.append(
                    SpecProblem(
                        file,
                        unknown.line,
                        unknown.column,
                        "",
                        f"column `{unknown.name}` is not in {where}",
                        hint=hint_for(unknown.name, unknown.candidates, "columns")
                        or "add it to the upstream contract, or select a column it promises",
                        code="sql-column",
                    )
                )
    return problems


def _python_problems(file: Path, function: str) -> list[SpecProblem]:
    text = file.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text, filename=str(file))
    except SyntaxError as exc:
        return [
            SpecProblem(
                file, exc.lineno, exc.offset, "", f"Python does not parse: {exc.msg}", code="pipeline"
            )
        ]
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    if function not in functions:
        return [
            SpecProblem(
                file,
                1,
                1,
                "",
                f"no function `{function}` in {file.name}",
                hint=hint_for(function, functions, "functions") or f"define `def {function}(inputs):`",
                code="pipeline",
            )
        ]
    return []


def _resolve_inputs(mesh: Mesh, products: list[SpecFile], problems: list[SpecProblem]) -> None:
    by_contract = {port.contract.id: port for port in mesh.ports()}
    for spec in products:
        model: DataProductSpec = spec.model
        product = mesh.products.get(model.id)
        if product is None or product.file != spec.doc.file:
            continue
        source_names = {s.name for s in product.sources}
        for index, port in enumerate(model.inputPorts or []):
            path = ("inputPorts", index)
            upstream = by_contract.get(port.contractId)
            if upstream is None:
                problems.append(
                    spec.doc.problem(
                        (*path, "contractId"),
                        f"input port `{port.name}`: no output port promises contract `{port.contractId}`",
                        hint_for(port.contractId, by_contract, "contract ids"),
                        code="reference",
                    )
                )
                continue
            if upstream.product_id == product.id:
                problems.append(
                    spec.doc.problem((*path, "contractId"), "a product cannot read its own output port")
                )
                continue
            if port.name in source_names:
                problems.append(
                    spec.doc.problem(
                        (*path, "name"), f"`{port.name}` is both a source and an input port name"
                    )
                )
            product.inputs.append(InputRef(port.name, port.contractId, upstream.product_id, upstream.name))


def _check_ports_unique(mesh: Mesh, products: list[SpecFile], problems: list[SpecProblem]) -> None:
    seen: dict[str, str] = {}
    for spec in products:
        product = mesh.products.get(spec.model.id)
        if product is None or product.file != spec.doc.file:
            continue
        for index, port in enumerate(spec.model.outputPorts or []):
            table = f"{product.domain}.{port.name}"
            if table in seen:
                problems.append(
                    spec.doc.problem(
                        ("outputPorts", index, "name"),
                        f"output port `{port.name}` is already published by {seen[table]} in domain {product.domain}",
                        "port names are table names: make them unique within the domain",
                    )
                )
            seen[table] = product.id


def _check_cycles(mesh: Mesh, products: list[SpecFile], problems: list[SpecProblem]) -> None:
    _, cycle = topological_order({pid: p.upstream for pid, p in mesh.products.items()})
    if cycle:
        product = mesh.products[cycle[0]]
        spec = next(s for s in products if s.doc.file == product.file)
        problems.append(
            spec.doc.problem(
                ("inputPorts",),
                "dependency cycle: " + " → ".join(cycle),
                "a product cannot depend on itself through its inputs; break the cycle",
                code="cycle",
            )
        )
