"""Where lineage events go: a JSON-lines file (default) or an OpenLineage HTTP endpoint.

The file is written here, one event per line as the standard's JSON (what openlineage-python's
file transport wrote, without importing the client: ~0.5 s of imports on every run). The HTTP
endpoint is the client's ``HttpTransport`` (retries, auth, TLS), imported only when a mesh
sends there. The client's switch still applies: ``OPENLINEAGE_DISABLED=true`` turns emission
off. Lineage never fails a run: when the endpoint refuses an event, the events not delivered
are kept in ``<workspace>/lineage/unsent.jsonl`` and the delivery report says why.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from andmesh.errors import UsageError
from andmesh.spec.models import LineageSpec

EVENTS_FILE = Path("lineage") / "events.jsonl"
UNSENT_FILE = Path("lineage") / "unsent.jsonl"


class LineageDelivery(BaseModel):
    """What happened to one run's lineage events."""

    transport: str = Field(description="file, http or none", examples=["file"])
    target: str | None = Field(None, description="The events file, or the URL events were POSTed to.")
    events: int = 0
    sent: int = 0
    seconds: float = 0.0
    errors: list[str] = Field(default_factory=list)
    unsent_file: str | None = Field(None, description="Where events that could not be sent were kept.")


def events_file(spec: LineageSpec | None, workspace_root: Path) -> Path:
    """The JSON-lines file of the file transport: ``path`` (relative to the workspace) or the default."""
    path = Path(spec.path) if spec is not None and spec.path else EVENTS_FILE
    return path if path.is_absolute() else workspace_root / path


class Transport(Protocol):
    """Sends one event (the standard's JSON); raises when it is refused."""

    kind: str

    def emit(self, event: Mapping[str, Any]) -> None: ...


class FileTransport:
    """Appends each event as one line of JSON (keys sorted, as openlineage-python writes them)."""

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def emit(self, event: Mapping[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(_line(event))


class HttpTransport:
    """openlineage-python's HTTP transport, given the event as JSON."""

    kind = "http"

    def __init__(self, url: str, endpoint: str, timeout: float, api_key: str | None) -> None:
        # Imported here: the client loads requests, httpx and every transport it has.
        from openlineage.client.transport.http import (
            ApiKeyTokenProvider,
            HttpConfig,
            TokenProvider,
        )
        from openlineage.client.transport.http import HttpTransport as Client

        auth = ApiKeyTokenProvider({"apiKey": api_key}) if api_key else TokenProvider({})
        self._client = Client(HttpConfig(url=url, endpoint=endpoint, timeout=timeout, auth=auth))

    def emit(self, event: Mapping[str, Any]) -> None:
        self._client.emit(dict(event))  # type: ignore[arg-type]  # its serializer takes JSON objects too


def _line(event: Mapping[str, Any]) -> str:
    return json.dumps(event, sort_keys=True) + "\n"


def make_transport(
    spec: LineageSpec | None, workspace_root: Path, environ: Mapping[str, str] | None = None
) -> tuple[Transport | None, str | None]:
    """The transport ``spec`` asks for, and where it sends (None, None for ``transport: none``)."""
    spec = spec or LineageSpec()
    env = os.environ if environ is None else environ
    if spec.transport == "none":
        return None, None
    if spec.transport == "file":
        path = events_file(spec, workspace_root)
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileTransport(path), str(path)
    assert spec.url is not None  # the spec refuses `http` without `url`
    key = None
    if spec.apiKeyEnv:
        key = env.get(spec.apiKeyEnv)
        if not key:
            raise UsageError(
                f"lineage: the environment variable {spec.apiKeyEnv} (apiKeyEnv in mesh.yaml) is not set",
                hint=f"export {spec.apiKeyEnv}=<the API key of {spec.url}>",
            )
    target = spec.url.rstrip("/") + "/" + spec.endpoint.lstrip("/")
    return HttpTransport(spec.url, spec.endpoint, spec.timeout, key), target


def _disabled() -> bool:
    # The switch openlineage-python's client honours (it then sends nothing and says so).
    return os.environ.get("OPENLINEAGE_DISABLED", "").lower().strip() == "true"


def deliver(
    events: Sequence[Mapping[str, Any]], transport: Transport | None, target: str | None, workspace_root: Path
) -> LineageDelivery:
    """Send ``events`` in order; stop at the first refusal and keep the rest in ``unsent.jsonl``."""
    clock = time.perf_counter()
    report = LineageDelivery(
        transport=transport.kind if transport else "none", target=target, events=len(events)
    )
    if transport is None:
        return report
    if _disabled():
        report.sent = len(events)
        return report
    for index, event in enumerate(events):
        try:
            transport.emit(event)
        except Exception as exc:  # a lineage backend being down must never fail the run
            report.errors.append(f"event {index + 1} of {len(events)} ({_what(event)}) not sent: {exc}")
            report.unsent_file = str(_spool(events[index:], workspace_root))
            break
        report.sent += 1
    report.seconds = round(time.perf_counter() - clock, 3)
    return report


def _what(event: Mapping[str, Any]) -> str:
    job = event.get("job", {})
    return f"{event.get('eventType') or 'event'} {job.get('namespace')}/{job.get('name')}"


def _spool(events: Sequence[Mapping[str, Any]], workspace_root: Path) -> Path:
    path = workspace_root / UNSENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for event in events:
            handle.write(_line(event))
    return path
