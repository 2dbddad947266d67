"""Single sign-on: the browser code flow against a real OIDC provider on loopback, and bearer JWTs,
both the provider's own and ones minted here with a key the test controls (so each refusal is
the check under test, not a bad signature)."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from andmesh.api import session
from andmesh.api.app import create_app
from andmesh.api.oidc_config import OidcConfig, parse_group_map
from andmesh.errors import UsageError
from tests.api.conftest import Served

CLIENT_ID = "andmesh-test"
GROUP_MAP = "sales-team=sales, platform-ops=platform_admin"
WHOAMI = "/api/v1/whoami"
# The provider (a test double of an IdP, built on Authlib's server) uses Authlib APIs Authlib deprecates.
pytestmark = [
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """oidc-provider-mock (Authlib's server on Flask) on a free loopback port: a real provider."""
    import authlib.deprecate  # noqa: F401  (first: its import installs an "always show" filter)

    with warnings.catch_warnings():  # the provider imports authlib.jose, which Authlib deprecates
        warnings.simplefilter("ignore")
        from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(
            sub="sub-rita",
            claims={"preferred_username": "rita", "groups": ["sales-team"], "email": "rita@x.test"},
        ),
        User(
            sub="sub-newbie",
            claims={"preferred_username": "newbie", "groups": ["sales-team", "platform-ops"]},
        ),
        User(sub="sub-fake-rita", claims={"preferred_username": "rita"}),
        User(sub="sub-bot", claims={"preferred_username": "ingest-bot"}),
    ]
    with run_server_in_thread(port=0, require_nonce=True, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


def _config(issuer: str, **extra: Any) -> OidcConfig:
    return OidcConfig(
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret="s3cret",
        group_map=parse_group_map(GROUP_MAP),
        **extra,
    )


@pytest.fixture(scope="module")
def sso(served: Served, provider: str) -> Iterator[TestClient]:
    app = create_app(served.facade.workspace, served.mesh, oidc=_config(provider))
    with TestClient(app) as client:
        yield client


def _sign_in(client: TestClient, sub: str, *, next_page: str = WHOAMI) -> httpx.Response:
    """The browser's round trip: andmesh → provider (the user picks ``sub``) → andmesh's callback."""
    client.cookies.clear()
    start = client.get("/auth/login", params={"next": next_page}, follow_redirects=False)
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert "code_verifier" not in authorize
    back = httpx.post(authorize, data={"sub": sub}, follow_redirects=False)
    assert back.status_code == 302, back.text
    callback = urlparse(back.headers["location"])
    assert callback.path == "/auth/callback"
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_a_member_signs_in_through_the_provider_and_acts_as_herself(sso: TestClient) -> None:
    done = _sign_in(sso, "sub-rita")
    assert done.status_code == 303 and done.headers["location"] == WHOAMI
    assert session.COOKIE in done.cookies
    who = sso.get(WHOAMI).json()
    assert (who["username"], who["via"], who["kind"]) == ("rita", "oidc", "person")
    assert "sales" in who["groups"]  # from the mapping: rita is on no team in the mesh's specs
    assert sso.get("/api/v1/products").status_code == 200


def test_a_first_sign_in_records_a_member_with_only_its_mapped_groups(
    sso: TestClient, served: Served
) -> None:
    from andmesh.store.identities import IdentityStore

    _sign_in(sso, "sub-newbie")
    who = sso.get(WHOAMI).json()
    assert who["username"] == "newbie" and who["roles"] == ["platform_admin"] and who["groups"] == ["sales"]
    recorded = IdentityStore(served.facade.store.engine).by_username("newbie")
    assert recorded is not None and recorded.subject == "sub-newbie"
    csrf = session.decode(
        sso.cookies[session.COOKIE].strip('"'), session.session_key(served.facade.workspace.root)
    )
    assert csrf is not None
    headers = {"X-CSRF-Token": csrf.csrf}
    asked = sso.post(
        "/api/v1/access/requests",
        json={"table_id": "sales.customers", "purpose": "churn study"},
        headers=headers,
    )
    assert asked.status_code == 201, asked.text
    # Deciding rights come from the specs only: a mapped platform admin still cannot approve.
    approve = sso.post(f"/api/v1/access/requests/{asked.json()['id']}/approve", json={}, headers=headers)
    assert approve.status_code == 403


def test_a_name_is_never_an_identity(sso: TestClient) -> None:
    _sign_in(sso, "sub-rita")  # rita's identity is bound (again: the test may run alone)
    refused = _sign_in(sso, "sub-fake-rita")
    assert refused.status_code == 401 and "already bound to another identity" in refused.text
    assert session.COOKIE not in refused.cookies


def test_service_accounts_never_sign_in_through_the_provider(sso: TestClient) -> None:
    refused = _sign_in(sso, "sub-bot")
    assert refused.status_code == 401 and "service account" in refused.text


def test_a_callback_without_the_state_cookie_or_with_another_state_is_refused(sso: TestClient) -> None:
    sso.cookies.clear()
    start = sso.get("/auth/login", follow_redirects=False)
    back = httpx.post(start.headers["location"], data={"sub": "sub-rita"}, follow_redirects=False)
    callback = urlparse(back.headers["location"])
    query = parse_qs(callback.query)
    forged = sso.get(f"/auth/callback?code={query['code'][0]}&state=attacker", follow_redirects=False)
    assert forged.status_code == 401 and "not started here" in forged.text
    sso.cookies.clear()
    stranger = sso.get(f"{callback.path}?{callback.query}", follow_redirects=False)
    assert stranger.status_code == 401
    assert (
        sso.get("/auth/login", params={"next": "https://evil.test/"}, follow_redirects=False).status_code
        == 303
    )


def test_the_providers_id_token_is_a_bearer_jwt(sso: TestClient, provider: str) -> None:
    token = _provider_token(provider, "sub-rita")
    who = sso.get(WHOAMI, headers={"Authorization": f"Bearer {token}"})
    assert who.status_code == 200, who.text
    assert who.json()["username"] == "rita"


def test_sign_out_needs_the_csrf_token_and_ends_the_session(sso: TestClient, served: Served) -> None:
    _sign_in(sso, "sub-rita")
    user = session.decode(
        sso.cookies[session.COOKIE].strip('"'), session.session_key(served.facade.workspace.root)
    )
    assert user is not None
    assert sso.post("/auth/logout", data={"csrf_token": "nope"}, follow_redirects=False).status_code == 403
    out = sso.post("/auth/logout", data={"csrf_token": user.csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert sso.get(WHOAMI).status_code == 401


def _provider_token(issuer: str, sub: str) -> str:
    """An ID token the provider issues through the code flow (audience: the client id)."""
    import hashlib

    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": "http://client.test/cb",
        "scope": "openid profile",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    back = httpx.post(f"{issuer}/oauth2/authorize", params=params, data={"sub": sub})
    code = parse_qs(urlparse(back.headers["location"]).query)["code"][0]
    token = httpx.post(
        f"{issuer}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": params["redirect_uri"],
            "client_id": CLIENT_ID,
            "client_secret": "s3cret",
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    return str(token.json()["id_token"])


# --- tokens minted here, with a key this test publishes as its own issuer's JWKS -------------


class _Issuer(http.server.BaseHTTPRequestHandler):
    document: ClassVar[dict[str, Any]] = {}
    jwks: ClassVar[dict[str, Any]] = {}

    def do_GET(self) -> None:
        body = self.document if self.path.endswith("openid-configuration") else self.jwks
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def own_issuer() -> Iterator[tuple[str, RSAKey]]:
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Issuer)
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    _Issuer.document = {"issuer": issuer, "jwks_uri": f"{issuer}/jwks"}
    _Issuer.jwks = {"keys": [key.as_dict(private=False)]}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer, key
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def api(served: Served, own_issuer: tuple[str, RSAKey]) -> Iterator[TestClient]:
    app: FastAPI = create_app(
        served.facade.workspace, served.mesh, oidc=_config(own_issuer[0], audience="andmesh-api")
    )
    with TestClient(app) as client:
        yield client


def _mint(issuer: str, key: Any, *, alg: str = "RS256", **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": "andmesh-api",
        "sub": "api-marc",
        "preferred_username": "marc",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": "test-key"}, claims, key, algorithms=[alg])


def _call(api: TestClient, token: str) -> httpx.Response:
    return api.get(WHOAMI, headers={"Authorization": f"Bearer {token}"})


def test_a_jwt_signed_by_the_issuers_key_names_its_member(
    api: TestClient, own_issuer: tuple[str, RSAKey]
) -> None:
    issuer, key = own_issuer
    answer = _call(api, _mint(issuer, key, groups=["sales-team"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["username"] == "marc" and answer.json()["via"] == "oidc"
    assert "sales" in answer.json()["groups"]


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"iss": "https://elsewhere.test"}, "`iss` claim"),
        ({"aud": "another-service"}, "`aud` claim"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
        ({"nbf": int(time.time()) + 3600}, "`nbf` claim"),
        ({"exp": None}, "lacks the claim(s) exp"),
        ({"sub": None}, "lacks the claim(s) sub"),
    ],
)
def test_a_jwt_failing_a_claim_check_is_401(
    api: TestClient, own_issuer: tuple[str, RSAKey], overrides: dict[str, Any], said: str
) -> None:
    issuer, key = own_issuer
    answer = _call(api, _mint(issuer, key, **overrides))
    assert answer.status_code == 401 and said in answer.json()["detail"], answer.text
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_unsigned_foreign_and_algorithm_confused_jwts_are_401(
    api: TestClient, own_issuer: tuple[str, RSAKey]
) -> None:
    issuer, key = own_issuer
    good = _mint(issuer, key)
    head, body, _ = good.split(".")
    none_head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    other = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
    # The classic confusion: HS256 with the issuer's *public* key as the HMAC secret.
    public_secret = OctKey.import_key(json.dumps(key.as_dict(private=False)).encode())
    for token, said in (
        (f"{none_head}.{body}.", "`none`"),
        (_mint(issuer, other), "signature does not verify"),
        (_mint(issuer, public_secret, alg="HS256"), "`HS256`"),
        (f"{head}.{body}.{'A' * 342}", "signature does not verify"),
        ("not-a-jwt", "neither an andmesh API token nor a JWT"),
    ):
        answer = _call(api, token)
        assert answer.status_code == 401 and said in answer.json()["detail"], (said, answer.text)


def test_a_group_map_naming_no_domain_stops_the_server(served: Served) -> None:
    config = OidcConfig("http://127.0.0.1:1", CLIENT_ID, group_map=parse_group_map("x=no_such_domain"))
    with pytest.raises(UsageError, match="no_such_domain"):
        create_app(served.facade.workspace, served.mesh, oidc=config)


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"ANDMESH_OIDC_ISSUER": "https://idp.test"}, "CLIENT_ID is not"),
        ({"ANDMESH_OIDC_ISSUER": "http://idp.test", "ANDMESH_OIDC_CLIENT_ID": "c"}, "not https"),
        (
            {
                "ANDMESH_OIDC_ISSUER": "https://idp.test",
                "ANDMESH_OIDC_CLIENT_ID": "c",
                "ANDMESH_OIDC_ALGORITHMS": "HS256",
            },
            "HS256 may not sign",
        ),
        (
            {
                "ANDMESH_OIDC_ISSUER": "https://idp.test",
                "ANDMESH_OIDC_CLIENT_ID": "c",
                "ANDMESH_OIDC_GROUP_MAP": "x",
            },
            "is not `idp-group=domain`",
        ),
    ],
)
def test_a_configuration_that_cannot_work_is_refused(env: dict[str, str], said: str) -> None:
    from andmesh.api.oidc_config import from_env

    with pytest.raises(UsageError, match=said):
        from_env(env)


def test_without_an_issuer_sign_in_is_off(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    from andmesh.api.oidc_config import from_env

    monkeypatch.delenv("ANDMESH_OIDC_ISSUER", raising=False)
    assert from_env({}) is None
    assert create_app(served.facade.workspace, served.mesh).state.oidc is None
    assert served.client.get("/auth/login", follow_redirects=False).status_code == 404
    refused = served.client.get(WHOAMI, headers={"Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"})
    assert refused.status_code == 401 and "not an andmesh API token" in refused.text
