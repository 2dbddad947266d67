"""Small helpers shared by tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from andmesh.facade import Andmesh


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in a file; fail loudly if ``old`` is absent."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def as_member(facade: Andmesh, username: str, path: Path | None = None) -> Andmesh:
    """A facade on the same workspace acting as ``username``, the way the service passes the
    signed-in principal (what that member may do is still decided by the authorization layer)."""
    from andmesh.facade import Andmesh
    from andmesh.security.principal import Principal

    mesh = facade.mesh(path)
    member = mesh.directory.get(username)
    assert member is not None, f"{username} is not a member of the test mesh"
    principal = Principal(
        username=member.username,
        kind=member.kind,
        via="token",
        login=f"test:{username}",
        groups=member.groups,
        roles=member.roles,
    )
    acting = Andmesh(facade.workspace, principal=principal)
    if path is not None:
        acting.mesh(path)
    return acting


def token_for(facade: Andmesh, username: str, *, days: int = 1, scopes: list[str] | None = None) -> str:
    """A real API token for ``username``, minted in the workspace's store as an admin would."""
    from andmesh.store.tokens import SCOPES, TokenStore

    issued = TokenStore(facade.store.engine).issue(
        username, created_by="test-setup", days=days, scopes=scopes or list(SCOPES)
    )
    return issued.token


# Variables that point andmesh at a workspace, a store or an identity: a test that builds its own
# workspace clears them so the developer's shell (or another test) cannot leak into it.
ANDMESH_ENVIRONMENT = (
    "ANDMESH_WORKSPACE",
    "ANDMESH_STORE_URL",
    "ANDMESH_CATALOG_URL",
    "ANDMESH_DATA",
    "ANDMESH_CRASH_AT",
    "ANDMESH_TOKEN",
    "ANDMESH_SECRET_KEY",
    "ANDMESH_USER",
)


def clear_andmesh_environment(patch: pytest.MonkeyPatch) -> None:
    """Unset every ``ANDMESH_*`` variable that would choose a workspace, store or identity."""
    for var in ANDMESH_ENVIRONMENT:
        patch.delenv(var, raising=False)
