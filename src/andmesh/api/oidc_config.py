"""Single sign-on's configuration (environment only) and the identity provider's published keys.

Every setting comes from the environment, so the client secret never sits in a spec file or a
repository; the mesh's specs say who may do what, the environment says whom to trust for
"who is this". ``ANDMESH_OIDC_ISSUER`` alone turns sign-in on (see docs/service.md, "Sign-in").
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from andmesh.errors import UsageError
from andmesh.security.principal import PLATFORM_ADMIN

ENV = "ANDMESH_OIDC_"
# Asymmetric only: an HS* token would be checked with a *public* key as its HMAC secret, and
# anyone holding the published key could then sign one ("none" is never accepted).
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
ROLES = frozenset({PLATFORM_ADMIN})
LEEWAY_SECONDS = 60
_MIN_REFRESH_SECONDS = 30.0


@dataclass(frozen=True)
class Grant:
    """What one IdP group gives: andmesh groups (domains, i.e. teams) and platform roles."""

    groups: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None = None
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    username_claim: str = "preferred_username"
    groups_claim: str = "groups"
    audience: str | None = None
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    group_map: Mapping[str, Grant] = field(default_factory=dict)
    redirect_uri: str | None = None
    secure_cookies: bool = False

    @property
    def jwt_audience(self) -> str:
        """The ``aud`` an API client's JWT must carry (default: the client id)."""
        return self.audience or self.client_id

    def mapped(self, idp_groups: tuple[str, ...]) -> Grant:
        """The andmesh groups and roles a set of IdP groups gives.

        >>> cfg = OidcConfig("https://idp", "c", group_map=parse_group_map("sales-team=sales, ops=platform_admin"))
        >>> m = cfg.mapped(("ops", "sales-team", "other"))
        >>> sorted(m.groups), sorted(m.roles)
        (['sales'], ['platform_admin'])
        """
        groups: set[str] = set()
        roles: set[str] = set()
        for name in idp_groups:
            given = self.group_map.get(name)
            if given is not None:
                groups |= given.groups
                roles |= given.roles
        return Grant(frozenset(groups), frozenset(roles))

    def check_against(self, domains: Mapping[str, Any] | frozenset[str]) -> None:
        """Refuse a mapping to a domain the mesh does not have (a typo would silently grant nothing)."""
        for idp_group, given in self.group_map.items():
            for group in sorted(given.groups):
                if group not in domains:
                    raise UsageError(
                        f"{ENV}GROUP_MAP maps `{idp_group}` to `{group}`, which is neither a domain of "
                        "this mesh nor a platform role",
                        hint=f"domains: {', '.join(sorted(domains)) or '–'}; role: {PLATFORM_ADMIN}",
                    )


def parse_group_map(text: str) -> dict[str, Grant]:
    """``idp-group=target[+target…]`` pairs, comma-separated; a target is a domain or a platform role.

    >>> parse_group_map("finance=sales+marketing, admins=platform_admin")["finance"].groups == {"sales", "marketing"}
    True
    """
    result: dict[str, Grant] = {}
    for pair in filter(None, (p.strip() for p in re.split(r"[,;\n]", text))):
        idp_group, sep, targets = pair.partition("=")
        names = [t.strip() for t in targets.split("+") if t.strip()]
        if not sep or not idp_group.strip() or not names:
            raise UsageError(
                f"{ENV}GROUP_MAP: `{pair}` is not `idp-group=domain` or `idp-group=platform_admin`",
                hint=f'for example {ENV}GROUP_MAP="finance-team=sales, platform-ops=platform_admin"',
            )
        before = result.get(idp_group.strip(), Grant())
        result[idp_group.strip()] = Grant(
            before.groups | {n for n in names if n not in ROLES},
            before.roles | {n for n in names if n in ROLES},
        )
    return result


def from_env(environ: Mapping[str, str] | None = None) -> OidcConfig | None:
    """The configuration in the environment, or None when ``ANDMESH_OIDC_ISSUER`` is unset."""
    env = os.environ if environ is None else environ
    issuer = env.get(f"{ENV}ISSUER", "").strip().rstrip("/")
    if not issuer:
        return None
    client_id = env.get(f"{ENV}CLIENT_ID", "").strip()
    if not client_id:
        raise UsageError(
            f"{ENV}ISSUER is set but {ENV}CLIENT_ID is not",
            hint="register andmesh as a client at the identity provider and set its client id",
        )
    algorithms = tuple(
        a.strip() for a in env.get(f"{ENV}ALGORITHMS", ",".join(DEFAULT_ALGORITHMS)).split(",") if a.strip()
    )
    refused = [a for a in algorithms if a not in ALLOWED_ALGORITHMS]
    if refused or not algorithms:
        raise UsageError(
            f"{ENV}ALGORITHMS: {', '.join(refused) or '(none)'} may not sign tokens here",
            hint=f"use asymmetric algorithms only: {', '.join(sorted(ALLOWED_ALGORITHMS))}",
        )
    if not issuer.startswith("https://") and not _loopback(issuer):
        raise UsageError(
            f"{ENV}ISSUER `{issuer}` is not https: keys and tokens would travel in clear",
            hint="use the provider's https URL (plain http is accepted on loopback only, for tests)",
        )
    scopes = tuple(env.get(f"{ENV}SCOPES", "openid profile email").split())
    if "openid" not in scopes:
        scopes = ("openid", *scopes)
    return OidcConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=env.get(f"{ENV}CLIENT_SECRET") or None,
        scopes=scopes,
        username_claim=env.get(f"{ENV}USERNAME_CLAIM", "preferred_username").strip(),
        groups_claim=env.get(f"{ENV}GROUPS_CLAIM", "groups").strip(),
        audience=env.get(f"{ENV}AUDIENCE", "").strip() or None,
        algorithms=algorithms,
        group_map=parse_group_map(env.get(f"{ENV}GROUP_MAP", "")),
        redirect_uri=env.get(f"{ENV}REDIRECT_URI", "").strip() or None,
        secure_cookies=issuer.startswith("https://"),
    )


def _loopback(url: str) -> bool:
    host = re.sub(r"^http://", "", url).split("/", 1)[0].rsplit(":", 1)[0]
    return host in {"localhost", "127.0.0.1", "[::1]"} or host.startswith("127.")


class Provider:
    """The issuer's discovery document and key set, fetched when first needed and cached.

    Keys are fetched again when a token names a key id the cache lacks (the provider rotated
    its keys), at most once every 30 s so a stream of forged key ids cannot flood the provider.
    """

    def __init__(self, config: OidcConfig, *, timeout: float = 5.0) -> None:
        self.config = config
        self.timeout = timeout
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _get(self, url: str) -> dict[str, Any]:
        import httpx

        try:
            response = httpx.get(url, timeout=self.timeout, follow_redirects=False)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"the identity provider did not answer {url}: {exc}") from exc
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"the identity provider's {url} is not a JSON object")
        return data

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                data = self._get(f"{self.config.issuer}/.well-known/openid-configuration")
                if str(data.get("issuer", "")).rstrip("/") != self.config.issuer:
                    # A discovery document for another issuer would let that issuer's tokens in.
                    raise ProviderUnavailable(
                        f"the discovery document names issuer `{data.get('issuer')}`, "
                        f"not `{self.config.issuer}`"
                    )
                self._metadata = data
            return self._metadata

    def endpoint(self, name: str) -> str:
        value = self.metadata().get(name)
        if not isinstance(value, str) or not value:
            raise ProviderUnavailable(f"the identity provider publishes no `{name}`")
        return value

    def jwks(self, *, refresh_for_kid: str | None = None) -> dict[str, Any]:
        uri = self.endpoint("jwks_uri")
        with self._lock:
            stale = self._jwks is None
            if not stale and refresh_for_kid is not None:
                kids = {k.get("kid") for k in self._jwks.get("keys", [])} if self._jwks else set()
                stale = (
                    refresh_for_kid not in kids and time.monotonic() - self._fetched_at > _MIN_REFRESH_SECONDS
                )
            if stale:
                self._jwks = self._get(uri)
                self._fetched_at = time.monotonic()
            assert self._jwks is not None
            return self._jwks


class ProviderUnavailable(UsageError):
    """The identity provider cannot be reached or answers nonsense: sign-in is impossible for now."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint="check ANDMESH_OIDC_ISSUER and that the provider is up")
