"""What every endpoint receives: the facade acting as the caller, the service's mesh, reading rights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi import Path as PathParam

from andmesh.api.auth import acting_facade
from andmesh.facade import Andmesh


def _mesh_path(request: Request) -> Path | None:
    path: Path | None = request.app.state.mesh_path
    return path


Facade = Annotated[Andmesh, Depends(acting_facade)]
MeshPath = Annotated[Path | None, Depends(_mesh_path)]


def reader(app: Facade, mesh: MeshPath) -> Andmesh:
    """The facade, once the caller may `read` (a token without the `read` scope may not list)."""
    app.authorize("read", path=mesh)
    return app


Reader = Annotated[Andmesh, Depends(reader)]


# A number no store column can hold is a 422 here, not an overflow in the database driver (a 500).
MAX_ID = 2**31 - 1
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
