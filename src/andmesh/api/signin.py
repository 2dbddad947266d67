"""From an identity provider's claims to an andmesh principal (browser sign-in and bearer JWTs).

The rules, in order:

1. The username is the configured claim (``preferred_username`` by default). It must be a valid
   andmesh username; a service account's name is refused (service accounts sign in with API
   tokens only, and never approve or vote).
2. The identity is (issuer, ``sub``), never the name: the first sign-in binds it to the username
   (``oidc_identities``); from then on only that identity is that username, and an identity
   whose claim now gives another name is refused until an admin rebinds it.
3. A username that is a member of the mesh acts as that member, with the groups and roles the
   mesh gives it plus those its IdP groups map to. A username that is no member is a member
   recorded in the store at first sign-in ("users are created at first sign-in"): a person
   with only what the group mapping gives. Deciding rights (owning a product, a council seat,
   stewarding an entity) come from the mesh's specs alone, so no IdP group ever grants them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from andmesh.api.problems import Unauthenticated
from andmesh.security.principal import Principal
from andmesh.spec.members import USERNAME

if TYPE_CHECKING:
    import sqlalchemy as sa

    from andmesh.api.oidc_config import OidcConfig
    from andmesh.spec.members import Directory

ADMIN_HINT = "ask a platform admin to check the identity provider's account and andmesh's members"


def idp_groups(claims: Mapping[str, Any], config: OidcConfig) -> tuple[str, ...]:
    """The IdP groups a token states (a list, or one space-separated string)."""
    raw = claims.get(config.groups_claim)
    if isinstance(raw, str):
        return tuple(sorted(set(raw.split())))
    if isinstance(raw, list):
        return tuple(sorted({str(g) for g in raw if isinstance(g, (str, int))}))
    return ()


def username_of(claims: Mapping[str, Any], config: OidcConfig) -> str:
    value = claims.get(config.username_claim)
    if not isinstance(value, str) or not re.match(USERNAME, value) or len(value) > 200:
        raise Unauthenticated(
            f"the identity provider's `{config.username_claim}` claim does not give a valid andmesh "
            f"username (got {value!r})",
            hint="set ANDMESH_OIDC_USERNAME_CLAIM to a claim holding the user's login name",
        )
    return value


def bind_identity(
    claims: Mapping[str, Any],
    config: OidcConfig,
    engine: sa.Engine,
    directory: Directory,
    *,
    seen: bool = True,
) -> str:
    """The username this identity acts as, binding it at its first sign-in (rules 1 and 2)."""
    from andmesh.store.identities import IdentityStore

    username = username_of(claims, config)
    member = directory.get(username)
    if member is not None and member.kind == "service":
        raise Unauthenticated(
            f"`{username}` is a service account: it signs in with an andmesh API token only",
            hint="service accounts never sign in through the identity provider",
        )
    subject = str(claims["sub"])
    groups = list(idp_groups(claims, config))
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    name = claims.get("name") if isinstance(claims.get("name"), str) else None
    store = IdentityStore(engine)
    bound = store.by_subject(config.issuer, subject)
    if bound is not None:
        if bound.username != username:
            raise Unauthenticated(
                f"this identity signed in before as `{bound.username}`; the identity provider now "
                f"calls it `{username}`",
                hint=ADMIN_HINT,
            )
        if seen:
            store.seen(bound.id, idp_groups=groups, email=email, name=name)
        return username
    taken = store.by_username(username)
    if taken is not None:
        raise Unauthenticated(
            f"`{username}` is already bound to another identity of the identity provider "
            "(a name is never an identity)",
            hint=ADMIN_HINT,
        )
    import sqlalchemy as sa_

    try:
        store.bind(config.issuer, subject, username, email=email, name=name, idp_groups=groups)
    except sa_.exc.IntegrityError as exc:  # another sign-in took the name a moment ago
        raise Unauthenticated(f"`{username}` was just bound to another identity", hint=ADMIN_HINT) from exc
    return username


def principal_of(
    username: str,
    login: str,
    groups_from_idp: tuple[str, ...],
    config: OidcConfig,
    directory: Directory,
    engine: sa.Engine,
) -> Principal:
    """The principal a signed-in identity acts as (rule 3), recomputed on every request so a
    change in the mesh or in the mapping takes effect at once."""
    mapped = config.mapped(groups_from_idp)
    member = directory.get(username)
    if member is not None:
        if member.kind != "person":
            raise Unauthenticated(f"`{username}` is a service account", hint=ADMIN_HINT)
        groups, roles = member.groups | mapped.groups, member.roles | mapped.roles
    else:
        from andmesh.store.identities import IdentityStore

        if IdentityStore(engine).by_username(username) is None:
            raise Unauthenticated(
                f"`{username}` is neither a member of this mesh nor a recorded sign-in",
                hint="sign in again",
            )
        groups, roles = mapped.groups, mapped.roles
    return Principal(
        username=username,
        kind="person",
        via="oidc",
        login=login,
        groups=frozenset(groups),
        roles=frozenset(roles),
    )
