"""JWTs from the identity provider: ID tokens at sign-in, bearer tokens of API clients.

A token is accepted only when every one of these holds: its header names an allowed asymmetric
algorithm (never ``none``, never HS*), its signature verifies with a key of the issuer's JWKS,
``iss`` is the configured issuer, ``aud`` holds the expected audience, ``exp`` is in the future
and ``nbf``/``iat`` are not (60 s of leeway for clock skew), and ``sub`` is set.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from andmesh.api.oidc_config import LEEWAY_SECONDS, ProviderUnavailable
from andmesh.api.problems import Unauthenticated

if TYPE_CHECKING:
    from andmesh.api.oidc_config import Provider

JWT_HINT = "send a current token of the configured identity provider, or an andmesh API token"


def looks_like_jwt(credential: str) -> bool:
    """Three base64url parts, the first a JSON header: what a compact JWS is.

    >>> looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"), looks_like_jwt("andm_x_y")
    (True, False)
    """
    parts = credential.split(".")
    return len(parts) == 3 and bool(parts[0]) and _header(credential) is not None


def _header(token: str) -> dict[str, Any] | None:
    head = token.split(".", 1)[0]
    try:
        value = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def verify(
    token: str,
    provider: Provider,
    *,
    audience: str,
    nonce: str | None = None,
    what: str = "the bearer JWT",
) -> dict[str, Any]:
    """The claims of ``token`` once it passes every check above (``nonce`` too, for an ID token).

    Raises ``Unauthenticated`` (401) naming the check that failed; the message never echoes
    the token.
    """
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    config = provider.config
    header = _header(token)
    if header is None:
        raise Unauthenticated(f"{what} is not a JWT", hint=JWT_HINT)
    alg = header.get("alg")
    if alg not in config.algorithms:
        raise Unauthenticated(
            f"{what} is signed with `{alg}`, which this server does not accept "
            f"(allowed: {', '.join(config.algorithms)})",
            hint=JWT_HINT,
        )
    try:
        keys = KeySet.import_key_set(provider.jwks(refresh_for_kid=header.get("kid")))  # type: ignore[arg-type]
    except ProviderUnavailable as exc:
        raise Unauthenticated(f"{what} cannot be checked now: {exc.message}", hint=exc.hint) from exc
    except (JoseError, ValueError, TypeError) as exc:
        raise Unauthenticated(f"the identity provider's key set is unusable: {exc}", hint=JWT_HINT) from exc
    try:
        decoded = jwt.decode(token, keys, algorithms=list(config.algorithms))
    except JoseError as exc:
        raise Unauthenticated(
            f"{what}'s signature does not verify with the keys of {config.issuer} ({exc.error})",
            hint=JWT_HINT,
        ) from exc
    claims = dict(decoded.claims)
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": config.issuer},
        "aud": {"essential": True, "value": audience},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    registry = jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **options)
    try:
        registry.validate(claims)
    except JoseError as exc:
        claim = getattr(exc, "claim", None) or exc.description or exc.error
        raise Unauthenticated(f"{what} was refused: {_why(exc.error, str(claim))}", hint=JWT_HINT) from exc
    azp = claims.get("azp")
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and azp not in (None, audience):
        raise Unauthenticated(f"{what} was issued to `{azp}`, not to this server", hint=JWT_HINT)
    return claims


def _why(error: str, detail: str) -> str:
    return {
        "expired_token": "it has expired",
        "missing_claim": f"it lacks the claim(s) {detail}",
        "invalid_claim": f"its `{detail}` claim is not the expected one",
    }.get(error, f"{error} ({detail})")
