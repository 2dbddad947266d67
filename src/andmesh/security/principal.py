"""Who is acting: one principal per command or request, never a name typed on a command line.

- With ``ANDMESH_TOKEN``: the member (person or service account) the token was issued to,
  narrowed to the token's scopes. An unknown, expired or revoked token is refused outright
  (it never falls back to the OS user: a broken token must not silently change who acts).
- Otherwise, on a workstation: the OS login, mapped to the person whose ``osUsers`` name it.
- The OS account that owns the workspace folder administers it (``platform_admin``) while the
  mesh declares no platform admin of its own: it owns every file of the workspace anyway.
- Anyone else is an unknown principal: it may read what is public, nothing more.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from andmesh.errors import NotPermitted
from andmesh.spec.members import Directory

PrincipalKind = Literal["person", "service", "unknown"]
Via = Literal["os_user", "token", "oidc", "system"]
TOKEN_ENV = "ANDMESH_TOKEN"
PLATFORM_ADMIN = "platform_admin"


class Principal(BaseModel, frozen=True):
    """The one identity an action is taken by."""

    username: str | None = Field(description="The member's username; None for an unknown principal.")
    kind: PrincipalKind
    via: Via
    login: str | None = Field(None, description="The OS login or the token prefix it came through.")
    groups: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] | None = Field(None, description="A token's scopes; None: the member's all.")

    @property
    def is_member(self) -> bool:
        return self.username is not None

    @property
    def is_admin(self) -> bool:
        return PLATFORM_ADMIN in self.roles

    @property
    def actor(self) -> str:
        """How the principal is named in the audit log and in records it creates."""
        if self.username:
            return self.username
        return f"os:{self.login}" if self.via == "os_user" else "unknown"

    def describe(self) -> str:
        who = self.username or "an unknown principal"
        how = {
            "os_user": f"OS user {self.login}",
            "token": f"token {self.login}",
            "oidc": "single sign-on",
            "system": "andmesh itself",
        }[self.via]
        extra = " (platform admin)" if self.is_admin else ""
        return f"{who}{extra}, via {how}"


SYSTEM = Principal(username=None, kind="unknown", via="system", login="andmesh")


def os_login() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def owns_workspace(root: Path) -> bool:
    """The current OS account owns the workspace folder (or would create it)."""
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return probe.stat().st_uid == os.geteuid()
    except OSError:
        return False


def from_os_user(directory: Directory, workspace_root: Path, login: str | None = None) -> Principal:
    login = login or os_login()
    member = directory.by_os_user(login)
    roles: set[str] = set(member.roles) if member else set()
    declared_admins = directory.holders(role=PLATFORM_ADMIN)
    if not declared_admins and owns_workspace(workspace_root):
        roles.add(PLATFORM_ADMIN)
    if member is None:
        return Principal(username=None, kind="unknown", via="os_user", login=login, roles=frozenset(roles))
    return Principal(
        username=member.username,
        kind=member.kind,
        via="os_user",
        login=login,
        groups=member.groups,
        roles=frozenset(roles),
    )


def from_token_record(directory: Directory, username: str, prefix: str, scopes: list[str]) -> Principal:
    member = directory.get(username)
    if member is None:
        raise NotPermitted(
            f"token {prefix} belongs to `{username}`, who is no longer a member of this mesh",
            principal=username,
            action="authenticate",
            hint="ask a platform admin for a token of a current member",
        )
    return Principal(
        username=member.username,
        kind=member.kind,
        via="token",
        login=prefix,
        groups=member.groups,
        roles=member.roles,
        scopes=frozenset(scopes),
    )


def check_token_record_active(prefix: str, revoked_at: dt.datetime | None, expires_at: dt.datetime) -> None:
    """Refuse a revoked or expired token, saying which and since when."""
    if revoked_at is not None:
        problem = f"was revoked on {revoked_at:%Y-%m-%d}"
    elif expires_at <= dt.datetime.now(dt.UTC):
        problem = f"expired on {expires_at:%Y-%m-%d}"
    else:
        return
    raise NotPermitted(
        f"the token in ${TOKEN_ENV} ({prefix}) {problem}",
        action="authenticate",
        hint="create a new one with `andmesh tokens create`",
    )
