"""Scores, treatments and the customer 360 through the API, on the Order-to-Cash reference mesh
on SQLite (a copy of the session's run on 1,000 customers) and PostgreSQL (300 customers): what
the CLI shows, masked by the one masking function where the published contracts protect it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from andmesh.api.app import create_app
from andmesh.facade import Andmesh
from andmesh.security.keys import workspace_key
from andmesh.security.masking import mask_value
from andmesh.workspace import Workspace
from tests.api.conftest import BACKENDS
from tests.helpers import as_member, clear_andmesh_environment, edit, token_for

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"
SCORES_CONTRACT = "domains/enterprise/products/customer_scores/contract.yaml"
PEOPLE = ("edo", "sam", "alice")  # the scores' owner team, the customer's steward, a unit's owner


@dataclass
class Mesh:
    client: TestClient
    facade: Andmesh
    mesh: Path
    tokens: dict[str, str]

    def get(self, who: str, url: str, **kwargs: Any) -> Any:
        answer = self.client.get(url, headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kwargs)
        return answer

    def ok(self, who: str, url: str, **kwargs: Any) -> Any:
        answer = self.get(who, url, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()


def _confidential_scores_mesh(root: Path) -> Path:
    """A copy of the reference mesh whose score value is confidential: only the enterprise team
    (or a grant) reads it in clear."""
    mesh = root / "mesh"
    shutil.copytree(REFERENCE, mesh, ignore=shutil.ignore_patterns("__pycache__", "data"))
    edit(
        mesh / SCORES_CONTRACT,
        '      - name: value\n        description: "The score on its own scale (points, 0–100, money)."\n',
        '      - name: value\n        description: "The score on its own scale (points, 0–100, money)."\n'
        "        classification: confidential\n",
    )
    return mesh


@pytest.fixture(scope="module", params=BACKENDS)
def o2c_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mesh]:
    with pytest.MonkeyPatch.context() as patch:
        clear_andmesh_environment(patch)
        root = tmp_path_factory.mktemp("o2c-api")
        mesh = _confidential_scores_mesh(root)
        if request.param == "sqlite":
            # The session's Order-to-Cash run (1,000 customers, resolved and scored; tests/web and
            # the enterprise tests use it too), copied — a workspace travels with its own catalog —
            # so that only the scores product is published again under the confidential contract.
            session: Andmesh = request.getfixturevalue("o2c")
            shutil.copytree(session.workspace.root, root / "ws")
            facade = Andmesh(Workspace.resolve(root / "ws"))
            assert facade.run(mesh, select=["enterprise.customer_scores"]).exit_code == 0
        else:
            from andmesh.generate import generate_order_to_cash

            generate_order_to_cash(root / "data", customers=300, seed=7)
            store, catalog = request.getfixturevalue("pg_databases")
            facade = Andmesh(Workspace(Workspace.resolve(root / "ws").root, store, catalog))
            assert facade.run(mesh, data=root / "data").exit_code == 0
        tokens = {who: token_for(facade, who) for who in PEOPLE}
        with TestClient(create_app(facade.workspace, mesh)) as client:
            yield Mesh(client, facade, mesh, tokens)


def test_score_versions_and_bands(o2c_api: Mesh) -> None:
    versions = o2c_api.ok("alice", "/api/v1/scores", params={"limit": 2})
    rest = o2c_api.ok("alice", "/api/v1/scores", params={"cursor": versions["next"]})
    listed = [(v["score"], v["version"], v["role"]) for v in versions["items"] + rest["items"]]
    assert listed == [(v.score, v.version, v.role) for v in o2c_api.facade.scores(o2c_api.mesh).versions()]
    assert ("credit_risk", "1.0.0", "served") in listed and ("credit_risk", "2.0.0", "shadow") in listed
    detail = o2c_api.ok("alice", "/api/v1/scores/credit_risk")
    served = next(v for v in detail["versions"] if v["role"] == "served")
    assert detail["served_run"]["id"] == served["last_run"] and "output_path" not in detail["served_run"]
    assert set(detail["bands"]) <= {"A", "B", "C", "D", "E", "F"}
    assert abs(sum(detail["bands"].values()) - 1) < 1e-3  # shares rounded to 4 decimals
    missing = o2c_api.get("alice", "/api/v1/scores/credit_rsk")
    assert missing.status_code == 404 and "credit_risk" in missing.json()["fix"]


def test_a_customers_scores_masked_as_the_scores_product_is(o2c_api: Mesh) -> None:
    service = o2c_api.facade.scores(o2c_api.mesh)
    _, table = service.output("credit_risk")
    customer = str(table.column("customer_id")[0])
    cli = service.show("credit_risk", customer)  # what `andmesh scores show credit_risk -c ID` prints
    key = workspace_key(o2c_api.facade.workspace.root, "masking")
    clear = {s["score"]: s for s in o2c_api.ok("edo", f"/api/v1/customers/{customer}/scores")["items"]}
    masked = {s["score"]: s for s in o2c_api.ok("alice", f"/api/v1/customers/{customer}/scores")["items"]}
    assert set(clear) == set(masked) >= {"credit_risk", "financial_health", "lifetime_value"}
    assert (clear["credit_risk"]["value"], clear["credit_risk"]["band"]) == (cli.value, cli.band)
    assert masked["credit_risk"]["value"] == mask_value(cli.value, key)  # the one masking function
    assert masked["credit_risk"]["band"] == cli.band  # not classified: shown as the CLI shows it
    unknown = o2c_api.get("alice", "/api/v1/customers/EC-nobody/scores")
    assert unknown.status_code == 404


def test_treatment_tiers_consistency_and_a_customer(o2c_api: Mesh) -> None:
    [treatment] = o2c_api.ok("alice", "/api/v1/treatments")["items"]
    assert treatment["tiers"] and treatment["domains"]
    name = treatment["name"]
    service = o2c_api.facade.treatments(o2c_api.mesh, name)
    proof = o2c_api.ok("alice", f"/api/v1/treatments/{name}/consistency")
    expected = service.consistency()
    assert proof["findings"] == [f.model_dump(mode="json") for f in expected.findings]
    assert (
        proof["tier_counts"] == expected.tier_counts
        and sum(proof["tier_counts"].values()) == proof["customers"]
    )
    customer = next(iter(service.tiers({n: v for n, v in service.served_versions().items() if v})))
    treated = o2c_api.ok("alice", f"/api/v1/treatments/{name}/customers/{customer}")
    assert treated["tier"] == service.treat(customer).tier
    assert [d["domain"] for d in treated["domains"]] == [d.domain for d in service.treat(customer).domains]
    assert o2c_api.get("alice", "/api/v1/treatments/nope/consistency").status_code == 404


def test_the_customer_360_masked_unless_a_steward(o2c_api: Mesh) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    files = o2c_api.facade.warehouse.current("enterprise.customer_xref").files
    xref = pq.read_table(files[0]).group_by("entity_id").aggregate([("record_id", "count")])
    linked = xref.filter(pc.greater(xref["record_id_count"], 1))
    enterprise_id = str(linked["entity_id"][0])  # one holding several records: links to explain
    seen = o2c_api.ok("alice", f"/api/v1/entities/customer/{enterprise_id}")
    stewarded = o2c_api.ok("sam", f"/api/v1/entities/customer/{enterprise_id}")
    direct = as_member(o2c_api.facade, "sam", o2c_api.mesh).entity_view(
        "customer", enterprise_id, path=o2c_api.mesh
    )
    assert stewarded["entity_id"] == seen["entity_id"] == direct.entity_id
    assert [(r["source"], r["record_id"]) for r in seen["records"]] == [
        (r.source, r.record_id) for r in direct.records
    ]
    assert all(r["match_method"] for r in seen["records"])  # why each record is linked
    assert seen["links"] and all(link["reason"] and link["method"] for link in seen["links"])
    names = [g for g in stewarded["golden"] if g["attribute"] == "name" and g["value"]]
    assert names, stewarded["golden"]
    shown = next(g for g in seen["golden"] if g["attribute"] == "name")
    assert shown["value"].startswith("masked:") and not names[0]["value"].startswith("masked:")
    # A key that names no customer is not found (404), an enterprise id as a record key.
    for key in ("EC-nobody", "order_management.accounts:nobody", "nobody"):
        unknown = o2c_api.get("alice", f"/api/v1/entities/customer/{key}")
        assert unknown.status_code == 404, unknown.text
        assert key in unknown.json()["detail"] and unknown.json()["fix"]
    review = o2c_api.ok("sam", "/api/v1/entities/customer/review")  # still the review queue
    assert "pairs" in review and "total" in review and "golden" not in review


def test_the_enterprise_view_where_the_units_leave_gaps(o2c_api: Mesh) -> None:
    report = o2c_api.facade.gaps(path=o2c_api.mesh)
    assert report.gaps, "the generator plants gaps between the units"
    gap_ids = {g.requirement for g in report.gaps}
    for name in ("improve_otif", "reduce_dso"):
        detail = o2c_api.ok("alice", f"/api/v1/usecases/{name}")
        expected = {g.requirement for g in report.gaps if name in g.blocks_use_cases}
        assert {g["requirement"] for g in detail["blocking_gaps"]} >= expected
        assert {g["requirement"] for g in detail["blocking_gaps"]} <= gap_ids
        assert {k["name"] for k in detail["kpis"]} <= set(detail["priority"]["kpis"])
        assert all(k["reason"] for k in detail["kpis"] if k["status"] == "not_computable")
    chain = o2c_api.ok("alice", "/api/v1/valuechains/order_to_cash")
    assert len(chain["stages"]) == 7 and all(s["products"] for s in chain["stages"])
    open_gaps = {g for h in chain["handoffs"] for g in h["open_gaps"]}
    assert open_gaps and open_gaps <= gap_ids
    assert all(set(h["open_gaps"]) <= set(h["needs"]) for h in chain["handoffs"])
    page = o2c_api.ok("alice", "/api/v1/requirements", params={"use_case": "reduce_dso", "limit": 3})
    assert len(page["items"]) <= 3 and all("reduce_dso" in r["use_cases"] for r in page["items"])
    with_gaps = [
        r for r in o2c_api.ok("alice", "/api/v1/requirements", params={"limit": 500})["items"] if r["gaps"]
    ]
    assert {r["id"] for r in with_gaps} == gap_ids
