"""The enterprise specs as the service shows them: value chains, requirements, one use case in
full, policies and the latest compliance results."""

from __future__ import annotations

from fastapi import APIRouter

from andmesh.api.deps import MeshPath, Reader
from andmesh.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, paginate
from andmesh.errors import NotFound
from andmesh.governance.policies.results import PolicyResult
from andmesh.service_views import (
    ComplianceResults,
    PolicyInfo,
    RequirementView,
    UseCaseDetail,
    ValueChainView,
)
from andmesh.spec.suggest import hint_for

router = APIRouter(prefix="/api/v1")


@router.get("/valuechains", response_model=Page[ValueChainView], tags=["enterprise"])
def value_chains(
    app: Reader, mesh: MeshPath, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[ValueChainView]:
    """The enterprise processes that cross domains: stages, owning domains, hand-offs and their gaps."""
    found = app.value_chains(mesh)
    return paginate(found, scope="valuechains", key=lambda c: (c.name,), cursor=cursor, limit=limit)


@router.get("/valuechains/{name}", response_model=ValueChainView, tags=["enterprise"])
def value_chain(app: Reader, mesh: MeshPath, name: str) -> ValueChainView:
    found = {c.name: c for c in app.value_chains(mesh)}
    if name not in found:
        raise NotFound(f"no value chain `{name}`", hint=hint_for(name, found, "value chains"))
    return found[name]


@router.get("/requirements", response_model=Page[RequirementView], tags=["enterprise"])
def requirements(
    app: Reader,
    mesh: MeshPath,
    domain: str | None = None,
    use_case: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[RequirementView]:
    """What the enterprise needs each domain to capture, and how the published data stands."""
    found = [
        r
        for r in app.requirements(mesh)
        if (domain is None or r.domain == domain) and (use_case is None or use_case in r.use_cases)
    ]
    return paginate(found, scope="requirements", key=lambda r: (r.id,), cursor=cursor, limit=limit)


@router.get("/requirements/{requirement_id}", response_model=RequirementView, tags=["enterprise"])
def requirement(app: Reader, mesh: MeshPath, requirement_id: str) -> RequirementView:
    found = {r.id: r for r in app.requirements(mesh)}
    if requirement_id not in found:
        raise NotFound(
            f"no requirement `{requirement_id}`", hint=hint_for(requirement_id, found, "requirements")
        )
    return found[requirement_id]


@router.get("/usecases/{name}", response_model=UseCaseDetail, tags=["enterprise"])
def use_case(app: Reader, mesh: MeshPath, name: str) -> UseCaseDetail:
    """One use case: canvas, rank in the prioritization matrix, the gaps blocking it, its KPIs."""
    detail: UseCaseDetail = app.use_case(name, path=mesh)
    return detail


@router.get("/policies", response_model=Page[PolicyInfo], tags=["governance"])
def policies(
    app: Reader, mesh: MeshPath, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[PolicyInfo]:
    """The mesh's policies as code (`governance/policies/`)."""
    return paginate(
        app.policy_list(mesh), scope="policies", key=lambda p: (p.name,), cursor=cursor, limit=limit
    )


@router.get("/compliance", response_model=ComplianceResults, tags=["governance"])
def compliance(app: Reader) -> ComplianceResults:
    """The latest recorded policy evaluation (every run records one), rolled up by domain."""
    found: ComplianceResults = app.compliance()
    return found


@router.get("/compliance/results", response_model=Page[PolicyResult], tags=["governance"])
def compliance_results(
    app: Reader,
    status: str | None = None,
    domain: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[PolicyResult]:
    """The latest evaluation's results one (policy, product) per item; `status=failed` for findings."""
    found = [
        r
        for r in app.compliance().results
        if (status is None or r.status == status) and (domain is None or r.domain == domain)
    ]
    return paginate(
        found, scope="compliance", key=lambda r: (r.policy, r.product_id), cursor=cursor, limit=limit
    )
