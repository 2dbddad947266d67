"""The command line talking to an andmesh server (``--server URL`` / ``$ANDMESH_SERVER``).

Governance actions (access requests and decisions, council votes, ``whoami``) then go to the
server's REST API as the member ``$ANDMESH_TOKEN`` names — an andmesh API token or a JWT of the
server's identity provider — instead of to a local workspace. The server decides and records;
its problem+json errors become the same messages and exit codes as local ones: 401/403 → 3,
404/422 → 2. httpx is imported only when a command uses the server (start-up stays fast).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from andmesh.errors import AndmeshError, NotFound, NotPermitted, UsageError

if TYPE_CHECKING:
    import typer

    from andmesh.governance.council import Tally
    from andmesh.security.principal import Principal
    from andmesh.store.governance import AccessRequest, Proposal

SERVER_ENV = "ANDMESH_SERVER"
TOKEN_ENV = "ANDMESH_TOKEN"
META_KEY = "andmesh.server"
API = "/api/v1"


class ServerError(AndmeshError):
    """The server failed on its side (5xx) or answered something that is not andmesh's API."""

    exit_code = 2


class Remote:
    """One andmesh server, called as the member the token names."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 30.0) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UsageError(
                f"`{url}` is not a server URL", hint="for example --server https://andmesh.example.org"
            )
        host = parsed.hostname or ""
        if parsed.scheme == "http" and not (host in ("localhost", "::1") or host.startswith("127.")):
            raise UsageError(
                f"`{url}` is plain http to another machine: the token would travel in clear",
                hint="use the server's https URL (plain http only to this machine)",
            )
        if not token:
            raise NotPermitted(
                f"talking to {url} needs a token in ${TOKEN_ENV}",
                action="authenticate",
                hint="create one on the server's side with `andmesh tokens create`, then export it",
            )
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        import httpx

        try:
            response = httpx.request(
                method,
                f"{self.url}{API}{path}",
                json=body,
                headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise UsageError(
                f"cannot reach the andmesh server at {self.url}: {exc}",
                hint=f"check --server / ${SERVER_ENV} and that `andmesh serve` runs there",
            ) from exc
        if response.status_code >= 400:
            raise error_of(response.status_code, _json(response), self.url)
        return _json(response)

    def whoami(self) -> Principal:
        from andmesh.security.principal import Principal

        return Principal.model_validate(self.call("GET", "/whoami"))

    def access_request(
        self, table_id: str, consumer: str | None, purpose: str, kind: str | None
    ) -> AccessRequest:
        from andmesh.store.governance import AccessRequest

        body = {"table_id": table_id, "purpose": purpose, "consumer": consumer, "kind": kind}
        return AccessRequest.model_validate(self.call("POST", "/access/requests", body))

    def access_decide(self, request_id: int, decision: str, days: int | None = None) -> AccessRequest:
        from andmesh.store.governance import AccessRequest

        body = {"days": days} if decision == "approve" else None
        return AccessRequest.model_validate(
            self.call("POST", f"/access/requests/{request_id}/{decision}", body)
        )

    def vote(self, proposal: int, decision: str, comment: str | None) -> tuple[Proposal, Tally]:
        from andmesh.governance.council import Tally
        from andmesh.store.governance import Proposal

        answer = self.call(
            "POST", f"/council/proposals/{proposal}/votes", {"decision": decision, "comment": comment}
        )
        return Proposal.model_validate(answer["proposal"]), Tally.model_validate(answer["tally"])


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def error_of(status: int, problem: Any, url: str) -> AndmeshError:
    """The andmesh error a problem+json answer stands for, with the server's message and fix.

    >>> e = error_of(403, {"detail": "not permitted: access.decide", "fix": "act as the owner"}, "http://s")
    >>> type(e).__name__, e.exit_code, e.hint
    ('NotPermitted', 3, 'act as the owner')
    >>> error_of(404, {"detail": "no request #9"}, "http://s").exit_code, error_of(502, None, "http://s").exit_code
    (2, 2)
    """
    problem = problem if isinstance(problem, dict) else {}
    detail = str(problem.get("detail") or f"the server at {url} answered HTTP {status}")
    hint = problem.get("fix") if isinstance(problem.get("fix"), str) else None
    if status in (401, 403):
        where = problem.get("where") if isinstance(problem.get("where"), dict) else {}
        action = str(where.get("action") or ("authenticate" if status == 401 else "act"))
        return NotPermitted(detail, action=action, hint=hint)
    if status == 404:
        return NotFound(detail, hint=hint)
    if status in (400, 409, 422):
        return UsageError(detail, hint=hint)
    return ServerError(f"the server at {url} failed: {detail}", hint=hint or "see the server's log")


def remote_of(ctx: typer.Context) -> Remote | None:
    """The server the command talks to, or None to act on the local workspace."""
    url = ctx.meta.get(META_KEY)
    return Remote(url, os.environ.get(TOKEN_ENV)) if url else None
