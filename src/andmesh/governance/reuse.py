"""The reuse ledger: who uses each data asset, and which assets nobody uses.

An **asset** is a data product of the mesh: a domain's product, an enterprise master
(the products an Entity publishes: xref, master, profile — the customer master) or a
score (a product tagged ``score``). Its **uses**, each named ``<kind>:<name>``:

``product:<id>``    a product that reads it through an input port (the mesh's lineage)
``use_case:<name>`` a use case that uses it directly — see :func:`use_case_assets`
``<reader>``        whoever read a published version, as recorded in the store's ledger
                    (``user:alice``, ``tool:powerbi``; a product's build reading its inputs
                    is ``product:<id>``, the same consumer as its input port)

An asset that is published and has no use of any kind is an **orphan**: built and
never reused, flagged for the council's review (retire it, or find it a consumer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from andmesh.spec.mesh import Mesh
from andmesh.store.ledger import ReadSummary

AssetKind = Literal["product", "master", "score"]
SCORE_TAG = "score"


@dataclass(frozen=True)
class Asset:
    """A data product seen as an asset: where it is published and what it is built from."""

    id: str
    domain: str
    kind: AssetKind
    owner: str | None
    table_ids: tuple[str, ...]
    upstream: tuple[str, ...]


def mesh_assets(mesh: Mesh) -> dict[str, Asset]:
    """Every product of the mesh as an asset, with its kind."""
    masters = {pid for entity in mesh.entities.values() for pid in entity.products}
    assets = {}
    for product in mesh.products.values():
        kind: AssetKind = "product"
        if product.id in masters:
            kind = "master"
        elif SCORE_TAG in (product.spec.tags or []):
            kind = "score"
        assets[product.id] = Asset(
            id=product.id,
            domain=product.domain,
            kind=kind,
            owner=product.owner or mesh.domains[product.domain].spec.owner,
            table_ids=tuple(p.table_id for p in product.outputs),
            upstream=tuple(pid for pid in product.upstream if pid in mesh.products),
        )
    return assets


def use_case_assets(mesh: Mesh) -> dict[str, dict[str, list[str]]]:
    """What each use case uses directly: asset id → why (the requirement, KPI or rating).

    A use case uses the products its requirements name (it needs their attributes),
    the products its KPIs read (a KPI's inputs are port names), the products it
    rates in ``dataSources`` or lists in ``products``, and the enterprise products of
    the entities it names that the mesh resolves (its xref, master and profile). The products those are built from are not listed here:
    they are valued through lineage (:func:`andmesh.governance.economics.propagate_upstream`)
    and show up as used by the products that read them.
    """
    by_port = {port.name: port.product_id for port in mesh.ports()}
    used: dict[str, dict[str, list[str]]] = {}
    for name, use_case in sorted(mesh.use_cases.items()):
        reasons: dict[str, list[str]] = {}
        for requirement_id in sorted(use_case.requirements):
            requirement = mesh.requirements[requirement_id]
            reasons.setdefault(requirement.product_id, []).append(f"requirement {requirement_id}")
        for kpi in use_case.spec.kpis:
            for port in mesh.kpis[kpi].inputs if kpi in mesh.kpis else ():
                if port in by_port:
                    reasons.setdefault(by_port[port], []).append(f"KPI {kpi}")
        for product_id, rating in use_case.spec.dataSources.items():
            if product_id in mesh.products:
                reasons.setdefault(product_id, []).append(f"rated {rating}/5")
        for product_id in use_case.spec.products:
            if product_id in mesh.products:
                reasons.setdefault(product_id, []).append("named by the use case")
        for entity_name in use_case.spec.entities:
            entity = mesh.entities.get(entity_name)
            for product_id in entity.products if entity is not None else ():
                if product_id in mesh.products:
                    reasons.setdefault(product_id, []).append(f"entity {entity_name}")
        used[name] = {pid: list(dict.fromkeys(why)) for pid, why in sorted(reasons.items())}
    return used


def unknown_data_sources(mesh: Mesh) -> list[str]:
    """``dataSources`` entries that name no product of the mesh, as messages."""
    return [
        f"use case `{name}`: dataSources names `{product_id}`, which is not a product of the mesh"
        for name, use_case in sorted(mesh.use_cases.items())
        for product_id in use_case.spec.dataSources
        if product_id not in mesh.products
    ]


def upstream_closure(assets: Mapping[str, Asset], roots: list[str]) -> set[str]:
    """``roots`` and every asset they are built from, transitively."""
    seen: set[str] = set()
    frontier = [r for r in roots if r in assets]
    while frontier:
        asset = frontier.pop()
        if asset not in seen:
            seen.add(asset)
            frontier.extend(assets[asset].upstream)
    return seen


class Use(BaseModel):
    """One consumer of an asset and how it uses it."""

    consumer: str = Field(examples=["product:shipping.shipments", "use_case:reduce_dso", "user:alice"])
    kind: Literal["product", "use_case", "read"]
    domain: str | None = Field(None, description="The consumer's domain, when it has one.")
    via: list[str] = Field(
        default_factory=list, examples=[["input port orders"], ["KPI dso", "requirement …"], ["3 reads"]]
    )


class AssetUsage(BaseModel):
    """Who uses one asset."""

    asset: str = Field(examples=["order_management.orders"])
    domain: str
    kind: AssetKind
    owner: str | None
    published: bool = Field(description="At least one version is published.")
    uses: list[Use]
    use_cases: list[str] = Field(description="Use cases using it directly.")
    reached_by: list[str] = Field(
        description="Use cases that depend on it, directly or through the products built from it."
    )
    consumer_products: list[str]
    consumer_domains: list[str] = Field(description="Domains of its consumers, its own included.")
    readers: list[str] = Field(description="Consumers recorded in the read ledger.")
    reads: int = Field(description="Reads recorded in the ledger.")
    last_read_at: dt.datetime | None
    consumers: int = Field(description="Distinct consumers of every kind.")
    cross_domain: int = Field(description="Consumer domains other than its own.")
    orphan: bool = Field(description="Published, and no product, use case or reader uses it.")


class ReuseLedger(BaseModel):
    """Every asset of the mesh and who uses it; orphans listed for review."""

    mesh: str
    assets: list[AssetUsage]
    orphans: list[str] = Field(description="Assets built and never reused.")
    problems: list[str] = Field(default_factory=list)


def _domain_of(consumer: str, mesh: Mesh) -> str | None:
    kind, _, name = consumer.partition(":")
    if kind == "product" and name in mesh.products:
        return mesh.products[name].domain
    if kind == "domain":
        return name
    return None


def reuse_ledger(
    mesh: Mesh,
    reads: Mapping[str, ReadSummary] | None = None,
    published: set[str] | None = None,
) -> ReuseLedger:
    """Who uses each asset: ``reads`` by ``table_id`` (the store's ledger); ``published`` table ids.

    With ``published`` None every asset counts as published (a mesh not run yet is
    judged on its specs alone).
    """
    reads = reads or {}
    assets = mesh_assets(mesh)
    by_use_case = use_case_assets(mesh)
    reached: dict[str, list[str]] = {a: [] for a in assets}
    for name, used in by_use_case.items():
        for asset_id in sorted(upstream_closure(assets, list(used))):
            reached[asset_id].append(name)
    rows = []
    for asset in sorted(assets.values(), key=lambda a: a.id):
        uses: dict[str, Use] = {}
        for reader_id in mesh.downstream(asset.id):
            reader = mesh.products[reader_id]
            ports = [ref.name for ref in reader.inputs if ref.product_id == asset.id]
            uses[f"product:{reader_id}"] = Use(
                consumer=f"product:{reader_id}",
                kind="product",
                domain=reader.domain,
                via=[f"input port {p}" for p in ports],
            )
        for name, used in by_use_case.items():
            if asset.id in used:
                uses[f"use_case:{name}"] = Use(
                    consumer=f"use_case:{name}", kind="use_case", via=used[asset.id]
                )
        summaries = [reads[t] for t in asset.table_ids if t in reads]
        readers = sorted({c for summary in summaries for c in summary.consumers})
        for consumer in readers:
            if consumer in uses:
                uses[consumer].via.append("reads recorded")
            else:
                uses[consumer] = Use(
                    consumer=consumer, kind="read", domain=_domain_of(consumer, mesh), via=["reads recorded"]
                )
        domains = sorted({u.domain for u in uses.values() if u.domain})
        is_published = published is None or any(t in published for t in asset.table_ids)
        last = max((s.last_read_at for s in summaries if s.last_read_at), default=None)
        rows.append(
            AssetUsage(
                asset=asset.id,
                domain=asset.domain,
                kind=asset.kind,
                owner=asset.owner,
                published=is_published,
                uses=list(uses.values()),
                use_cases=sorted(n for n, used in by_use_case.items() if asset.id in used),
                reached_by=reached[asset.id],
                consumer_products=mesh.downstream(asset.id),
                consumer_domains=domains,
                readers=readers,
                reads=sum(s.reads for s in summaries),
                last_read_at=last,
                consumers=len(uses),
                cross_domain=len([d for d in domains if d != asset.domain]),
                orphan=is_published and not uses,
            )
        )
    return ReuseLedger(
        mesh=mesh.name,
        assets=rows,
        orphans=[r.asset for r in rows if r.orphan],
        problems=unknown_data_sources(mesh),
    )
