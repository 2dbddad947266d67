"""The enterprise's own kinds: value chains, use cases and the requirements they put on domains.

``ValueChain``  an enterprise process as ordered stages, each run by a domain, and the
                hand-offs between stages (what the next stage needs from this one).
``UseCase``     a business decision to improve, after the Hypothesis Development Canvas,
                with weighted value and feasibility scores; may inline its requirements.
``Requirement`` "domain D must publish attribute A of entity E on port P to standard S,
                because use cases U need it", with a lifecycle
                (proposed → accepted → implemented → verified).

A requirement's id is ``<domain>.<port>.<attribute>``: stable, so KPIs and hand-offs
can name it. Cross-references are checked in :func:`resolve_enterprise`.
"""

# YAML keys are camelCase, as in ODCS/ODPS and the other andmesh kinds.
# ruff: noqa: N815

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from andmesh.errors import SpecProblem
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.models import SNAKE_CASE, StrictModel
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import PathKey, YamlDocument

LifecycleStatus = Literal["proposed", "accepted", "implemented", "verified"]
LIFECYCLE: tuple[str, ...] = ("proposed", "accepted", "implemented", "verified")


# --- ValueChain ----------------------------------------------------------------------------


class StageSpec(StrictModel):
    name: str = Field(pattern=SNAKE_CASE)
    domain: str = Field(description="The domain that runs this stage.")
    title: str | None = None
    description: str | None = None


class HandoffSpec(StrictModel):
    from_: str = Field(alias="from", description="Stage handing over.")
    to: str = Field(description="Stage receiving.")
    description: str | None = None
    needs: list[str] = Field(
        default_factory=list,
        description="Requirement ids (`<domain>.<port>.<attribute>`) the receiving stage needs.",
    )


class ValueChainSpec(StrictModel):
    apiVersion: Literal["andmesh/v1"]
    kind: Literal["ValueChain"]
    name: str = Field(pattern=SNAKE_CASE)
    title: str | None = None
    description: str | None = None
    owner: str | None = None
    stages: list[StageSpec]
    handoffs: list[HandoffSpec] = Field(default_factory=list)


# --- Requirement ---------------------------------------------------------------------------


class ScopeSpec(StrictModel):
    """The rows a requirement applies to: those whose ``attribute`` is one of ``values``."""

    attribute: str
    values: list[str | int | float | bool]


class StandardSpec(StrictModel):
    """What the published attribute must meet; every criterion given is measured."""

    completeness: float | None = Field(None, ge=0, le=100, description="Minimum % of non-null values.")
    acceptedValues: list[str | int | float | bool] | None = Field(
        None, description="Every non-null value must be one of these."
    )
    pattern: str | None = Field(None, description="Every non-null value must match this regex.")
    maxAgeDays: float | None = Field(
        None, ge=0, description="Freshness: the newest value is at most this many days old at `asOf`."
    )
    scope: ScopeSpec | None = Field(None, description="Only rows in this scope are measured.")


class StatusChange(StrictModel):
    status: LifecycleStatus
    by: str
    on: dt.date
    note: str | None = None


class RequirementBody(StrictModel):
    """A requirement as written inside a use case (``useCases`` defaults to that use case)."""

    entity: str = Field(description="The business entity the attribute describes (customer, order…).")
    domain: str
    product: str = Field(description="`<domain>.<product>` that must provide it.")
    port: str | None = Field(None, description="Output port (default: the product's first).")
    attribute: str | None = Field(None, description="The attribute required (or use `attributes`).")
    attributes: list[str] = Field(
        default_factory=list,
        description="Several attributes to one standard: one requirement (and id) per attribute.",
    )
    newAttribute: bool = Field(
        False, description="The domain does not have this attribute yet: the requirement asks for it."
    )
    standard: StandardSpec = Field(default_factory=StandardSpec)
    useCases: list[str] = Field(default_factory=list)
    rationale: str | None = None
    status: LifecycleStatus = "proposed"
    history: list[StatusChange] = Field(default_factory=list, description="Who moved it, and when.")


class RequirementSpec(RequirementBody):
    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Requirement"]


# --- UseCase -------------------------------------------------------------------------------


class WeightedScore(StrictModel):
    score: float = Field(ge=1, le=5, description="1 (low) … 5 (high).")
    weight: float = Field(1.0, gt=0)
    rationale: str | None = None


class ValueEstimate(StrictModel):
    """What the use case is worth when it works, in money: the base of value attribution."""

    amount: float = Field(ge=0, description="Money the use case is expected to bring per `per`.")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.", examples=["EUR"])
    per: Literal["year", "quarter", "month"] = Field(
        "year", description="The period `amount` is for; andmesh annualises it."
    )
    source: str | None = Field(None, description="Where the figure comes from (business case, finance…).")


class UseCaseSpec(StrictModel):
    apiVersion: Literal["andmesh/v1"]
    kind: Literal["UseCase"]
    name: str = Field(pattern=SNAKE_CASE)
    title: str | None = None
    owner: str | None = None
    valueChain: str | None = None
    businessInitiative: str
    hypothesis: str
    stakeholders: list[str] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=list, description="Decisions to improve.")
    predictions: list[str] = Field(default_factory=list, description="Predictions needed.")
    kpis: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list)
    products: list[str] = Field(
        default_factory=list,
        description="`<domain>.<product>` the decision reads directly, beyond those its requirements, "
        "KPIs and `dataSources` name: they count as used by the use case.",
    )
    value: dict[str, WeightedScore] = Field(description="Criteria such as financial, customer, operational.")
    feasibility: dict[str, WeightedScore] = Field(
        description="Criteria such as data, technical, organizational."
    )
    costOfFalsePositive: str | None = None
    costOfFalseNegative: str | None = None
    requirements: list[RequirementBody] = Field(default_factory=list)
    valueEstimate: ValueEstimate | None = Field(
        None,
        description="Money the use case brings; attributed to the data assets it uses (docs/economics.md).",
    )
    dataSources: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=dict,
        description="`<domain>.<product>` → how much the decision relies on it (1–5): attribution weights. "
        "Default: an equal split among the products the use case uses.",
    )


# --- resolved ------------------------------------------------------------------------------


@dataclass
class Requirement:
    """A requirement resolved to its producing port."""

    id: str
    spec: RequirementBody
    file: Path
    product_id: str
    port: OutputPort
    owner: str | None
    use_cases: list[str] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return self.spec.domain

    @property
    def attribute(self) -> str:
        """The one attribute this requirement is about (``attributes`` lists are expanded)."""
        assert self.spec.attribute is not None
        return self.spec.attribute


@dataclass
class UseCase:
    name: str
    file: Path
    spec: UseCaseSpec
    requirements: list[str] = field(default_factory=list)


@dataclass
class ValueChain:
    name: str
    file: Path
    spec: ValueChainSpec


def requirement_id(domain: str, port: str, attribute: str) -> str:
    """The stable id KPIs and hand-offs use.

    >>> requirement_id("order_management", "orders", "requested_delivery_date")
    'order_management.orders.requested_delivery_date'
    """
    return f"{domain}.{port}.{attribute}"


# --- cross-references ----------------------------------------------------------------------


@dataclass
class _Located:
    doc: YamlDocument
    path: PathKey
    body: RequirementBody
    inlined_in: str | None = None
    attribute_at: PathKey = ("attribute",)


@dataclass
class EnterpriseSpecs:
    """Parsed (valid) enterprise specs handed over by the loader."""

    value_chains: list[tuple[YamlDocument, ValueChainSpec]] = field(default_factory=list)
    use_cases: list[tuple[YamlDocument, UseCaseSpec]] = field(default_factory=list)
    requirements: list[tuple[YamlDocument, RequirementSpec]] = field(default_factory=list)


def resolve_enterprise(mesh: Mesh, specs: EnterpriseSpecs, problems: list[SpecProblem]) -> None:
    """Check every reference of the enterprise specs; fill the mesh's resolved lists."""
    for doc, uc in specs.use_cases:
        if uc.name in mesh.use_cases:
            problems.append(doc.problem(("name",), f"use case `{uc.name}` is already declared"))
            continue
        mesh.use_cases[uc.name] = UseCase(uc.name, doc.file, uc)
    located = [_Located(doc, (), spec) for doc, spec in specs.requirements]
    for doc, uc in specs.use_cases:
        located += [_Located(doc, ("requirements", i), r, uc.name) for i, r in enumerate(uc.requirements)]
    for item in (one for declared in located for one in _per_attribute(declared, problems)):
        requirement = _requirement(mesh, item, problems)
        if requirement is None:
            continue
        if requirement.id in mesh.requirements:
            problems.append(
                item.doc.problem(
                    (*item.path, *item.attribute_at),
                    f"requirement `{requirement.id}` is already declared in {mesh.requirements[requirement.id].file}",
                    "state every need of one attribute in one requirement (list all its use cases)",
                )
            )
            continue
        mesh.requirements[requirement.id] = requirement
        for name in requirement.use_cases:
            if name in mesh.use_cases:
                mesh.use_cases[name].requirements.append(requirement.id)
    for doc, chain in specs.value_chains:
        _value_chain(mesh, doc, chain, problems)
    for doc, uc in specs.use_cases:
        for index, product_id in enumerate(uc.products):
            if product_id not in mesh.products:
                problems.append(
                    doc.problem(
                        ("products", index),
                        f"unknown product `{product_id}`",
                        hint_for(product_id, mesh.products, "products")
                        or "name a product as `<domain>.<product>` (andmesh status lists them)",
                        code="reference",
                    )
                )
        if uc.valueChain and uc.valueChain not in {c.name for _, c in specs.value_chains}:
            problems.append(
                doc.problem(
                    ("valueChain",),
                    f"unknown value chain `{uc.valueChain}`",
                    hint_for(uc.valueChain, [c.name for _, c in specs.value_chains], "value chains"),
                    code="reference",
                )
            )


def _per_attribute(item: _Located, problems: list[SpecProblem]) -> list[_Located]:
    """One located requirement per attribute: ``attributes: [a, b]`` states two at once."""
    body = item.body
    if (body.attribute is None) == (not body.attributes):
        problems.append(
            item.doc.problem(
                item.path or ("kind",),
                "a requirement names either `attribute` or `attributes`"
                + (", not both" if body.attribute is not None else ""),
                "write `attribute: <column>`, or `attributes: [<column>, …]` for several to one standard",
            )
        )
        return []
    if body.attribute is not None:
        return [item]
    return [
        _Located(
            item.doc,
            item.path,
            body.model_copy(update={"attribute": name, "attributes": []}),
            item.inlined_in,
            ("attributes", index),
        )
        for index, name in enumerate(body.attributes)
    ]


def _requirement(mesh: Mesh, item: _Located, problems: list[SpecProblem]) -> Requirement | None:
    body, doc, at = item.body, item.doc, item.path
    assert body.attribute is not None
    before = len(problems)
    if body.domain not in mesh.domains:
        problems.append(doc.unknown((*at, "domain"), "domain", body.domain, mesh.domains))
        return None
    product = mesh.products.get(body.product)
    if product is None or product.domain != body.domain:
        candidates = [p for p in mesh.products if mesh.products[p].domain == body.domain]
        problems.append(
            doc.problem(
                (*at, "product"),
                f"domain `{body.domain}` has no product `{body.product}`",
                hint_for(body.product, candidates, "products"),
                code="reference",
            )
        )
        return None
    ports = {p.name: p for p in product.outputs}
    port = ports.get(body.port) if body.port else (product.outputs[0] if product.outputs else None)
    if port is None:
        problems.append(
            doc.problem(
                (*at, "port"),
                f"product `{product.id}` has no output port `{body.port}`",
                hint_for(body.port or "", ports, "ports"),
                code="reference",
            )
        )
        return None
    columns = [p.name or "" for p in port.contract.properties]
    if body.attribute not in columns and not body.newAttribute:
        guess = hint_for(body.attribute, columns, "attributes")
        problems.append(
            doc.problem(
                (*at, *item.attribute_at),
                f"contract `{port.contract.id}` has no attribute `{body.attribute}`",
                (guess + " or " if guess and guess.startswith("did") else "")
                + "set `newAttribute: true` if the domain must start capturing it",
                code="reference",
            )
        )
    scope = body.standard.scope
    if scope is not None and scope.attribute not in columns:
        problems.append(
            doc.problem(
                (*at, "standard", "scope", "attribute"),
                f"scope: contract `{port.contract.id}` has no attribute `{scope.attribute}`",
                hint_for(scope.attribute, columns, "attributes"),
                code="reference",
            )
        )
    use_cases = list(dict.fromkeys([*([item.inlined_in] if item.inlined_in else []), *body.useCases]))
    for index, name in enumerate(body.useCases):
        if name not in mesh.use_cases:
            problems.append(doc.unknown((*at, "useCases", index), "use case", name, mesh.use_cases))
    if not use_cases:
        problems.append(
            doc.problem(
                at or ("kind",),
                "a requirement must name the use cases that need it",
                "add `useCases: [<use case>]`",
            )
        )
    _history(doc, at, body, problems)
    if len(problems) > before:
        return None
    return Requirement(
        id=requirement_id(body.domain, port.name, body.attribute),
        spec=body,
        file=doc.file,
        product_id=product.id,
        port=port,
        owner=product.owner or mesh.domains[body.domain].spec.owner,
        use_cases=use_cases,
    )


def _history(doc: YamlDocument, at: PathKey, body: RequirementBody, problems: list[SpecProblem]) -> None:
    """The history moves forward through the lifecycle and ends at the current status."""
    ranks = [LIFECYCLE.index(change.status) for change in body.history]
    if ranks != sorted(ranks):
        problems.append(
            doc.problem((*at, "history"), "the history must move forward: " + " → ".join(LIFECYCLE))
        )
    if body.history and body.history[-1].status != body.status:
        problems.append(
            doc.problem(
                (*at, "status"),
                f"status `{body.status}` differs from the last history entry `{body.history[-1].status}`",
                "add a history entry (status, by, on) for the change",
            )
        )


def _value_chain(mesh: Mesh, doc: YamlDocument, chain: ValueChainSpec, problems: list[SpecProblem]) -> None:
    if chain.name in mesh.value_chains:
        problems.append(doc.problem(("name",), f"value chain `{chain.name}` is already declared"))
        return
    stages = [s.name for s in chain.stages]
    for index, stage in enumerate(chain.stages):
        if stage.domain not in mesh.domains:
            problems.append(doc.unknown(("stages", index, "domain"), "domain", stage.domain, mesh.domains))
    for index, handoff in enumerate(chain.handoffs):
        for key, stage_name in (("from", handoff.from_), ("to", handoff.to)):
            if stage_name not in stages:
                problems.append(doc.unknown(("handoffs", index, key), "stage", stage_name, stages))
        for n_index, need in enumerate(handoff.needs):
            if need not in mesh.requirements:
                problems.append(
                    doc.unknown(("handoffs", index, "needs", n_index), "requirement", need, mesh.requirements)
                )
    mesh.value_chains[chain.name] = ValueChain(chain.name, doc.file, chain)
