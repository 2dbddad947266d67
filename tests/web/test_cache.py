"""The mesh-state cache behind the home page, the product list and the product page: reused while the mesh's state
holds, recomputed as soon as a run publishes a version or a spec changes — never stale."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from andmesh.api.app import create_app
from andmesh.facade import Andmesh
from andmesh.web.cache import StateCache, state_key
from andmesh.web.figures import Figures
from andmesh.workspace import Workspace
from tests.api.conftest import build_mesh
from tests.helpers import token_for


def test_a_new_version_or_a_changed_spec_is_never_answered_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("ANDMESH_WORKSPACE", "ANDMESH_STORE_URL", "ANDMESH_CATALOG_URL", "ANDMESH_DATA"):
        monkeypatch.delenv(var, raising=False)
    mesh = build_mesh(tmp_path)
    app = Andmesh(Workspace.resolve(tmp_path / "ws"))
    assert app.run(mesh, data=mesh / "data").exit_code == 0
    cache = StateCache()
    portal = create_app(app.workspace, mesh)
    page = TestClient(portal, follow_redirects=False)
    assert page.post("/signin", data={"token": token_for(app, "rita")}).status_code == 303
    assert "<dd>1 (3 rows)</dd>" in page.get("/products/sales.customers").text  # current version
    assert "<dd>1 (3 rows)</dd>" in page.get("/products/sales.customers").text  # from the cache
    before = Figures(app, mesh, cache)
    assert before.ready(1) is None  # nothing computed yet: the page would load it lazily
    drawn = before.figure(1)
    again = Figures(app, mesh, cache)
    assert again.ready(1) is drawn and again.key == before.key  # the same state: reused
    versions = {p.table_id: p.current_version for p in again.ports()}
    assert cache.misses >= 2 and set(versions.values()) == {1}

    assert app.run(mesh, data=mesh / "data", force=True).exit_code == 0  # version 2 of every port
    after = Figures(app, mesh, cache)
    assert after.key != before.key and after.ready(1) is None
    assert {p.current_version for p in after.ports()} == {2}
    assert "<dd>2 (3 rows)</dd>" in page.get("/products/sales.customers").text  # never the cached version 1

    spec = next(mesh.rglob("domain.yaml"))
    spec.write_text(spec.read_text() + "\n# edited\n")
    assert state_key(app, mesh) != after.key


def test_a_value_past_its_age_is_answered_while_one_thread_recomputes_it() -> None:
    cache = StateCache()
    started, release = threading.Event(), threading.Event()
    computed: list[int] = []

    def compute() -> int:
        computed.append(len(computed) + 1)
        if len(computed) > 1:  # the refresh: held until the test has seen the stale answers
            started.set()
            assert release.wait(30)
        return len(computed)

    assert cache.recent("value", ("s1",), compute, max_age=3600) == 1  # first: computed in the request
    assert cache.recent("value", ("s1",), compute, max_age=3600) == 1 and computed == [1]  # young: reused
    assert cache.recent("value", ("s1",), compute, max_age=0) == 1  # old: answered, refresh started
    assert started.wait(30)
    assert cache.recent("value", ("s1",), compute, max_age=0) == 1  # still the old one, no second refresh
    assert computed == [1, 2]
    release.set()
    deadline = time.monotonic() + 30
    while cache.peek("value", ("s1",)) != 2:
        assert time.monotonic() < deadline, "the refresh never stored its value"
        time.sleep(0.01)
    assert cache.recent("value", ("s1",), compute, max_age=3600) == 2
    # A new state of the mesh is never answered from the old one's value.
    assert cache.recent("value", ("s2",), compute, max_age=3600) == 3
