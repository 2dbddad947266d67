"""`andmesh serve --workers N`: the app factory each of uvicorn's worker processes calls.

uvicorn starts N processes that share the listening socket; each builds its own app from what
the command line decided, passed in one environment variable (the processes are spawned, not
forked, so nothing else of the parent is inherited). Every process answers requests; only the
one holding the workspace's jobs lock runs the run worker and the webhook dispatcher
(``andmesh.api.leader``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from andmesh.workspace import Workspace

if TYPE_CHECKING:
    from fastapi import FastAPI

ENV = "ANDMESH_SERVE_PROCESS"


def describe(workspace: Workspace, mesh: Path | None, data: Path | None, worker: bool) -> str:
    """What every process serves, as the value of :data:`ENV`."""
    return json.dumps(
        {
            "root": str(workspace.root),
            "store": workspace.store_url,
            "catalog": workspace.catalog_url,
            "mesh": str(mesh) if mesh else None,
            "data": str(data) if data else None,
            "worker": worker,
        }
    )


def from_env() -> FastAPI:
    """The app of one worker process (uvicorn's ``factory``)."""
    from andmesh.api.app import create_app

    served = json.loads(os.environ[ENV])
    workspace = Workspace(Path(served["root"]), served["store"], served["catalog"])
    return create_app(
        workspace,
        Path(served["mesh"]) if served["mesh"] else None,
        data=Path(served["data"]) if served["data"] else None,
        worker=served["worker"],
        jobs_lock=True,
    )
