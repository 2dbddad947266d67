"""The ``Score`` and ``Treatment`` kinds: enterprise scores per entity and how every unit treats them.

A Score spec (``enterprise/scores/<name>.yaml``) is one *version* of a score:

``method``     a registered score method (:mod:`andmesh.enterprise.scores.registry`),
               ``config`` validated by the method's own config model;
``inputs``     per method input table (*role*): the product it reads (``product``, ``port``),
               ``columns`` mapping the method's input names onto the product's columns,
               ``derive`` (SQL expressions over the product, e.g. a rate or a label), or a
               ``sql`` query over several products (``from``), or another score's output
               (``score``: the credit PD feeding the risk-adjusted lifetime value);
``output``     range, direction and the bands the score falls in;
``refresh``    how often it is recomputed; ``approval`` its status (draft, proposed,
               approved, retired) and, when approved in review, who approved it.

A ``Treatment`` spec (``enterprise/treatments.yaml``) turns score bands into tiers
(first matching tier wins) and gives each domain the action each tier gets, with the
tier the unit would have chosen on its own data (``localView``) for the consistency check.

References (entity, owner, method, config, roles, products, ports, columns, scores,
bands, tiers, domains) are checked in :func:`resolve_scores` with file:line problems.
"""

# YAML keys are camelCase, as in ODCS/ODPS and the other andmesh kinds.
# ruff: noqa: N815

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlglot
from pydantic import Field, ValidationError, model_validator
from sqlglot import exp

from andmesh.errors import SpecProblem
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.models import SNAKE_CASE, StrictModel
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import PathKey, YamlDocument

SEMVER = r"^\d+\.\d+\.\d+$"
ApprovalStatus = Literal["draft", "proposed", "approved", "retired"]
Cadence = Literal["daily", "weekly", "monthly", "quarterly", "on_demand"]


# --- Score ---------------------------------------------------------------------------------


#: Functions that turn an item-level table into a method's per-customer table.
BUILDERS: dict[str, str] = {
    "payment_features": "andmesh.enterprise.scores.features:payment_features",
    "delinquency_labels": "andmesh.enterprise.scores.features:delinquency_labels",
}


class BuildSpec(StrictModel):
    """A builder over the role's rows (e.g. invoice-level items → payment features at a cut-off)."""

    function: str = Field(description="payment_features or delinquency_labels.")
    args: dict[str, Any] = Field(default_factory=dict, description="Arguments when scoring (e.g. cutoff).")
    fitArgs: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments that differ when fitting (an earlier cutoff: learn on a past date, "
        "score today with the same fit).",
    )


class ScoreInputSpec(StrictModel):
    """Where one input table of the method comes from."""

    product: str | None = Field(None, description="`<domain>.<product>` read (its current version).")
    port: str | None = Field(None, description="Output port (default: the product's first).")
    columns: dict[str, str] = Field(
        default_factory=dict, description="Method input name → the product's column (or a `derive` name)."
    )
    derive: dict[str, str] = Field(
        default_factory=dict, description="New column → SQL expression over the product's columns."
    )
    where: str | None = Field(None, description="SQL condition: only these rows.")
    sql: str | None = Field(None, description="A query over the tables named in `from` (DuckDB SQL).")
    from_: dict[str, str] = Field(
        default_factory=dict, alias="from", description="Table name in `sql` → `<domain>.<product>`."
    )
    score: str | None = Field(None, description="Another score whose output this role reads.")
    build: BuildSpec | None = Field(None, description="Turn the rows into the method's table first.")

    @model_validator(mode="after")
    def _one_source(self) -> ScoreInputSpec:
        given = [k for k, v in (("product", self.product), ("sql", self.sql), ("score", self.score)) if v]
        if len(given) != 1:
            raise ValueError("give exactly one of `product`, `sql` or `score`")
        if self.sql and not self.from_:
            raise ValueError("`sql` needs `from` (table name → product)")
        return self


class ScoreOutputSpec(StrictModel):
    range: tuple[float, float] | None = Field(None, description="Lowest and highest value the score takes.")
    higherIsBetter: bool = True
    unit: str | None = Field(None, examples=["points", "EUR"])
    bands: list[str] = Field(default_factory=list, description="Band names the method emits, best first.")


class RefreshSpec(StrictModel):
    cadence: Cadence = "daily"
    description: str | None = None


class ApprovalSpec(StrictModel):
    status: ApprovalStatus = "draft"
    by: list[str] = Field(
        default_factory=list, description="Who approved it in review (must satisfy the council's rule)."
    )
    on: dt.date | None = None
    note: str | None = None


class ScoreSpec(StrictModel):
    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Score"]
    name: str = Field(pattern=SNAKE_CASE)
    title: str | None = None
    entity: str = Field(description="The entity scored (an Entity spec's name).")
    version: str = Field(pattern=SEMVER, description="Semantic version of this score definition.")
    owner: str
    intendedUse: str = Field(description="The decisions this score is meant for (and not for).")
    method: str = Field(description="A registered score method.")
    config: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, ScoreInputSpec] = Field(description="Method input table (role) → where it comes from.")
    output: ScoreOutputSpec = Field(default_factory=ScoreOutputSpec)
    refresh: RefreshSpec = Field(default_factory=RefreshSpec)
    approval: ApprovalSpec = Field(default_factory=ApprovalSpec)


# --- Treatment -----------------------------------------------------------------------------


class TierSpec(StrictModel):
    name: str = Field(pattern=SNAKE_CASE)
    description: str | None = None
    when: dict[str, list[str]] = Field(
        default_factory=dict, description="Score name → bands; every listed score must be in one."
    )


class DomainTreatmentSpec(StrictModel):
    domain: str
    actions: dict[str, str] = Field(description="Tier → what this domain does.")
    scores: dict[str, str] = Field(
        default_factory=dict,
        description="Score name → version this domain uses (default: the version served).",
    )
    localView: str | None = Field(
        None,
        description="SQL expression over the profile: the tier this unit would give with its own data.",
    )


class TreatmentSpec(StrictModel):
    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Treatment"]
    name: str = Field(pattern=SNAKE_CASE)
    entity: str
    owner: str
    description: str | None = None
    profile: str | None = Field(None, description="Product the local views read (the holistic profile).")
    profileKey: str = Field("entity_id", description="The entity id column of the profile.")
    tiers: list[TierSpec] = Field(
        min_length=1, description="First matching tier wins; list the default last."
    )
    domains: list[DomainTreatmentSpec] = Field(default_factory=list)


# --- resolved ------------------------------------------------------------------------------


@dataclass
class Score:
    """One version of a score, resolved."""

    name: str
    version: str
    file: Path
    spec: ScoreSpec
    ports: dict[str, OutputPort] = field(default_factory=dict)  # role or sql table name → port
    depends_on: list[str] = field(default_factory=list)  # other scores (names)

    @property
    def key(self) -> str:
        return score_key(self.name, self.version)


@dataclass
class Treatment:
    name: str
    file: Path
    spec: TreatmentSpec
    profile: OutputPort | None = None


def score_key(name: str, version: str) -> str:
    """How one score version is named everywhere (store, proposals, CLI).

    >>> score_key("credit_risk", "1.0.0")
    'credit_risk@1.0.0'
    """
    return f"{name}@{version}"


def version_tuple(version: str) -> tuple[int, ...]:
    """A semantic version as numbers, so versions sort as versions.

    >>> version_tuple("1.10.0") > version_tuple("1.9.3")
    True
    """
    return tuple(int(p) for p in version.split("."))


@dataclass
class ScoreSpecs:
    scores: list[tuple[YamlDocument, ScoreSpec]] = field(default_factory=list)
    treatments: list[tuple[YamlDocument, TreatmentSpec]] = field(default_factory=list)
    # Names of Entity specs, valid or not (an entity with an error is not on the mesh).
    entity_names: set[str] = field(default_factory=set)


def resolve_scores(mesh: Mesh, specs: ScoreSpecs, problems: list[SpecProblem]) -> None:
    """Check every reference of the Score and Treatment specs; fill ``mesh.scores`` and ``mesh.treatments``."""
    users = {m.username for m in mesh.spec.team} | {
        m.username for d in mesh.domains.values() for m in d.spec.team
    }
    entity_names = set(mesh.entities) | specs.entity_names
    names = {spec.name for _, spec in specs.scores}
    for doc, spec in specs.scores:
        key = score_key(spec.name, spec.version)
        if key in mesh.scores:
            problems.append(
                doc.problem(("version",), f"score `{key}` is already declared in {mesh.scores[key].file}")
            )
            continue
        before = len(problems)
        score = Score(spec.name, spec.version, doc.file, spec)
        if spec.owner not in users:
            problems.append(
                doc.problem(
                    ("owner",),
                    f"`{spec.owner}` is not a member of the mesh's or a domain's team",
                    hint_for(spec.owner, users, "members"),
                    code="owner",
                )
            )
        if entity_names and spec.entity not in entity_names:
            problems.append(doc.unknown(("entity",), "entity", spec.entity, entity_names, "entities"))
        for index, who in enumerate(spec.approval.by):
            if who not in users:
                problems.append(
                    doc.problem(
                        ("approval", "by", index), f"`{who}` is not a member of any team", code="owner"
                    )
                )
        if spec.approval.status == "approved" and not spec.approval.by and mesh.council is not None:
            problems.append(
                doc.problem(
                    ("approval", "status"),
                    "approved in the spec without `by`: with a council, say who approved it "
                    "(the score_version rule) or leave it `proposed` and let the council vote",
                    code="approval",
                )
            )
        _method_and_inputs(mesh, doc, spec, score, names, problems)
        if len(problems) == before:
            mesh.scores[key] = score
    _check_score_cycles(mesh, specs, problems)
    for doc, tspec in specs.treatments:
        _treatment(mesh, doc, tspec, users, problems)


def _method_and_inputs(
    mesh: Mesh, doc: YamlDocument, spec: ScoreSpec, score: Score, names: set[str], problems: list[SpecProblem]
) -> None:
    """Check the method, its config and the inputs against it; fill ``score.ports``.

    The method's class lives with its computation (pyarrow, numpy, sometimes optbinning):
    importing it costs ~0.3-0.7 s, on every load of a mesh with scores, a no-op run included.
    So a spec whose method checks came out clean is remembered in the spec cache, keyed by
    everything those checks read: the spec, the method code (size and mtime of every file of
    ``andmesh.enterprise.scores``) and the columns of the ports it reads. On a hit the
    reference checks that do not depend on the method run as before, against a stand-in
    that accepts exactly what the spec declares; a miss (anything changed) checks in full.
    """
    cache = _spec_cache()
    key = _method_verdict_key(mesh, spec) if cache is not None else None
    if cache is not None and key is not None and cache.passed(key):
        _inputs(mesh, doc, spec, score, _Declared(spec), names, problems, builders=False)
        return
    before = len(problems)
    method = _method(doc, spec, problems)
    if method is None:
        return
    _inputs(mesh, doc, spec, score, method, names, problems)
    if cache is not None and key is not None and len(problems) == before:
        cache.mark_passed(key)


def _spec_cache() -> Any:
    # Imported here: the loader imports this module.
    from andmesh.spec.loader import _CACHE

    return _CACHE.get()


@dataclass(frozen=True)
class _DeclaredColumn:
    name: str
    required: bool = False


class _Declared:
    """Stands for a method whose checks against this very spec came out clean before."""

    score_roles: tuple[str, ...] = ()
    fit_roles: tuple[str, ...] = ()

    def __init__(self, spec: ScoreSpec) -> None:
        self._inputs = {
            role: tuple(_DeclaredColumn(name) for name in src.columns) for role, src in spec.inputs.items()
        }

    def inputs(self) -> dict[str, tuple[_DeclaredColumn, ...]]:
        return self._inputs


def _method_verdict_key(mesh: Mesh, spec: ScoreSpec) -> str | None:
    """What the method checks of ``spec`` read, as one key (None: not to be remembered)."""
    import json
    import sys

    from andmesh.security import signed_file
    from andmesh.spec.cache import text_key

    registry = sys.modules.get("andmesh.enterprise.scores.registry")
    methods: dict[str, str] = getattr(registry, "METHODS", {})
    if registry is not None and not methods.get(spec.method, "").startswith("andmesh.enterprise.scores."):
        return None  # a method registered from elsewhere: its code is not stamped below
    package = Path(__file__).resolve().parent.parent / "enterprise" / "scores"
    code = signed_file.code_stamp(1, (), sorted(package.glob("*.py")))
    ports: dict[str, list[str] | None] = {}
    for role, src in spec.inputs.items():
        if src.product is not None:
            port, _ = _port(mesh, src.product, src.port)
            ports[role] = sorted(p.name for p in port.contract.properties if p.name) if port else None
    return text_key("score-method/1", spec.model_dump_json(), code, json.dumps(ports, sort_keys=True))


def _method(doc: YamlDocument, spec: ScoreSpec, problems: list[SpecProblem]) -> Any:
    # Imported here: the spec layer learns the methods only when a Score spec asks for one.
    from andmesh.enterprise.scores.registry import METHODS, get_method

    if spec.method not in METHODS:
        problems.append(doc.unknown(("method",), "score method", spec.method, METHODS, "methods"))
        return None
    cls = get_method(spec.method)
    try:
        return cls(spec.config)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            line_path: PathKey = ("config", *loc) if loc and _has(doc.data, ("config", *loc)) else ("config",)
            problems.append(
                doc.problem(
                    line_path,
                    f"config of {spec.method}: {'.'.join(map(str, loc)) or '(root)'}: {err['msg']}",
                    code="config",
                )
            )
        return None


def _has(data: Any, path: PathKey) -> bool:
    for key in path:
        found = isinstance(data, dict) and key in data
        found = found or (isinstance(data, list) and isinstance(key, int) and key < len(data))
        if not found:
            return False
        data = data[key]
    return True


def _port(mesh: Mesh, product_id: str, port: str | None) -> tuple[OutputPort | None, str | None]:
    product = mesh.products.get(product_id)
    if product is None:
        return None, hint_for(product_id, mesh.products, "products")
    if not product.outputs:
        return None, None
    if port is None:
        return product.outputs[0], None
    found = next((p for p in product.outputs if p.name == port), None)
    return found, None if found else hint_for(port, [p.name for p in product.outputs], "ports")


def _inputs(
    mesh: Mesh,
    doc: YamlDocument,
    spec: ScoreSpec,
    score: Score,
    method: Any,
    names: set[str],
    problems: list[SpecProblem],
    *,
    builders: bool = True,
) -> None:
    known: dict[str, tuple[Any, ...]] = method.inputs()
    needed = set(method.score_roles) | set(method.fit_roles)
    for role in sorted(needed - set(spec.inputs)):
        if role == "outcome":  # health's optional calibration
            continue
        problems.append(
            doc.problem(
                ("inputs",),
                f"{spec.method} needs the `{role}` input",
                f"add `inputs: {{{role}: {{product: …, columns: {{…}}}}}}`",
                code="reference",
            )
        )
    for role, src in spec.inputs.items():
        at: PathKey = ("inputs", role)
        if role not in known:
            problems.append(
                doc.problem(
                    at,
                    f"{spec.method} has no input `{role}`",
                    hint_for(role, known, "inputs"),
                    code="reference",
                )
            )
            continue
        inputs = {c.name: c for c in known[role]}
        for name in src.columns:
            if name not in inputs:
                problems.append(
                    doc.problem(
                        (*at, "columns", name),
                        f"`{name}` is not an input of {spec.method}'s `{role}`",
                        hint_for(name, inputs, "inputs"),
                        code="reference",
                    )
                )
        if src.score is not None:
            if src.score not in names:
                problems.append(doc.unknown((*at, "score"), "score", src.score, names))
            elif src.score == spec.name:
                problems.append(doc.problem((*at, "score"), "a score cannot read itself", code="reference"))
            else:
                score.depends_on.append(src.score)
            continue
        if src.build is not None and builders:  # a builder's signature is method code, in the key
            _builder(doc, (*at, "build"), src.build, problems)
        if src.sql is not None:
            _sql_input(mesh, doc, at, src, score, role, problems)
            continue
        assert src.product is not None
        port, hint = _port(mesh, src.product, src.port)
        if port is None:
            what = (
                f"no product `{src.product}`" if src.product not in mesh.products else f"no port `{src.port}`"
            )
            problems.append(
                doc.problem((*at, "port" if src.port else "product"), what, hint, code="reference")
            )
            continue
        score.ports[role] = port
        columns = [p.name for p in port.contract.properties if p.name]
        available = set(columns) | set(src.derive)
        for name, column in src.columns.items():
            if column not in available:
                problems.append(
                    doc.problem(
                        (*at, "columns", name),
                        f"`{port.table_id}` has no column `{column}`",
                        hint_for(column, sorted(available), "columns"),
                        code="reference",
                    )
                )
        for name, expression in src.derive.items():
            _expression(doc, (*at, "derive", name), expression, set(columns), port.table_id, problems)
        if src.where:
            _expression(doc, (*at, "where"), src.where, set(columns), port.table_id, problems)
        if src.build is not None:
            continue  # the builder's output columns are the method's, checked when it runs
        for col in inputs.values():
            source = src.columns.get(col.name, col.name)
            if col.required and source not in available and col.name not in src.columns:
                problems.append(
                    doc.problem(
                        (*at, "columns"),
                        f"{spec.method} needs `{col.name}` in `{role}` and `{port.table_id}` has no such column",
                        f"map it: `columns: {{{col.name}: <column>}}`"
                        + (
                            f" ({hint})" if (hint := hint_for(col.name, sorted(available), "columns")) else ""
                        ),
                        code="reference",
                    )
                )


def builder_function(name: str) -> Any:
    """The function a ``build:`` names (imported on first use)."""
    import importlib

    module, _, attr = BUILDERS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def _builder(doc: YamlDocument, at: PathKey, build: BuildSpec, problems: list[SpecProblem]) -> None:
    import inspect

    if build.function not in BUILDERS:
        problems.append(doc.unknown((*at, "function"), "builder", build.function, BUILDERS))
        return
    signature = inspect.signature(builder_function(build.function))
    for key, args in (("args", build.args), ("fitArgs", {**build.args, **build.fitArgs})):
        try:
            signature.bind(None, **args)
        except TypeError as exc:
            params = [p for p in signature.parameters if p != "items"]
            problems.append(
                doc.problem(
                    (*at, key) if _has(doc.data, (*at, key)) else at,
                    f"{build.function}: {exc}",
                    "arguments: " + ", ".join(params),
                    code="reference",
                )
            )
            return


def _expression(
    doc: YamlDocument,
    at: PathKey,
    expression: str,
    columns: set[str],
    table_id: str,
    problems: list[SpecProblem],
) -> None:
    try:
        parsed = sqlglot.parse_one(expression, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        problems.append(doc.problem(at, f"not a SQL expression: {str(exc).splitlines()[0]}", code="sql"))
        return
    for column in parsed.find_all(exp.Column):
        if column.name not in columns:
            problems.append(
                doc.problem(
                    at,
                    f"`{table_id}` has no column `{column.name}`",
                    hint_for(column.name, sorted(columns), "columns"),
                    code="reference",
                )
            )


def _sql_input(
    mesh: Mesh,
    doc: YamlDocument,
    at: PathKey,
    src: ScoreInputSpec,
    score: Score,
    role: str,
    problems: list[SpecProblem],
) -> None:
    for alias, product_id in src.from_.items():
        port, hint = _port(mesh, product_id, None)
        if port is None:
            problems.append(
                doc.problem((*at, "from", alias), f"no product `{product_id}`", hint, code="reference")
            )
        else:
            score.ports[f"{role}:{alias}"] = port
    try:
        parsed = sqlglot.parse_one(src.sql or "", read="duckdb")
    except sqlglot.errors.ParseError as exc:
        problems.append(
            doc.problem((*at, "sql"), f"SQL does not parse: {str(exc).splitlines()[0]}", code="sql")
        )
        return
    ctes = {c.alias_or_name for c in parsed.find_all(exp.CTE)}
    for table in parsed.find_all(exp.Table):
        if table.name not in src.from_ and table.name not in ctes:
            problems.append(
                doc.problem(
                    (*at, "sql"),
                    f"the query reads `{table.name}`, which `from` does not name",
                    hint_for(table.name, src.from_, "tables") or "add it to `from`",
                    code="reference",
                )
            )


def _check_score_cycles(mesh: Mesh, specs: ScoreSpecs, problems: list[SpecProblem]) -> None:
    graph: dict[str, set[str]] = {}
    for score in mesh.scores.values():
        graph.setdefault(score.name, set()).update(score.depends_on)
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in done:
            return
        if name in visiting:
            doc = next(d for d, s in specs.scores if s.name == name)
            problems.append(
                doc.problem(
                    ("inputs",), "scores read each other: " + " → ".join([*trail, name]), code="cycle"
                )
            )
            return
        visiting.add(name)
        for other in sorted(graph.get(name, ())):
            visit(other, [*trail, name])
        visiting.discard(name)
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def _treatment(
    mesh: Mesh, doc: YamlDocument, spec: TreatmentSpec, users: set[str], problems: list[SpecProblem]
) -> None:
    if spec.name in mesh.treatments:
        problems.append(doc.problem(("name",), f"treatment `{spec.name}` is already declared"))
        return
    before = len(problems)
    if spec.owner not in users:
        problems.append(
            doc.problem(
                ("owner",),
                f"`{spec.owner}` is not a member of any team",
                hint_for(spec.owner, users, "members"),
                code="owner",
            )
        )
    bands: dict[str, set[str]] = {}
    for score in mesh.scores.values():
        bands.setdefault(score.name, set()).update(score.spec.output.bands)
    tiers = [t.name for t in spec.tiers]
    for index, tier in enumerate(spec.tiers):
        if tiers.index(tier.name) != index:
            problems.append(doc.problem(("tiers", index, "name"), f"tier `{tier.name}` is declared twice"))
        for name, wanted in tier.when.items():
            if name not in bands:
                problems.append(doc.unknown(("tiers", index, "when", name), "score", name, bands))
                continue
            for band in wanted:
                if bands[name] and band not in bands[name]:
                    problems.append(
                        doc.problem(
                            ("tiers", index, "when", name),
                            f"`{name}` has no band `{band}`",
                            hint_for(band, sorted(bands[name]), "bands")
                            or "bands: " + ", ".join(sorted(bands[name])),
                            code="reference",
                        )
                    )
    if spec.tiers[-1].when:
        problems.append(
            doc.problem(
                ("tiers", len(spec.tiers) - 1),
                "the last tier must be the default (no `when`)",
                "add a last tier without `when`, so every customer gets a tier",
                code="tiers",
            )
        )
    profile: OutputPort | None = None
    if spec.profile is not None:
        profile, hint = _port(mesh, spec.profile, None)
        if profile is None:
            problems.append(doc.problem(("profile",), f"no product `{spec.profile}`", hint, code="reference"))
    seen: set[str] = set()
    for index, dom in enumerate(spec.domains):
        at: PathKey = ("domains", index)
        if dom.domain not in mesh.domains:
            problems.append(doc.unknown((*at, "domain"), "domain", dom.domain, mesh.domains))
        if dom.domain in seen:
            problems.append(doc.problem((*at, "domain"), f"domain `{dom.domain}` is listed twice"))
        seen.add(dom.domain)
        for tier_name in tiers:
            if tier_name not in dom.actions:
                problems.append(
                    doc.problem(
                        (*at, "actions"),
                        f"no action for tier `{tier_name}`",
                        "every domain says what it does for every tier",
                        code="tiers",
                    )
                )
        for action_tier in dom.actions:
            if action_tier not in tiers:
                problems.append(doc.unknown((*at, "actions", action_tier), "tier", action_tier, tiers))
        for name, version in dom.scores.items():
            if score_key(name, version) not in mesh.scores:
                versions = [s.version for s in mesh.scores.values() if s.name == name]
                problems.append(
                    doc.problem(
                        (*at, "scores", name),
                        f"no score `{score_key(name, version)}`",
                        ("versions: " + ", ".join(versions)) if versions else hint_for(name, bands, "scores"),
                        code="reference",
                    )
                )
        if dom.localView is not None and profile is not None:
            columns = {p.name for p in profile.contract.properties if p.name}
            _expression(doc, (*at, "localView"), dom.localView, columns, profile.table_id, problems)
    if len(problems) == before:
        mesh.treatments[spec.name] = Treatment(spec.name, doc.file, spec, profile)


__all__ = [
    "BUILDERS",
    "ApprovalSpec",
    "BuildSpec",
    "DomainTreatmentSpec",
    "Score",
    "ScoreInputSpec",
    "ScoreOutputSpec",
    "ScoreSpec",
    "ScoreSpecs",
    "TierSpec",
    "Treatment",
    "TreatmentSpec",
    "builder_function",
    "resolve_scores",
    "score_key",
    "version_tuple",
]
