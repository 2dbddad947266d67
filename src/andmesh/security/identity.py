"""Resolving the principal of a command: ``ANDMESH_TOKEN`` if set, else the OS user."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from andmesh.errors import NotPermitted
from andmesh.security.principal import (
    TOKEN_ENV,
    Principal,
    check_token_record_active,
    from_os_user,
    from_token_record,
)
from andmesh.spec.members import Directory

if TYPE_CHECKING:
    from andmesh.store.metadata import MetadataStore
    from andmesh.workspace import Workspace


def resolve_principal(
    workspace: Workspace, directory: Directory | None, store: Callable[[], MetadataStore]
) -> Principal:
    """``store`` is called only when a token must be checked (opening it costs start-up time)."""
    directory = directory or Directory()
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        return from_os_user(directory, workspace.root)
    from andmesh.store.tokens import TokenStore

    tokens = TokenStore(store().engine)
    record = tokens.lookup(token)
    if record is None:
        raise NotPermitted(
            f"the token in ${TOKEN_ENV} is not a token of this workspace",
            action="authenticate",
            hint="check the value (it starts with `andm_`), or unset ANDMESH_TOKEN to act as your OS user",
        )
    check_token_record_active(record.prefix, record.revoked_at, record.expires_at)
    principal = from_token_record(directory, record.username, record.prefix, record.scopes)
    # A read-only workspace still authenticates; it only cannot note the last use.
    with contextlib.suppress(Exception):
        tokens.touch(record.id)
    return principal
