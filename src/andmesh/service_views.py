"""What the service shows of the enterprise specs: value chains, requirements, a use case with its
KPIs and blocking gaps, and the policies with their latest recorded results.

Pure assembly over what the facade already computes (the mesh, the gap report, the ranking, the
KPIs, the store's policy results): the facade wires, these functions put the pieces together, the
API returns them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

# Imported by the service only (never by a command's start-up): the result models it composes.
from andmesh.enterprise.gaps import Gap, GapReport, RequirementStatus
from andmesh.enterprise.kpis import KpiResult
from andmesh.enterprise.priority import PriorityReport, UseCasePriority
from andmesh.governance.policies.results import DomainCompliance, PolicyResult

if TYPE_CHECKING:
    import sqlalchemy as sa

    from andmesh.spec.mesh import Mesh


class StageView(BaseModel):
    name: str
    title: str | None = None
    domain: str = Field(description="The domain that runs the stage.")
    owner: str | None = Field(None, description="The domain's owner.")
    products: list[str] = Field(description="The domain's products.")


class HandoffView(BaseModel):
    from_stage: str
    to_stage: str
    description: str | None = None
    needs: list[str] = Field(description="Requirement ids the receiving stage needs.")
    open_gaps: list[str] = Field(description="Those of `needs` that have a gap now.")


class ValueChainView(BaseModel):
    name: str
    title: str | None = None
    description: str | None = None
    owner: str | None = None
    file: str
    stages: list[StageView]
    handoffs: list[HandoffView]


class RequirementView(BaseModel):
    id: str = Field(examples=["order_management.orders.requested_delivery_date"])
    entity: str
    domain: str
    product: str
    table_id: str
    attribute: str
    new_attribute: bool
    standard: dict[str, Any] = Field(description="What the published attribute must meet.")
    rationale: str | None = None
    use_cases: list[str]
    lifecycle: str = Field(description="proposed, accepted, implemented or verified (the spec's status).")
    history: list[dict[str, Any]] = Field(default_factory=list)
    file: str
    status: RequirementStatus | None = Field(
        None, description="Promised, captured and fit, measured on the published data."
    )
    gaps: list[Gap] = Field(default_factory=list, description="Its gaps now (empty: met).")


class UseCaseDetail(BaseModel):
    name: str
    title: str | None = None
    owner: str | None = None
    value_chain: str | None = None
    business_initiative: str
    hypothesis: str
    stakeholders: list[str]
    decisions: list[str]
    predictions: list[str]
    priority: UseCasePriority = Field(description="Its place in the prioritization matrix.")
    requirements: list[str]
    blocking_gaps: list[Gap] = Field(
        description="Gaps of its requirements: what stands between it and the data."
    )
    kpis: list[KpiResult] = Field(
        description="Its KPIs on the published data (not computable where a gap blocks)."
    )


class PolicyInfo(BaseModel):
    name: str
    description: str | None = None
    severity: str = Field(description="block (holds a product back) or warn.")
    enabled: bool
    rule: str = Field(description="`builtin:<name>`, `python:<file>:<function>` or `sql`.")
    applies_to: dict[str, Any] = Field(default_factory=dict)
    file: str | None = None


class ComplianceResults(BaseModel):
    evaluated_at: dt.datetime | None = Field(None, description="When the latest recorded evaluation ran.")
    run_id: str | None = Field(
        None, description="The run that evaluated them (None: `andmesh policies check`)."
    )
    results: list[PolicyResult]
    by_domain: list[DomainCompliance]


def value_chains(mesh: Mesh, gaps: GapReport) -> list[ValueChainView]:
    """Every value chain with each stage's domain and products, and each hand-off's open gaps."""
    with_gap = {g.requirement for g in gaps.gaps}
    views = []
    for chain in mesh.value_chains.values():
        spec = chain.spec
        stages = [
            StageView(
                name=s.name,
                title=s.title,
                domain=s.domain,
                owner=mesh.domains[s.domain].spec.owner if s.domain in mesh.domains else None,
                products=sorted(p.id for p in mesh.products.values() if p.domain == s.domain),
            )
            for s in spec.stages
        ]
        handoffs = [
            HandoffView(
                from_stage=h.from_,
                to_stage=h.to,
                description=h.description,
                needs=list(h.needs),
                open_gaps=[n for n in h.needs if n in with_gap],
            )
            for h in spec.handoffs
        ]
        views.append(
            ValueChainView(
                name=chain.name,
                title=spec.title,
                description=spec.description,
                owner=spec.owner,
                file=str(chain.file),
                stages=stages,
                handoffs=handoffs,
            )
        )
    return views


def requirements(mesh: Mesh, gaps: GapReport) -> list[RequirementView]:
    """Every enterprise requirement, its spec and how the published data stands against it."""
    statuses: dict[str, RequirementStatus] = {s.id: s for s in gaps.requirements}
    views = []
    for requirement in mesh.requirements.values():
        spec = requirement.spec
        views.append(
            RequirementView(
                id=requirement.id,
                entity=spec.entity,
                domain=requirement.domain,
                product=requirement.product_id,
                table_id=requirement.port.table_id,
                attribute=requirement.attribute,
                new_attribute=spec.newAttribute,
                standard=spec.standard.model_dump(exclude_none=True),
                rationale=spec.rationale,
                use_cases=list(requirement.use_cases),
                lifecycle=spec.status,
                history=[h.model_dump(mode="json") for h in spec.history],
                file=str(requirement.file),
                status=statuses.get(requirement.id),
                gaps=[g for g in gaps.gaps if g.requirement == requirement.id],
            )
        )
    return views


def use_case(
    mesh: Mesh, name: str, ranked: PriorityReport, gaps: GapReport, kpis: list[KpiResult]
) -> UseCaseDetail:
    """One use case: its canvas, its place in the matrix, the gaps blocking it, its KPIs."""
    found = mesh.use_cases[name]
    spec = found.spec
    return UseCaseDetail(
        name=name,
        title=spec.title,
        owner=spec.owner,
        value_chain=spec.valueChain,
        business_initiative=spec.businessInitiative,
        hypothesis=spec.hypothesis,
        stakeholders=list(spec.stakeholders),
        decisions=list(spec.decisions),
        predictions=list(spec.predictions),
        priority=next(u for u in ranked.use_cases if u.name == name),
        requirements=sorted(found.requirements),
        blocking_gaps=[
            g for g in gaps.gaps if name in g.blocks_use_cases or g.requirement in found.requirements
        ],
        kpis=kpis,
    )


def policies(mesh: Mesh) -> list[PolicyInfo]:
    """The mesh's policies as declared (`governance/policies/`)."""
    infos = []
    for policy in mesh.policies.values():
        spec = policy.spec
        if spec.builtin:
            rule = f"builtin:{spec.builtin}"
        elif spec.python:
            rule = f"python:{spec.python}"
        else:
            rule = "sql"
        infos.append(
            PolicyInfo(
                name=policy.name,
                description=spec.description,
                severity=spec.severity,
                enabled=spec.enabled,
                rule=rule,
                applies_to=spec.appliesTo.model_dump(exclude_none=True, exclude_defaults=True),
                file=str(policy.file) if policy.file else None,
            )
        )
    return infos


def latest_compliance(engine: sa.Engine) -> ComplianceResults:
    """The results of the latest recorded policy evaluation (a run's, or `andmesh policies check`)."""
    import sqlalchemy as sa

    from andmesh.governance.policies.results import compliance_by_domain
    from andmesh.store.reading import reading
    from andmesh.store.schema import policy_results as table

    with reading(engine) as c:
        latest = c.execute(sa.select(sa.func.max(table.c.evaluated_at))).scalar()
        if latest is None:
            return ComplianceResults(results=[], by_domain=[])
        rows = (
            c.execute(sa.select(table).where(table.c.evaluated_at == latest).order_by(table.c.id))
            .mappings()
            .all()
        )
    results = [
        PolicyResult(
            policy=r["policy"],
            severity=r["severity"],
            product_id=r["product_id"],
            domain=r["domain"],
            status=r["status"],
            messages=list(r["messages"] or []),
        )
        for r in rows
    ]
    when = latest if latest.tzinfo else latest.replace(tzinfo=dt.UTC)
    return ComplianceResults(
        evaluated_at=when,
        run_id=rows[0]["run_id"] if rows else None,
        results=results,
        by_domain=compliance_by_domain(results),
    )


class ScoreDetail(BaseModel):
    name: str
    versions: list[dict[str, Any]] = Field(
        description="Every version: approval, served or shadow, its last run."
    )
    served_run: dict[str, Any] | None = Field(
        None, description="The latest run of the served version (None: not run yet)."
    )
    bands: dict[str, float] = Field(
        default_factory=dict, description="Share of the scored customers in each band, in that run."
    )


# Fields of a customer's score and the column of the published scores product each comes from:
# the product's contract decides what is protected (enterprise.scores.publish writes it).
SCORE_COLUMNS = {"value": "value", "band": "band", "probability": "probability", "reasons": "top_reasons"}


def scores_port_names(entities: Iterable[str]) -> set[str]:
    """The output ports that publish the served scores: ``<entity>_scores`` per scored entity
    (``customer_scores`` in Order-to-Cash, ``vendor_scores`` in Procure-to-Pay).

    >>> sorted(scores_port_names(["vendor", "customer", "vendor"]))
    ['customer_scores', 'vendor_scores']
    """
    return {f"{entity}_scores" for entity in entities}


def score_detail(name: str, versions: list[Any], served: Any | None) -> ScoreDetail:
    """A score's versions and its served run's bands (the run's stored paths are the server's own)."""
    run = served.model_dump(mode="json", exclude={"output_path", "fit_path"}) if served else None
    bands = dict(sorted((served.baseline.get("bands") or {}).items())) if served else {}
    return ScoreDetail(
        name=name, versions=[v.model_dump(mode="json") for v in versions], served_run=run, bands=bands
    )
