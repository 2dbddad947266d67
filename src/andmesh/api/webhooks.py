"""Outbound webhooks: the admin API for subscriptions and the dispatcher thread that sends events.

Every request is a POST of the event as JSON with these headers:

- ``X-Andmesh-Event``: the event type (``access.approved``…), ``X-Andmesh-Delivery``: the event id
  (the same on every retry: a receiver drops an id it has already handled);
- ``X-Andmesh-Timestamp``: Unix seconds when this attempt was signed;
- ``X-Andmesh-Signature: sha256=<hex>``: HMAC-SHA256 under the subscription's secret of
  ``<timestamp>.<body>`` (the timestamp's decimal digits, a dot, the raw body bytes).

A receiver recomputes the HMAC over the bytes it received, compares in constant time and refuses
a timestamp more than :data:`REPLAY_WINDOW` seconds from its clock (a captured request cannot be
replayed later). A 2xx answer delivers the event; anything else (or no answer in
:data:`TIMEOUT` s) is retried with exponential backoff, :data:`MAX_ATTEMPTS` attempts in all.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from andmesh.api.deps import Facade, MeshPath, RowId
from andmesh.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, paginate
from andmesh.api.polling import PollingThread
from andmesh.errors import NotFound, UsageError
from andmesh.store.webhooks import EVENT_TYPES, Delivery, NewSubscription, Subscription, WebhookStore

if TYPE_CHECKING:
    from andmesh.facade import Andmesh
    from andmesh.store.webhooks import GapSignature

log = logging.getLogger("andmesh.api.webhooks")

REPLAY_WINDOW = 300
TIMEOUT = 5.0
MAX_ATTEMPTS = 8
ALLOW_HTTP_ENV = "ANDMESH_WEBHOOK_ALLOW_HTTP"

router = APIRouter(prefix="/api/v1", tags=["webhooks"])


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Andmesh-Signature`` value of ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None) -> bool:
    """What a receiver does (in Python): the signature matches and the timestamp is recent."""
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > REPLAY_WINDOW:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


def backoff(attempt: int, base: float) -> float:
    """Seconds before the next attempt after ``attempt`` failed ones (base, 2·base, 4·base… at most an hour)."""
    return float(min(base * 2 ** (attempt - 1), 3600.0))


def check_target(url: str) -> str:
    """A URL deliveries may go to: https, or http on a loopback address (or anywhere, if configured)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"webhook URL {url!r} is not an http(s) URL", hint="give https://host/path")
    if parts.username or parts.password:
        raise UsageError(
            "a webhook URL must not hold credentials", hint="the signature authenticates andmesh"
        )
    if parts.scheme == "http" and not _loopback(host) and os.environ.get(ALLOW_HTTP_ENV) != "1":
        raise UsageError(
            f"webhook URL {url!r} is plain http to another host: events would travel in clear",
            hint=f"use https, or set {ALLOW_HTTP_ENV}=1 on the server for a trusted network",
        )
    return url


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- the admin API --------------------------------------------------------------------------


class SubscriptionIn(BaseModel):
    url: str = Field(description="Where events are POSTed: https, or http on loopback.")
    events: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Event types (`*` all, `access.*` a family): " + ", ".join(EVENT_TYPES) + ".",
    )
    description: str | None = None


def _store(app: Andmesh) -> WebhookStore:
    return WebhookStore(app.store.engine, app.workspace.root)


def _admin(app: Andmesh, mesh: MeshPath) -> WebhookStore:
    app.authorize("workspace.admin", path=mesh)
    return _store(app)


@router.post("/webhooks", response_model=NewSubscription, status_code=201)
def create(app: Facade, mesh: MeshPath, body: SubscriptionIn) -> NewSubscription:
    """Subscribe a receiver (platform admins). The answer holds the signing secret, shown this once."""
    store = _admin(app, mesh)
    families = {t.split(".")[0] for t in EVENT_TYPES}
    for pattern in body.events:
        if pattern != "*" and pattern not in EVENT_TYPES and pattern.removesuffix(".*") not in families:
            raise UsageError(f"no event type {pattern!r}", hint="one of: *, " + ", ".join(EVENT_TYPES))
    if not body.events:
        raise UsageError("a subscription needs at least one event type", hint='send "events": ["*"]')
    created = store.create(check_target(body.url), body.events, app.principal(mesh).actor, body.description)
    app.governance.audit(
        app.principal(mesh).actor, "webhook.created", f"webhook:{created.id}", {"url": body.url}
    )
    return created


@router.get("/webhooks", response_model=Page[Subscription])
def subscriptions(
    app: Facade, mesh: MeshPath, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[Subscription]:
    found = _admin(app, mesh).subscriptions()
    return paginate(found, scope="webhooks", key=lambda s: (s.id,), cursor=cursor, limit=limit)


@router.delete("/webhooks/{subscription_id}", status_code=204)
def delete(app: Facade, mesh: MeshPath, subscription_id: RowId) -> Response:
    if not _admin(app, mesh).delete(subscription_id):
        raise NotFound(f"no webhook #{subscription_id}", hint="GET /api/v1/webhooks lists them")
    app.governance.audit(app.principal(mesh).actor, "webhook.deleted", f"webhook:{subscription_id}")
    return Response(status_code=204)


@router.get("/webhooks/{subscription_id}/deliveries", response_model=Page[Delivery])
def delivery_log(
    app: Facade, mesh: MeshPath, subscription_id: RowId, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[Delivery]:
    """Every event sent (or being retried) to this receiver: attempts, last status and error."""
    store = _admin(app, mesh)
    if not store.subscriptions(ids=[subscription_id]):
        raise NotFound(f"no webhook #{subscription_id}", hint="GET /api/v1/webhooks lists them")
    found = store.deliveries(subscription_id)
    return paginate(found, scope="deliveries", key=lambda d: (d.id,), cursor=cursor, limit=limit)


# --- the dispatcher -------------------------------------------------------------------------


def gap_signature(facade: Andmesh) -> GapSignature:
    """The open gaps of the served mesh as {requirement: level/lifecycle} (what `gap.changed` compares)."""

    def signature() -> dict[str, str]:
        try:
            report = facade.gaps()
        except Exception:  # a mesh without enterprise specs, or not runnable now: no gap events
            log.debug("gap analysis for webhooks failed", exc_info=True)
            return {}
        return {g.requirement: f"{g.level}/{g.lifecycle}" for g in report.gaps}

    return signature


class Dispatcher(PollingThread):
    """Collects events and sends due deliveries on its own thread (never in a web request)."""

    thread_name = "andmesh-webhooks"

    def __init__(
        self,
        store: WebhookStore,
        *,
        gaps: GapSignature | None = None,
        poll: float = 1.0,
        retry_base: float = 10.0,
        max_attempts: int = MAX_ATTEMPTS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.gaps = gaps
        super().__init__(poll, log)
        self.retry_base = retry_base
        self.max_attempts = max_attempts
        self.clock = clock
        self.name = f"webhooks:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)

    def round(self) -> bool:
        self.tick()
        return False  # deliveries wait for their due time: poll, never spin

    def tick(self) -> int:
        """One round: collect new events, then send what is due. Returns the attempts made."""
        self.store.collect(self.gaps)
        due = self.store.claim(self.name)
        if not due:
            return 0
        import httpx

        with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:
            for delivery in due:
                self._send(client, delivery)
        return len(due)

    def _send(self, client: object, delivery: Delivery) -> None:
        import httpx

        assert isinstance(client, httpx.Client)
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
        stamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "andmesh-webhooks/1",
            "X-Andmesh-Event": delivery.event_type,
            "X-Andmesh-Delivery": delivery.event_id,
            "X-Andmesh-Timestamp": str(stamp),
            "X-Andmesh-Signature": sign(self.store.secret(delivery.subscription_id), stamp, body),
        }
        status: int | None = None
        error: str | None = None
        try:
            url = check_target(self.store.url(delivery.subscription_id))
            answer = client.post(url, content=body, headers=headers)
            status = answer.status_code
            if not 200 <= status < 300:
                error = f"the receiver answered {status}"
        except UsageError as exc:
            error = str(exc)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        attempt = delivery.attempts + 1
        ok = error is None
        retry = None if ok or attempt >= self.max_attempts else backoff(attempt, self.retry_base)
        self.store.record(delivery.id, ok=ok, status=status, error=error, retry_in=retry)
