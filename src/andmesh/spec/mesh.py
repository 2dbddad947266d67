"""The resolved mesh: domains, products, ports and contracts, cross-referenced.

These objects are what every other part of andmesh works on; they are built only from
specs that passed lint (see :mod:`andmesh.spec.loader`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from open_data_contract_standard.model import OpenDataContractStandard, SchemaObject, SchemaProperty

from andmesh.errors import UsageError
from andmesh.spec.models import DataProductSpec, DomainSpec, MeshSpec, SourceSpec
from andmesh.spec.suggest import hint_for

if TYPE_CHECKING:
    from andmesh.spec.enterprise import Requirement, UseCase, ValueChain
    from andmesh.spec.entity import Entity
    from andmesh.spec.governance import Council, Policy
    from andmesh.spec.kpi import Kpi
    from andmesh.spec.members import Directory
    from andmesh.spec.score import Score, Treatment


def _empty_directory() -> Directory:
    from andmesh.spec.members import Directory

    return Directory()


@dataclass(frozen=True)
class PipelineRef:
    """How an output port is built: a SQL file, or a Python function over Ibis tables."""

    kind: str  # "sql" | "python"
    file: Path
    function: str | None = None

    def describe(self) -> str:
        return f"{self.file.name}:{self.function}" if self.function else self.file.name


@dataclass
class Contract:
    """An ODCS contract promised by one output port."""

    id: str
    file: Path
    model: OpenDataContractStandard

    @property
    def version(self) -> str:
        return self.model.version or "0.0.0"

    @property
    def schema_object(self) -> SchemaObject:
        objects = self.model.schema_ or []
        return objects[0]

    @property
    def properties(self) -> list[SchemaProperty]:
        return list(self.schema_object.properties or [])

    def property(self, name: str) -> SchemaProperty | None:
        return next((p for p in self.properties if p.name == name), None)


@dataclass
class OutputPort:
    """One published table of a product, governed by one contract."""

    name: str
    product_id: str
    domain: str
    version: str
    contract: Contract
    pipeline: PipelineRef

    @property
    def table_id(self) -> str:
        """Identifier of the port's Iceberg table: ``<domain>.<port>``."""
        return f"{self.domain}.{self.name}"


@dataclass(frozen=True)
class InputRef:
    """An input port resolved to the upstream product and port it reads."""

    name: str
    contract_id: str
    product_id: str
    port: str


@dataclass
class Product:
    """A domain-owned data product, resolved."""

    id: str
    domain: str
    name: str
    dir: Path
    file: Path
    spec: DataProductSpec
    sources: list[SourceSpec] = field(default_factory=list)
    inputs: list[InputRef] = field(default_factory=list)
    outputs: list[OutputPort] = field(default_factory=list)

    @property
    def owner(self) -> str | None:
        for member in self.spec.team or []:
            if (member.role or "").lower() == "owner":
                return member.username
        return None

    @property
    def upstream(self) -> list[str]:
        return sorted({ref.product_id for ref in self.inputs})

    def output(self, name: str | None = None) -> OutputPort:
        port = next((p for p in self.outputs if name is None or p.name == name), None)
        if port is None:
            ports = [p.name for p in self.outputs]
            raise UsageError(
                f"product `{self.id}` has no output port `{name}`"
                if name
                else f"`{self.id}` has no output port",
                hint=hint_for(name or "", ports, "ports"),
            )
        return port


@dataclass
class Domain:
    name: str
    file: Path
    spec: DomainSpec


@dataclass
class Mesh:
    """A loaded, cross-referenced mesh."""

    root: Path
    file: Path
    spec: MeshSpec
    domains: dict[str, Domain] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    # The enterprise's specs (see andmesh.spec.enterprise), resolved against the domains.
    value_chains: dict[str, ValueChain] = field(default_factory=dict)
    use_cases: dict[str, UseCase] = field(default_factory=dict)
    requirements: dict[str, Requirement] = field(default_factory=dict)
    # Key business entities and how to resolve them (see andmesh.spec.entity).
    entities: dict[str, Entity] = field(default_factory=dict)
    # The governance council and its policies (see andmesh.spec.governance).
    council: Council | None = None
    policies: dict[str, Policy] = field(default_factory=dict)
    # Enterprise scores by `name@version`, and treatments (see andmesh.spec.score).
    scores: dict[str, Score] = field(default_factory=dict)
    treatments: dict[str, Treatment] = field(default_factory=dict)
    # KPIs declared as specs (see andmesh.spec.kpi), checked against the contracts.
    kpis: dict[str, Kpi] = field(default_factory=dict)
    # People and service accounts, from governance/members.yaml and every spec that names one.
    directory: Directory = field(default_factory=lambda: _empty_directory())

    @property
    def name(self) -> str:
        return self.spec.name

    def ports(self) -> list[OutputPort]:
        return [port for product in self.products.values() for port in product.outputs]

    def port_by_contract(self, contract_id: str) -> OutputPort | None:
        return next((p for p in self.ports() if p.contract.id == contract_id), None)

    def downstream(self, product_id: str) -> list[str]:
        return sorted(p.id for p in self.products.values() if product_id in p.upstream)
