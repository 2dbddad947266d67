"""`andmesh serve`: the REST API (and its run worker) on this workspace."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from andmesh.cli.output import console, handled
from andmesh.errors import UsageError

if TYPE_CHECKING:
    from andmesh.facade import Andmesh


def is_loopback(host: str) -> bool:
    """
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback unless --allow-remote).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    mesh: Annotated[
        Path | None, typer.Option("--mesh", help="Mesh folder (default: the one this workspace last ran).")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="Sources of the runs the API queues (default: the mesh's dataRoot).")
    ] = None,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Listen on a non-loopback address (put TLS in front: tokens travel in headers).",
        ),
    ] = False,
    worker: Annotated[bool, typer.Option(help="Run queued runs in this server (a worker thread).")] = True,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=32,
            help="Processes answering requests (more use more cores); the run worker and the "
            "webhooks run in one of them.",
        ),
    ] = 1,
) -> None:
    """Serve the REST API at http://HOST:PORT/api/v1 (docs at /api/v1/docs), with a run worker."""
    facade: Andmesh = ctx.obj
    with handled():
        if not is_loopback(host) and not allow_remote:
            raise UsageError(
                f"`{host}` is not a loopback address: the API would be reachable from other machines",
                hint="add --allow-remote if that is meant (behind TLS), or use --host 127.0.0.1",
            )
        import uvicorn

        from andmesh.api.app import create_app

        # Built here even with several processes: a broken mesh or sign-in stops the command now.
        app = create_app(facade.workspace, mesh, data=data, worker=worker and workers == 1)
        shown = f"[{host}]" if ":" in host else host
        many = f" · {workers} processes" if workers > 1 else ""
        console.print(
            f"andmesh API on http://{shown}:{port}/api/v1 (docs: /api/v1/docs) · workspace "
            f"{facade.workspace.root}{many}"
        )
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    from andmesh.api import processes

    served = mesh.resolve() if mesh else app.state.mesh_path
    os.environ[processes.ENV] = processes.describe(facade.workspace, served, data, worker)
    uvicorn.run(
        "andmesh.api.processes:from_env",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
    )
