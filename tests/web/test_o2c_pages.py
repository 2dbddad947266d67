"""Portal pages on the Order-to-Cash mesh (the session's run on 1,000 generated customers):
the customer 360 page — a steward reads the golden record in clear, any other member reads the
values the one masking function gives the API and the CLI, never a clear personal value — and a
product's lineage, one level deep, expanded level by level in its direction."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from andmesh.api.app import create_app
from andmesh.facade import Andmesh
from andmesh.security.authz import Target
from tests.helpers import as_member, token_for

MESH = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"
PERSONAL = ("name", "tax_id", "street", "email", "phone")


@pytest.fixture(scope="module")
def resolved(clean_env: None, o2c: Andmesh) -> Iterator[dict[str, Any]]:
    # The session's Order-to-Cash run (its customer entity resolved) serves these pages too.
    facade = o2c
    mesh = facade.mesh(MESH)
    outsider = next(
        m.username
        for m in sorted(mesh.directory.members.values(), key=lambda m: m.username)
        if m.kind == "person"
        and not as_member(facade, m.username, MESH)
        .may("entities.steward", Target(entity="customer"), path=MESH)
        .allowed
    )
    app = create_app(facade.workspace, MESH)
    clients = {}
    for who in ("sam", outsider):
        client = TestClient(app, follow_redirects=False)
        assert client.post("/signin", data={"token": token_for(facade, who), "next": "/"}).status_code == 303
        clients[who] = client
    yield {"facade": facade, "clients": clients, "outsider": outsider}
    for client in clients.values():
        client.close()


@pytest.mark.slow
def test_customer_360_is_masked_by_the_one_function_unless_you_steward_it(resolved: dict[str, Any]) -> None:
    facade, outsider = resolved["facade"], resolved["outsider"]
    xref = facade.read("enterprise.customer_xref").to_pylist()
    entity_id = next(r["entity_id"] for r in xref if r["source"] == "order_management.accounts")
    clear = as_member(facade, "sam", MESH).entity_view("customer", entity_id, path=MESH)
    masked = as_member(facade, outsider, MESH).entity_view("customer", entity_id, path=MESH)
    personal = [g for g in clear.golden if g.attribute in PERSONAL and g.value is not None]
    assert personal, "the customer has personal attributes to mask"

    steward = resolved["clients"]["sam"].get(f"/entities/customer/{entity_id}")
    assert steward.status_code == 200, steward.text
    for section in ("golden", "records", "links"):
        assert f'id="{section}"' in steward.text
    other = resolved["clients"][outsider].get(f"/entities/customer/{entity_id}")
    assert other.status_code == 200, other.text
    shown = html.unescape(other.text)
    for g in personal:
        assert html.escape(str(g.value)) in steward.text
        assert str(g.value) not in shown, g.attribute
    hidden = [g.value for g in masked.golden if g.attribute in PERSONAL and g.value is not None]
    assert hidden and all(str(v).startswith("masked:") and str(v) in shown for v in hidden)
    # A record key finds its customer too; an unknown key is a readable refusal, as in the API.
    account = next(
        r for r in xref if r["entity_id"] == entity_id and r["source"] == "order_management.accounts"
    )
    by_record = resolved["clients"]["sam"].get(
        f"/entities/customer/order_management.accounts:{account['record_id']}"
    )
    assert by_record.status_code == 200 and entity_id in by_record.text
    lookup = resolved["clients"]["sam"].get("/entities/customer")
    assert (
        lookup.status_code == 200
        and 'name="key"' in lookup.text
        and "order_management.accounts" in lookup.text
    )
    found = resolved["clients"]["sam"].get("/entities/customer", params={"key": f" {entity_id} "})
    assert found.status_code == 303 and found.headers["location"] == f"/entities/customer/{entity_id}"
    unknown = resolved["clients"]["sam"].get("/entities/customer/C-nope")
    assert unknown.status_code == 404 and "C-nope" in unknown.text and "Traceback" not in unknown.text


@pytest.mark.slow
def test_lineage_one_level_deep_then_expanded_in_its_direction(resolved: dict[str, Any]) -> None:
    client = resolved["clients"]["sam"]
    mesh = resolved["facade"].mesh(MESH)
    product = "enterprise.customer_master"
    page = client.get(f"/products/{product}")
    assert page.status_code == 200, page.text
    lineage = page.text.split('id="lineage"')[1]
    assert lineage.count('class="lineage-level"') == 1  # one level on the page itself
    upstream = sorted(mesh.products[product].upstream)
    for u in upstream:
        assert f'hx-get="/fragments/lineage/{u}?direction=upstream"' in lineage
    # Expanding an upstream neighbour loads its own sources (and not its readers, the way back).
    deeper = next(u for u in upstream if mesh.products[u].upstream)
    level = client.get(f"/fragments/lineage/{deeper}", params={"direction": "upstream"})
    assert level.status_code == 200 and "<html" not in level.text
    for u in mesh.products[deeper].upstream:
        assert f'href="/products/{u}"' in level.text
    assert "read by" not in level.text and product not in level.text
    readers = mesh.downstream(product)
    if readers:
        down = client.get(f"/fragments/lineage/{readers[0]}", params={"direction": "downstream"})
        assert "reads from" not in down.text
