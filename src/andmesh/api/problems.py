"""The one place where andmesh's errors become HTTP statuses, as problem+json bodies.

A body says what went wrong (``detail``), where (``where``: the product, file, check or the
permission needed) and how to fix it (``fix``); never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from andmesh.errors import (
    AndmeshError,
    ContractViolation,
    DataFileError,
    DiskFull,
    EngineError,
    NotFound,
    NotPermitted,
    ReadOnlyWorkspace,
    SpecError,
    StorageError,
    UsageError,
    WorkspaceFault,
)

PROBLEM = "application/problem+json"
log = logging.getLogger("andmesh.api")

# Most specific first: the first class an error is an instance of decides its status.
STATUS: tuple[tuple[type[AndmeshError], int], ...] = (
    (NotFound, 404),
    (SpecError, 422),
    (UsageError, 422),
    (DataFileError, 422),
    (NotPermitted, 403),
    (ContractViolation, 409),
    (DiskFull, 507),
    (ReadOnlyWorkspace, 503),
    (WorkspaceFault, 503),
    (StorageError, 500),
    (EngineError, 500),
)


class Unauthenticated(NotPermitted):
    """No credentials, or credentials that name no one: 401, not 403."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, action="authenticate", hint=hint)


def status_of(error: AndmeshError) -> int:
    if isinstance(error, NotPermitted) and error.action == "authenticate":
        return 401
    return next((status for kind, status in STATUS if isinstance(error, kind)), 500)


def _slug(error: BaseException) -> str:
    name = type(error).__name__
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def _where(error: AndmeshError) -> dict[str, Any] | None:
    if isinstance(error, SpecError):
        return {"problems": [p.as_dict() for p in error.problems]}
    if isinstance(error, NotPermitted):
        return {"action": error.action, "needed": error.needed, "holders": error.holders}
    if isinstance(error, EngineError | ContractViolation) and error.product:
        return {"product": error.product}
    if isinstance(error, DataFileError) and error.file:
        return {"file": error.file}
    return None


def problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    *,
    fix: str | None = None,
    where: Any = None,
    kind: str = "error",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:andmesh:error:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if where is not None:
        body["where"] = where
    if fix:
        body["fix"] = fix
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


async def _andmesh_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AndmeshError)
    status = status_of(error)
    headers = {"WWW-Authenticate": 'Bearer realm="andmesh"'} if status == 401 else None
    return problem(
        status,
        type(error).__name__,
        error.message,
        request,
        fix=error.hint,
        where=_where(error),
        kind=_slug(error),
        headers=headers,
    )


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in error.errors()
    ]
    first = problems[0] if problems else {"where": "request", "message": "invalid"}
    return problem(
        422,
        "InvalidRequest",
        f"{first['where']}: {first['message']}"
        + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
        request,
        fix="see the operation's parameters and body in /api/v1/openapi.json",
        where={"problems": problems},
        kind="invalid-request",
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    fix = "the endpoints are listed at /api/v1/docs" if error.status_code in (404, 405) else None
    return problem(
        error.status_code,
        "NotFound" if error.status_code == 404 else "HTTPError",
        str(error.detail),
        request,
        fix=fix,
        kind="http",
        headers=dict(error.headers) if error.headers else None,
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # A bug, not bad input: logged with its traceback on the server, one line to the client.
    log.exception("internal error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "InternalError",
        f"internal error: {type(error).__name__} (this is a bug; the server's log has the traceback)",
        request,
        kind="internal",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(AndmeshError, _andmesh_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
