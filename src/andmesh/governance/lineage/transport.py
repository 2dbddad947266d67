"""Where lineage events go: a JSON-lines file (default) or an OpenLineage HTTP endpoint.

Both are openlineage-python transports driven by its client, so the client's own
switches still apply (``OPENLINEAGE_DISABLED=true`` turns emission off). Lineage never
fails a run: when the endpoint refuses an event, the events not delivered are kept in
``<workspace>/lineage/unsent.jsonl`` and the delivery report says why.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent
from openlineage.client.serde import Serde
from openlineage.client.transport import Transport
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport, TokenProvider
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
        return FileTransport(FileConfig(log_file_path=str(path), append=True)), str(path)
    assert spec.url is not None  # the spec refuses `http` without `url`
    auth: TokenProvider = TokenProvider({})
    if spec.apiKeyEnv:
        key = env.get(spec.apiKeyEnv)
        if not key:
            raise UsageError(
                f"lineage: the environment variable {spec.apiKeyEnv} (apiKeyEnv in mesh.yaml) is not set",
                hint=f"export {spec.apiKeyEnv}=<the API key of {spec.url}>",
            )
        auth = ApiKeyTokenProvider({"apiKey": key})
    config = HttpConfig(url=spec.url, endpoint=spec.endpoint, timeout=spec.timeout, auth=auth)
    target = spec.url.rstrip("/") + "/" + spec.endpoint.lstrip("/")
    return HttpTransport(config), target


def deliver(
    events: Sequence[RunEvent], transport: Transport | None, target: str | None, workspace_root: Path
) -> LineageDelivery:
    """Send ``events`` in order; stop at the first refusal and keep the rest in ``unsent.jsonl``."""
    clock = time.perf_counter()
    report = LineageDelivery(
        transport=transport.kind if transport else "none", target=target, events=len(events)
    )
    if transport is None:
        return report
    client = OpenLineageClient(transport=transport)
    for index, event in enumerate(events):
        try:
            client.emit(event)
        except Exception as exc:  # a lineage backend being down must never fail the run
            report.errors.append(f"event {index + 1} of {len(events)} ({_what(event)}) not sent: {exc}")
            report.unsent_file = str(_spool(events[index:], workspace_root))
            break
        report.sent += 1
    client.close()
    report.seconds = round(time.perf_counter() - clock, 3)
    return report


def _what(event: RunEvent) -> str:
    state = event.eventType.value if event.eventType else "event"
    return f"{state} {event.job.namespace}/{event.job.name}"


def _spool(events: Sequence[RunEvent], workspace_root: Path) -> Path:
    path = workspace_root / UNSENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for event in events:
            handle.write(Serde.to_json(event) + "\n")
    return path
