"""The portal as a person uses it, in Debian's chromium (Playwright), against a real uvicorn server
on a loopback port: sign in with a token, find a product, request access, the owner approves in
another browser, a council member votes, the requester then reads clear values; the home page.

Never `playwright install` (it downloads browsers and fails offline): these tests launch
/usr/bin/chromium and skip, saying so, only when it is absent. Screenshots go to
tests/web/artifacts/ (git-ignored).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from andmesh.api.app import create_app
from andmesh.security.keys import workspace_key
from andmesh.security.masking import mask_value
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
PRODUCT = "sales.customers"
CLEAR = "buyer@acme.example"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (`apt-get install chromium`)"
)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright launches Debian's chromium, never a downloaded one."""
    return {"executable_path": str(CHROMIUM), "args": ARGS, "timeout": 30_000}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(clean_env: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real uvicorn server on a free loopback port, serving its own freshly run mesh."""
    import uvicorn

    facade, mesh, tokens = served_workspace(tmp_path_factory.mktemp("browser"))
    port = _free_port()
    config = uvicorn.Config(
        create_app(facade.workspace, mesh), host="127.0.0.1", port=port, log_level="warning"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "tokens": tokens, "facade": facade}
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


def sign_in(browser: Any, server: dict[str, Any], who: str) -> Any:
    """A new browser context (its own cookies) signed in as ``who`` through the sign-in form."""
    context = browser.new_context(base_url=server["url"], viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    page.goto("/")
    assert "Sign in" in page.title()
    page.fill("#token", server["tokens"][who])
    page.click("form[action='/signin'] button")
    page.wait_for_selector("#username")
    assert page.inner_text("#username") == who
    problems.clear()  # the sign-in page itself answered 401, as it should
    return page


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


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


def test_request_approve_vote_then_the_requester_reads_clear_values(
    browser: Any, server: dict[str, Any]
) -> None:
    masked = mask_value(CLEAR, workspace_key(server["facade"].workspace.root, "masking"))
    marc = sign_in(browser, server, "marc")
    # Find the product by one of its columns: htmx swaps the results in as marc types.
    marc.click("nav >> text=Products")
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
