"""Products: list, search, show, versions, rows (masked), consumers, contract (ODCS YAML), checks, incidents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from andmesh.api.deps import MAX_ID, Facade, MeshPath, Reader
from andmesh.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode, encode, paginate
from andmesh.errors import NotFound, UsageError
from andmesh.facade import Andmesh, PortSummary, ProductDetail
from andmesh.governance.contract_change import ContractChange
from andmesh.spec.suggest import hint_for
from andmesh.store.governance import AccessRequest

if TYPE_CHECKING:
    from andmesh.spec.mesh import OutputPort

router = APIRouter(prefix="/api/v1", tags=["products"])
MAX_ROWS = 1000


class SearchHit(BaseModel):
    product_id: str
    domain: str
    owner: str | None
    description: str | None
    matched: list[str] = Field(
        description="Where the words were found: id, owner, description, column:<name>."
    )


class Rows(BaseModel):
    table_id: str
    version: int
    items: list[dict[str, Any]] = Field(description="Rows as you may see them: protected columns masked.")
    next: str | None = None
    limit: int


class Consumers(BaseModel):
    product_id: str
    downstream: list[str] = Field(description="Products of the mesh that read this one.")
    grants: list[AccessRequest] = Field(description="Access requests granted on its output port.")


def _port(app: Andmesh, product_id: str, mesh: Path | None) -> OutputPort:
    found = app.mesh(mesh).products.get(product_id)
    if found is None:
        raise NotFound(
            f"no product `{product_id}`", hint=hint_for(product_id, app.mesh(mesh).products, "products")
        )
    return found.output()


def _table_id(app: Andmesh, product_id: str, mesh: Path | None) -> str:
    return _port(app, product_id, mesh).table_id


def _contract_text(app: Andmesh, product_id: str, version: int | None, mesh: Path | None) -> str:
    port = _port(app, product_id, mesh)
    if version is None:
        return Path(port.contract.file).read_text()
    published = app.store.published_contract(port.table_id, version)
    if published is None:
        raise NotFound(
            f"{port.table_id} has no version {version} on record",
            hint=f"GET /api/v1/products/{product_id}/versions lists them",
        )
    return str(published["text"])


def _check_results(app: Andmesh, table_id: str) -> list[dict[str, Any]]:
    """The checks of the run that produced the current version, or of the latest attempt (as `status`)."""
    row = app.store.latest_product_runs().get(table_id)
    run_id = row["run_id"] if row and row["status"] not in ("up_to_date", "skipped") else None
    if run_id is None:
        current = app.warehouse.current(table_id)
        run_id = current.run_id if current else None
    return app.store.check_results(run_id, table_id) if run_id else []


@router.get("/products", response_model=Page[PortSummary])
def list_products(
    request: Request,
    app: Reader,
    mesh: MeshPath,
    domain: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[PortSummary]:
    from andmesh.web.cache import cache_of, state_key

    # The ports' state changes only with a run, a version or a spec: computed once per such state.
    every = cache_of(request.app.state).get("ports", state_key(app, mesh), app.products)
    ports = [p for p in every if domain is None or p.domain == domain]
    return paginate(ports, scope="products", key=lambda p: (p.product_id,), cursor=cursor, limit=limit)


@router.get("/products/search", response_model=Page[SearchHit])
def search_products(
    app: Reader,
    mesh: MeshPath,
    q: Annotated[
        str, Query(min_length=1, description="Words to find in ids, owners, descriptions, columns.")
    ],
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[SearchHit]:
    words = q.lower().split()
    hits = []
    for product in app.mesh(mesh).products.values():
        description = product.spec.description.purpose if product.spec.description else None
        fields = {"id": product.id, "owner": product.owner or "", "description": description or ""}
        for port in product.outputs:
            fields.update({f"column:{p.name}": p.name or "" for p in port.contract.properties})
        matched = [name for name, text in fields.items() if any(w in text.lower() for w in words)]
        if matched:
            hits.append(
                SearchHit(
                    product_id=product.id,
                    domain=product.domain,
                    owner=product.owner,
                    description=description,
                    matched=matched,
                )
            )
    return paginate(hits, scope="search", key=lambda h: (h.product_id,), cursor=cursor, limit=limit)


@router.get("/products/{product_id}", response_model=ProductDetail)
def show_product(app: Reader, product_id: str) -> ProductDetail:
    return app.product(product_id)


@router.get("/products/{product_id}/versions", response_model=Page[Any])
def product_versions(
    app: Reader, mesh: MeshPath, product_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[Any]:
    versions = app.warehouse.versions(_table_id(app, product_id, mesh))
    return paginate(versions, scope="versions", key=lambda v: (v.version,), cursor=cursor, limit=limit)


@router.get("/products/{product_id}/rows", response_model=Rows)
def product_rows(
    app: Reader,
    mesh: MeshPath,
    product_id: str,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="A published version (default: current).")
    ] = None,
    purpose: Annotated[str | None, Query(description="Why you read: kept in the reads ledger.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 100,
    cursor: Cursor = None,
) -> Rows:
    """Rows of a published version, masked by the one masking function unless you may see them."""
    table_id = _table_id(app, product_id, mesh)
    pinned = app.version(table_id, version).version
    start = 0
    if cursor:
        cursor_version, start = decode(f"rows:{table_id}", cursor)
        pinned = int(cursor_version)  # a version is immutable: the offset stays right across pages
    table = app.read(table_id, pinned, start + limit + 1, purpose=purpose, path=mesh)
    rows = table.slice(start, limit + 1).to_pylist()
    more = len(rows) > limit
    return Rows(
        table_id=table_id,
        version=pinned,
        items=jsonable_encoder(rows[:limit]),
        next=encode(f"rows:{table_id}", (pinned, start + limit)) if more else None,
        limit=limit,
    )


@router.get("/products/{product_id}/consumers", response_model=Consumers)
def product_consumers(app: Reader, mesh: MeshPath, product_id: str) -> Consumers:
    table_id = _table_id(app, product_id, mesh)
    return Consumers(
        product_id=product_id,
        downstream=app.mesh(mesh).downstream(product_id),
        grants=[r for r in app.access(mesh).requests(table_id) if r.status == "granted"],
    )


@router.get(
    "/products/{product_id}/contract",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}, "description": "The ODCS v3 contract."}},
)
def product_contract(
    app: Reader,
    mesh: MeshPath,
    product_id: str,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="The contract a version was published under.")
    ] = None,
) -> Response:
    """The product's ODCS contract: as in the mesh now, or as a published version was checked against."""
    text = _contract_text(app, product_id, version, mesh)
    return Response(text, media_type="application/yaml")


@router.get("/products/{product_id}/checks", response_model=Page[dict[str, Any]])
def product_checks(
    app: Reader, mesh: MeshPath, product_id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[dict[str, Any]]:
    """The contract's test results in the run that produced the current version (or the latest try)."""
    checks = _check_results(app, _table_id(app, product_id, mesh))
    return paginate(
        jsonable_encoder(checks), scope="checks", key=lambda c: (c["id"],), cursor=cursor, limit=limit
    )


@router.get("/incidents", response_model=Page[dict[str, Any]], tags=["products"])
def incidents(
    app: Reader, product: str | None = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[dict[str, Any]]:
    found = jsonable_encoder(app.store.incidents(product_id=product))
    return paginate(found, scope="incidents", key=lambda i: (i["id"],), cursor=cursor, limit=limit)


CONTRACT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The whole ODCS v3 contract, as YAML.",
        "content": {"application/yaml": {"schema": {"type": "string"}}},
    }
}


@router.put(
    "/products/{product_id}/contract",
    response_model=ContractChange,
    openapi_extra=CONTRACT_BODY,
    responses={201: {"model": ContractChange, "description": "A breaking change, now a council proposal."}},
)
@router.post(
    "/products/{product_id}/contract",
    response_model=ContractChange,
    openapi_extra=CONTRACT_BODY,
    responses={201: {"model": ContractChange, "description": "A breaking change, now a council proposal."}},
    include_in_schema=False,
)
async def propose_contract(
    request: Request,
    app: Facade,
    mesh: MeshPath,
    product_id: str,
    port: Annotated[str | None, Query(description="The output port (default: the product's first).")] = None,
) -> JSONResponse:
    """Propose the product's next contract (ODCS YAML in): linted like `andmesh lint` (problems with
    their lines, 422), compared with the one in force; a breaking change opens the council's
    `breaking_change` proposal (201), a compatible one needs no decision (200). Only the product's
    team or a platform admin may (403)."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError("the contract is not UTF-8 text", hint="send the ODCS YAML as UTF-8") from exc
    change = await run_in_threadpool(app.contract_propose, product_id, text, port=port, path=mesh)
    status = 201 if change.council == "proposed" else 200
    return JSONResponse(jsonable_encoder(change), status_code=status)
