"""The ``Entity`` kind: a key business entity seen by many domains, and how to resolve it.

An Entity spec (``enterprise/entities/<name>.yaml``) says, for one entity (customer,
location…):

``attributes``  the enterprise's view of it: each attribute, how its values are
                standardised, whether it is a shared key (``identifying``: equal values
                link records deterministically) or ``exclusive`` (two different values
                never belong to one entity), and which source wins in the golden record
                (``survivorship``: most_trusted, most_recent, most_complete, most_frequent).
``sources``     every domain product that carries the entity: its record id column, its
                trust rank, and which of its columns holds each attribute.
``links``       products whose rows name two sources' records of the same entity (an
                invoice names its sales account): trusted keys, linked deterministically.
``matching``    probabilistic linkage for everything else: blocking rules, comparisons,
                training, the match threshold and the band of uncertain pairs a steward
                reviews.
``products``    the enterprise products that publish the result (xref, master, profile).

Cross-references (products, ports, columns, standardisers, methods) are checked in
:func:`resolve_entities` with file:line problems.
"""

# YAML keys are camelCase, as in ODCS/ODPS and the other andmesh kinds.
# ruff: noqa: N815

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from andmesh.enterprise.entities.comparisons import METHODS
from andmesh.enterprise.entities.standardise import STANDARDISERS, output_columns
from andmesh.errors import SpecProblem
from andmesh.spec.mesh import Mesh, OutputPort
from andmesh.spec.models import SNAKE_CASE, StrictModel
from andmesh.spec.suggest import hint_for
from andmesh.spec.yamlsource import PathKey, YamlDocument

Survivorship = Literal["most_trusted", "most_recent", "most_complete", "most_frequent"]


class AttributeSpec(StrictModel):
    name: str = Field(pattern=SNAKE_CASE)
    description: str | None = None
    standardise: str = Field("text", description="A standardiser (company_name, street, tax_id…).")
    survivorship: Survivorship = "most_trusted"
    identifying: bool = Field(
        False, description="A trustworthy shared key: records with equal standardised values are linked."
    )
    exclusive: bool = Field(
        False, description="Two clearly different values never belong to one entity (a legal id)."
    )
    golden: bool = Field(True, description="Published in the master (golden record).")
    matching: bool = Field(True, description="Used to link records (False: descriptive only).")


class ColumnSpec(StrictModel):
    column: str
    standardise: str | None = Field(None, description="Overrides the attribute's standardiser here.")
    trust: int | None = Field(None, ge=0, description="Overrides the source's trust for this attribute.")


class SourceSpec(StrictModel):
    product: str = Field(description="`<domain>.<product>` carrying the entity.")
    port: str | None = Field(None, description="Output port (default: the product's first).")
    record: str = Field(description="Column holding the source's record id.")
    trust: int = Field(1, ge=0, description="Rank for most_trusted survivorship; 0: never a golden source.")
    updatedAt: str | None = Field(None, description="Column telling how recent a record is.")
    columns: dict[str, str | ColumnSpec] = Field(description="Attribute → column (or {column, …}).")

    def column_for(self, attribute: str) -> ColumnSpec | None:
        value = self.columns.get(attribute)
        if value is None:
            return None
        return ColumnSpec(column=value) if isinstance(value, str) else value


class LinkSpec(StrictModel):
    product: str = Field(description="A product whose rows name records of two or more sources.")
    port: str | None = None
    description: str | None = None
    records: dict[str, str] = Field(
        description="Source product id → the column holding that source's record id."
    )


class ComparisonSpec(StrictModel):
    method: str
    attribute: str | None = None
    attributes: list[str] | None = None
    thresholds: list[float] = Field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.attributes or ([self.attribute] if self.attribute else []))


class TrainingSpec(StrictModel):
    em: list[list[str]] = Field(
        default_factory=list, description="Blocking rules of the expectation-maximisation sessions."
    )
    uPairs: int = Field(2_000_000, gt=0, description="Random pairs sampled to estimate u probabilities.")
    labelPairs: int = Field(
        200_000, ge=0, description="At most this many linked pairs used as labels to estimate m (0: none)."
    )
    seed: int = 42


class MatchingSpec(StrictModel):
    threshold: float = Field(0.9, gt=0, lt=1, description="Pairs at or above this match probability link.")
    reviewFrom: float = Field(
        0.5, gt=0, lt=1, description="Pairs from here up to the threshold go to the steward's review queue."
    )
    prior: float | None = Field(
        None, gt=0, lt=1, description="Probability that two random records match (default: estimated)."
    )
    blocking: list[list[str]] = Field(description="Candidate pairs agree on all columns of one rule.")
    comparisons: list[ComparisonSpec]
    training: TrainingSpec = Field(default_factory=TrainingSpec)

    @model_validator(mode="after")
    def _band(self) -> MatchingSpec:
        if self.reviewFrom >= self.threshold:
            raise ValueError("`reviewFrom` must be below `threshold`")
        return self


class VocabularySpec(StrictModel):
    legalForms: list[str] = Field(default_factory=list)
    abbreviations: dict[str, str] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list, description="Phrases removed from names (departments).")
    siteLabels: list[str] = Field(default_factory=list)
    cityAliases: dict[str, list[str]] = Field(default_factory=dict)
    nicknames: dict[str, list[str]] = Field(
        default_factory=dict, description="Given name → its nicknames (added to the built-in table)."
    )


class ProductsSpec(StrictModel):
    xref: str = Field(description="Every domain record → enterprise id (runs the resolution).")
    master: str | None = Field(None, description="One golden record per enterprise id.")
    profile: str | None = Field(None, description="The holistic profile per enterprise id.")


class EntitySpec(StrictModel):
    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Entity"]
    name: str = Field(pattern=SNAKE_CASE)
    title: str | None = None
    description: str | None = None
    owner: str | None = None
    stewards: list[str] = Field(
        default_factory=list, description="Who confirms or rejects uncertain matches."
    )
    idPrefix: str = Field(pattern=r"^[A-Z][A-Z0-9]*-$", description="Enterprise ids are this + a number.")
    attributes: list[AttributeSpec]
    sources: list[SourceSpec]
    links: list[LinkSpec] = Field(default_factory=list)
    matching: MatchingSpec
    vocabulary: VocabularySpec = Field(default_factory=VocabularySpec)
    products: ProductsSpec

    def attribute(self, name: str) -> AttributeSpec | None:
        return next((a for a in self.attributes if a.name == name), None)


# --- resolved ------------------------------------------------------------------------------


@dataclass
class EntitySource:
    """A source resolved to the output port it reads."""

    product_id: str
    port: OutputPort
    spec: SourceSpec

    @property
    def name(self) -> str:
        """The source's name in xref rows and evidence: its product id."""
        return self.product_id


@dataclass
class EntityLink:
    product_id: str
    port: OutputPort
    spec: LinkSpec


@dataclass
class Entity:
    name: str
    file: Path
    spec: EntitySpec
    sources: list[EntitySource] = field(default_factory=list)
    links: list[EntityLink] = field(default_factory=list)

    def source(self, product_id: str) -> EntitySource | None:
        return next((s for s in self.sources if s.product_id == product_id), None)

    @property
    def products(self) -> list[str]:
        """The enterprise products publishing this entity, in build order."""
        p = self.spec.products
        return [pid for pid in (p.xref, p.master, p.profile) if pid]


def standardiser_of(spec: EntitySpec, source: SourceSpec, attribute: str) -> str:
    """The standardiser used for ``attribute`` in ``source`` (its override, else the attribute's)."""
    column = source.column_for(attribute)
    attr = spec.attribute(attribute)
    return (column.standardise if column and column.standardise else None) or (
        attr.standardise if attr else "text"
    )


def matching_columns(spec: EntitySpec) -> set[str]:
    """Every column a blocking rule or comparison may name: attributes and their derived columns."""
    names: set[str] = set()
    for attr in spec.attributes:
        stds = {attr.standardise} | {
            c.standardise for s in spec.sources if (c := s.column_for(attr.name)) and c.standardise
        }
        for std in stds:
            if std in STANDARDISERS:
                names.update(output_columns(attr.name, std))
    return names


@dataclass
class EntitySpecs:
    """Parsed (valid) Entity specs handed over by the loader."""

    entities: list[tuple[YamlDocument, EntitySpec]] = field(default_factory=list)


def resolve_entities(mesh: Mesh, specs: EntitySpecs, problems: list[SpecProblem]) -> None:
    """Check every reference of the Entity specs; fill ``mesh.entities``."""
    users = {m.username for m in mesh.spec.team} | {
        m.username for d in mesh.domains.values() for m in d.spec.team
    }
    for doc, spec in specs.entities:
        if spec.name in mesh.entities:
            problems.append(doc.problem(("name",), f"entity `{spec.name}` is already declared"))
            continue
        before = len(problems)
        entity = Entity(spec.name, doc.file, spec)
        for key, username in [("owner", spec.owner), *(("stewards", s) for s in spec.stewards)]:
            if username and username not in users:
                path: PathKey = (key,) if key == "owner" else ("stewards", spec.stewards.index(username))
                problems.append(
                    doc.problem(
                        path,
                        f"`{username}` is not a member of the mesh's or a domain's team",
                        hint_for(username, users, "members"),
                        code="owner",
                    )
                )
        _attributes(doc, spec, problems)
        for index, source in enumerate(spec.sources):
            resolved = _source(mesh, doc, spec, index, source, problems)
            if resolved is not None:
                entity.sources.append(resolved)
        for index, link in enumerate(spec.links):
            resolved_link = _link(mesh, doc, spec, index, link, problems)
            if resolved_link is not None:
                entity.links.append(resolved_link)
        _matching(doc, spec, problems)
        _products(mesh, doc, spec, problems)
        if len(problems) == before:
            mesh.entities[spec.name] = entity


def _attributes(doc: YamlDocument, spec: EntitySpec, problems: list[SpecProblem]) -> None:
    seen: set[str] = set()
    for index, attr in enumerate(spec.attributes):
        if attr.name in seen:
            problems.append(
                doc.problem(("attributes", index, "name"), f"attribute `{attr.name}` is declared twice")
            )
        seen.add(attr.name)
        if attr.standardise not in STANDARDISERS:
            problems.append(
                doc.unknown(
                    ("attributes", index, "standardise"), "standardiser", attr.standardise, STANDARDISERS
                )
            )


def _port(mesh: Mesh, product_id: str, port_name: str | None) -> tuple[OutputPort | None, str | None]:
    product = mesh.products.get(product_id)
    if product is None:
        return None, f"no product `{product_id}`"
    if not product.outputs:
        return None, f"product `{product_id}` has no output port"
    if port_name is None:
        return product.outputs[0], None
    port = next((p for p in product.outputs if p.name == port_name), None)
    return port, None if port else f"product `{product_id}` has no output port `{port_name}`"


def _column(
    doc: YamlDocument, path: PathKey, port: OutputPort, column: str, problems: list[SpecProblem]
) -> None:
    columns = [p.name or "" for p in port.contract.properties]
    if column not in columns:
        problems.append(
            doc.problem(
                path,
                f"contract `{port.contract.id}` has no column `{column}`",
                hint_for(column, columns, "columns"),
                code="reference",
            )
        )


def _source(
    mesh: Mesh,
    doc: YamlDocument,
    spec: EntitySpec,
    index: int,
    source: SourceSpec,
    problems: list[SpecProblem],
) -> EntitySource | None:
    at: PathKey = ("sources", index)
    port, why = _port(mesh, source.product, source.port)
    if port is None:
        problems.append(
            doc.problem(
                (*at, "port" if source.port and why and "port" in why else "product"),
                why or "",
                hint_for(source.product, mesh.products, "products"),
                code="reference",
            )
        )
        return None
    if [s.product for s in spec.sources].count(source.product) > 1:
        problems.append(doc.problem((*at, "product"), f"`{source.product}` is a source twice"))
    _column(doc, (*at, "record"), port, source.record, problems)
    if source.updatedAt:
        _column(doc, (*at, "updatedAt"), port, source.updatedAt, problems)
    attributes = [a.name for a in spec.attributes]
    for attribute in source.columns:
        column = source.column_for(attribute)
        assert column is not None
        where: PathKey = (*at, "columns", attribute)
        if attribute not in attributes:
            problems.append(
                doc.problem(
                    where,
                    f"`{attribute}` is not an attribute of entity `{spec.name}`",
                    hint_for(attribute, attributes, "attributes"),
                    code="reference",
                )
            )
            continue
        _column(doc, where, port, column.column, problems)
        if column.standardise and column.standardise not in STANDARDISERS:
            problems.append(
                doc.unknown((*where, "standardise"), "standardiser", column.standardise, STANDARDISERS)
            )
    return EntitySource(source.product, port, source)


def _link(
    mesh: Mesh, doc: YamlDocument, spec: EntitySpec, index: int, link: LinkSpec, problems: list[SpecProblem]
) -> EntityLink | None:
    at: PathKey = ("links", index)
    port, why = _port(mesh, link.product, link.port)
    if port is None:
        problems.append(
            doc.problem(
                (*at, "product"),
                why or "",
                hint_for(link.product, mesh.products, "products"),
                code="reference",
            )
        )
        return None
    sources = [s.product for s in spec.sources]
    if len(link.records) < 2:
        problems.append(
            doc.problem((*at, "records"), "a link names the record columns of at least two sources")
        )
    for source, column in link.records.items():
        if source not in sources:
            problems.append(
                doc.problem(
                    (*at, "records", source),
                    f"`{source}` is not a source of entity `{spec.name}`",
                    hint_for(source, sources, "sources"),
                    code="reference",
                )
            )
            continue
        _column(doc, (*at, "records", source), port, column, problems)
    return EntityLink(link.product, port, link)


def _matching(doc: YamlDocument, spec: EntitySpec, problems: list[SpecProblem]) -> None:
    known = matching_columns(spec)
    for r_index, rule in enumerate(spec.matching.blocking):
        if not rule:
            problems.append(
                doc.problem(("matching", "blocking", r_index), "an empty blocking rule pairs everything")
            )
        for c_index, column in enumerate(rule):
            if column not in known:
                problems.append(
                    doc.problem(
                        ("matching", "blocking", r_index, c_index),
                        f"`{column}` is not a standardised attribute or derived column",
                        hint_for(column, known, "columns"),
                        code="reference",
                    )
                )
    for r_index, rule in enumerate(spec.matching.training.em):
        for c_index, column in enumerate(rule):
            if column not in known:
                problems.append(
                    doc.problem(
                        ("matching", "training", "em", r_index, c_index),
                        f"`{column}` is not a standardised attribute or derived column",
                        hint_for(column, known, "columns"),
                        code="reference",
                    )
                )
    attributes = {a.name for a in spec.attributes}
    for index, comparison in enumerate(spec.matching.comparisons):
        at: PathKey = ("matching", "comparisons", index)
        method = METHODS.get(comparison.method)
        if method is None:
            problems.append(
                doc.unknown((*at, "method"), "comparison method", comparison.method, METHODS, "methods")
            )
            continue
        columns = comparison.columns
        if len(columns) != method.attributes:
            problems.append(
                doc.problem(
                    at,
                    f"method `{method.name}` compares {method.attributes} attribute(s); {len(columns)} given",
                    "use `attribute:` for one, `attributes: [...]` for several",
                )
            )
            continue
        for column in columns:
            if column not in attributes:
                problems.append(
                    doc.problem(
                        (*at, "attribute" if comparison.attribute else "attributes"),
                        f"`{column}` is not an attribute of entity `{spec.name}`",
                        hint_for(column, attributes, "attributes"),
                        code="reference",
                    )
                )
        for derived in method.derived:
            if columns and f"{columns[0]}_{derived}" not in known:
                problems.append(
                    doc.problem(
                        (*at, "method"),
                        f"method `{method.name}` needs `{columns[0]}_{derived}`, which the standardiser of "
                        f"`{columns[0]}` does not give",
                        "standardise it with a standardiser giving that column (see docs/entities.md)",
                    )
                )


def _products(mesh: Mesh, doc: YamlDocument, spec: EntitySpec, problems: list[SpecProblem]) -> None:
    for key in ("xref", "master", "profile"):
        product_id = getattr(spec.products, key)
        if product_id and product_id not in mesh.products:
            problems.append(
                doc.problem(
                    ("products", key),
                    f"no product `{product_id}`",
                    hint_for(product_id, mesh.products, "products"),
                    code="reference",
                )
            )
    xref = mesh.products.get(spec.products.xref)
    if xref is None:
        return
    read = {ref.product_id for ref in xref.inputs}
    needed = [s.product for s in spec.sources] + [link.product for link in spec.links]
    for product_id in dict.fromkeys(needed):
        if product_id in mesh.products and product_id not in read:
            # A product whose contract failed has no port left to name (its own error says why).
            outputs = mesh.products[product_id].outputs
            contract = f"`{outputs[0].contract.id}`" if outputs else f"of a port of `{product_id}`"
            problems.append(
                doc.problem(
                    ("products", "xref"),
                    f"`{xref.id}` must read `{product_id}` (a source or link of entity `{spec.name}`)",
                    f"add an input port with contractId {contract} to {xref.file}",
                    code="reference",
                )
            )
