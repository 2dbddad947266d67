"""The portal as a person uses it, in Debian's chromium (Playwright), against a real uvicorn server
on a loopback port: sign in with a token, or through the local OIDC provider (oidc-provider-mock on
loopback); find a product, request access, the owner approves in another browser, a council member
votes, the requester then reads clear values; the home page (and the Order-to-Cash one: its seven-stage
value chain fits the window, no sideways scroll); the gap page filtered by use case; a
domain page; the use-case matrix. Every request the browser makes off loopback is
aborted and fails the test (the provider's own page asks for a CDN stylesheet: that one is
aborted and tolerated, it is not ours).

Never `playwright install` (it downloads browsers and fails offline): these tests launch
/usr/bin/chromium and skip, saying so, only when it is absent. Screenshots go to
tests/web/artifacts/ (git-ignored).
"""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from andmesh.api.app import create_app
from andmesh.api.oidc_config import OidcConfig, parse_group_map
from andmesh.security.keys import workspace_key
from andmesh.security.masking import mask_value
from tests.helpers import token_for
from tests.web.conftest import served_workspace

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
O2C = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"
PRODUCT = "sales.customers"
CLEAR = "buyer@acme.example"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (`apt-get install chromium`)"),
    # The provider (a test double of an IdP, built on Authlib's server) uses APIs Authlib deprecates.
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright launches Debian's chromium, never a downloaded one."""
    return {"executable_path": str(CHROMIUM), "args": ARGS, "timeout": 30_000}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """oidc-provider-mock (Authlib's server on Flask) on a free loopback port: a real provider."""
    import authlib.deprecate  # noqa: F401  (first: its import installs an "always show" filter)

    with warnings.catch_warnings():  # the provider imports authlib.jose, which Authlib deprecates
        warnings.simplefilter("ignore")
        from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub="sub-rita", claims={"preferred_username": "rita", "groups": ["sales-team"]})]
    with run_server_in_thread(port=0, require_nonce=True, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def server(
    clean_env: None, tmp_path_factory: pytest.TempPathFactory, provider: str
) -> Iterator[dict[str, Any]]:
    """A real uvicorn server on a free loopback port, serving its own freshly run mesh, with
    single sign-on through the local provider."""
    facade, mesh, tokens = served_workspace(tmp_path_factory.mktemp("browser"))
    oidc = OidcConfig(
        issuer=provider,
        client_id="andmesh-browser",
        client_secret="s3cret",
        group_map=parse_group_map("sales-team=sales"),
    )
    with serving(create_app(facade.workspace, mesh, oidc=oidc)) as url:
        yield {"url": url, "tokens": tokens, "facade": facade}


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` on a real uvicorn server on a free loopback port, in a thread."""
    import uvicorn

    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def o2c_server(clean_env: None, o2c: Any) -> Iterator[dict[str, Any]]:
    """The session's Order-to-Cash run (seven stages in one value chain), served."""
    with serving(create_app(o2c.workspace, O2C)) as url:
        yield {"url": url, "tokens": {"edo": token_for(o2c, "edo")}, "facade": o2c}


LOOPBACK = ("127.0.0.1", "localhost")


def new_page(browser: Any, server: dict[str, Any], *, width: int = 1400) -> Any:
    """A new browser context (its own cookies) that may reach loopback only; its problems (script
    errors, console errors, requests off loopback) are collected on ``page.problems``."""
    context = browser.new_context(base_url=server["url"], viewport={"width": width, "height": 900})
    problems: list[str] = []
    offsite: list[str] = []

    def only_loopback(route: Any) -> None:
        if urlparse(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    page.offsite = offsite
    return page


def sign_in(browser: Any, server: dict[str, Any], who: str, *, width: int = 1400) -> Any:
    """A new browser context signed in as ``who`` through the sign-in form, with an API token."""
    page = new_page(browser, server, width=width)
    page.goto("/")
    assert "Sign in" in page.title()
    page.fill("#token", server["tokens"][who])
    page.click("form[action='/signin'] button")
    page.wait_for_selector("#username")
    assert page.inner_text("#username") == who
    page.problems.clear()  # the sign-in page itself answered 401, as it should
    return page


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def htmx_ready(page: Any) -> None:
    """Wait until the page has loaded and htmx has bound its triggers: an input typed before
    that fires no request (on a busy machine the click's navigation can still be loading)."""
    page.wait_for_load_state("load")
    page.wait_for_function("typeof htmx === 'object'")


def test_home_page_shows_the_four_figures(browser: Any, server: dict[str, Any]) -> None:
    page = sign_in(browser, server, "rita")
    for n in (1, 2, 3, 4):
        assert page.locator(f"#figure-{n} h2").is_visible()
        page.wait_for_selector(f"#figure-{n} .figure-body:not(.loading)")  # htmx loads those not ready
    assert page.locator("#figure-1 svg").count() == 1 and page.locator("#figure-2 svg").count() == 1
    assert "domain: sales" in page.inner_text("#figure-1")
    shot(page, "home")
    # htmx loaded from our own host, under the CSP, with no violation or script error.
    assert page.evaluate("typeof htmx") == "object"
    assert page.problems == []
    page.context.close()


# Does the figure's box scroll sideways? (its content wider than the box the page gives it)
SCROLLS = "e => [e.scrollWidth, e.clientWidth]"
# The page scrolls sideways, and which elements (outside a box that scrolls on its own) are wider.
WIDER = """() => document.documentElement.scrollWidth <= document.documentElement.clientWidth ? [] :
  [document.documentElement.scrollWidth, ...[...document.querySelectorAll('body *')]
  .filter(e => !e.parentElement.closest('.chart, .scroll'))
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 6).map(e => e.tagName + '#' + e.id + '.' + e.getAttribute('class') + ' ' + e.getBoundingClientRect().right)]"""


@pytest.mark.parametrize("width", [1400, 900])
def test_the_seven_stage_value_chain_fits_the_home_page(
    browser: Any, o2c_server: dict[str, Any], width: int
) -> None:
    page = sign_in(browser, o2c_server, "edo", width=width)
    page.wait_for_selector("#figure-1 .figure-body:not(.loading)", timeout=120_000)
    chart = page.locator("#figure-1 div.chart")
    assert chart.locator("svg text", has_text="Collect and reconcile cash").count() == 1
    scroll, client = chart.evaluate(SCROLLS)
    assert scroll <= client, f"the value chain scrolls sideways at {width} px: {scroll} > {client}"
    wider = page.evaluate(WIDER)
    assert not wider, f"the page scrolls sideways at {width} px: {wider}"
    page.locator("#figure-1").screenshot(path=str(ARTIFACTS / f"home-o2c-value-chain-{width}.png"))
    shot(page, f"home-o2c-{width}")
    assert page.problems == [] and page.offsite == []
    page.context.close()


def test_request_approve_vote_then_the_requester_reads_clear_values(
    browser: Any, server: dict[str, Any]
) -> None:
    masked = mask_value(CLEAR, workspace_key(server["facade"].workspace.root, "masking"))
    marc = sign_in(browser, server, "marc")
    # Find the product by one of its columns: htmx swaps the results in as marc types.
    marc.click("nav >> text=Products")
    htmx_ready(marc)
    marc.fill("#q", "email")
    marc.wait_for_selector("#results >> text=column:email")  # every product is listed until then
    assert marc.url.endswith("/search?q=email")  # hx-push-url: the search can be bookmarked
    marc.click(f"#results a[href='/products/{PRODUCT}']")
    assert masked in marc.inner_text("#sample") and CLEAR not in marc.inner_text("#sample")
    marc.fill("#purpose", "dunning letters")
    marc.click("#access button")
    marc.wait_for_url("**/grants")
    assert "pending" in marc.inner_text("table >> nth=1")
    marc.goto(f"/products/{PRODUCT}")
    shot(marc, "product-masked")

    owner = sign_in(browser, server, "owner")  # a second browser context: the owner's own cookies
    owner.click("nav >> text=Access inbox")
    assert "dunning letters" in owner.inner_text("main")
    shot(owner, "access-inbox")
    owner.click("button[name=approve]")
    owner.wait_for_url("**/access")
    assert "awaiting_council" in owner.inner_text("main")

    eve = sign_in(browser, server, "eve")
    eve.click("nav >> text=Council")
    eve.fill("input[name=comment]", "legitimate purpose")
    shot(eve, "council")
    eve.click("button[value=approve]")
    eve.wait_for_url("**/council")
    assert "approved" in eve.inner_text("main")

    marc.click("nav >> text=My grants")
    assert "granted" in marc.inner_text("main")
    marc.goto(f"/products/{PRODUCT}")
    assert CLEAR in marc.inner_text("#sample") and masked not in marc.inner_text("#sample")
    shot(marc, "product-clear")
    for page in (marc, owner, eve):
        assert page.problems == []
        page.context.close()


def test_a_refused_action_shows_who_may_take_it(browser: Any, server: dict[str, Any]) -> None:
    rita = sign_in(browser, server, "rita")
    rita.goto("/council")
    votes = rita.locator("button[value=approve]")
    assert votes.count() == 0  # no vote button for a member without a council role
    rita.goto("/products/sales.nope")
    assert "Not found" in rita.inner_text("h1")
    shot(rita, "not-found")
    rita.context.close()


def test_sign_in_through_the_local_oidc_provider(browser: Any, server: dict[str, Any]) -> None:
    page = new_page(browser, server)
    page.goto("/gaps")
    assert "Sign in" in page.title()
    page.problems.clear()  # the sign-in page answered 401, as it should
    page.click("text=Sign in with your organisation")
    page.wait_for_selector("text=Authorize Client")  # the provider's own page, on its loopback port
    assert (
        urlparse(page.url).hostname == "localhost" and urlparse(page.url).port != urlparse(server["url"]).port
    )
    shot(page, "oidc-provider")
    page.fill("input[name=sub]", "sub-rita")
    page.click("form >> text=Authorize")
    page.wait_for_selector("#username")
    assert page.inner_text("#username") == "rita"
    assert urlparse(page.url).path == "/gaps"  # back where she started, signed in
    assert page.context.cookies(server["url"])[0]["httpOnly"]
    shot(page, "oidc-signed-in")
    # The provider's page asks a CDN for its stylesheet: aborted, and nothing else left loopback.
    assert all("cdn.jsdelivr.net" in url for url in page.offsite)
    assert [p for p in page.problems if "ERR_FAILED" not in p] == []
    page.context.close()


def test_gap_page_filtered_by_use_case(browser: Any, server: dict[str, Any]) -> None:
    page = sign_in(browser, server, "rita")
    page.click("nav >> text=Gaps")
    htmx_ready(page)
    table = page.locator("#gap-table")
    assert "sales.customers.email" in table.inner_text() and "sales.customers.segment" in table.inner_text()
    page.select_option("#usecase", "reach_customers")  # htmx swaps the report in and pushes the URL
    page.wait_for_selector("#gap-table[data-usecase=reach_customers]")
    assert page.url.endswith("/gaps?usecase=reach_customers")
    assert page.locator("#gap-table tr.gap").count() == 1
    assert "sales.customers.segment" not in page.inner_text("#gap-table")
    shot(page, "gaps-reach-customers")
    page.select_option("#usecase", "grow_segments")
    page.wait_for_selector("#gap-table[data-usecase=grow_segments]")
    assert page.locator("#gap-table tr.gap").count() == 0
    assert "sales.customers.segment" in page.inner_text("#gap-table")
    page.click("#gap-table a[href='/domains/sales'] >> nth=0")  # on to the domain that owns it
    assert "sales.customers.email" in page.inner_text("#gaps")
    shot(page, "domain-sales")
    assert page.problems == [] and page.offsite == []
    page.context.close()


def test_use_case_matrix_links_every_use_case(browser: Any, server: dict[str, Any]) -> None:
    page = sign_in(browser, server, "rita")
    page.goto("/usecases/reach_customers")
    assert page.locator("#matrix svg circle.current").count() == 1
    shot(page, "usecase-matrix")
    page.click("#matrix svg a[href='/usecases/grow_segments']")  # a point is a link to its use case
    page.wait_for_url("**/usecases/grow_segments")
    assert page.locator("#matrix svg circle.current").count() == 1
    assert page.problems == [] and page.offsite == []
    page.context.close()
