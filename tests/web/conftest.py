"""A served mesh for the portal's tests: the API tests' mesh (council, members, use case, value
chain), run once per package on SQLite, and a browser for each member who signs in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from andmesh.api.app import create_app
from andmesh.facade import Andmesh
from andmesh.workspace import Workspace
from tests.api.conftest import PEOPLE, build_mesh
from tests.helpers import clear_andmesh_environment, token_for

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# A second use case, whose requirement the data misses (one customer has no e-mail): the gap
# page filtered by use case shows its gap and not the other use case's requirement.
REACH = """\
apiVersion: andmesh/v1
kind: UseCase
name: reach_customers
title: Reach every customer by e-mail
businessInitiative: Send invoices by e-mail.
hypothesis: If every customer has an e-mail address, paper invoices stop.
kpis: [email_coverage]
entities: [customer]
value:
  financial: {score: 2}
feasibility:
  data: {score: 2}
requirements:
  - entity: customer
    domain: sales
    product: sales.customers
    attribute: email
    standard:
      completeness: 100
    status: accepted
"""
# Its KPI, a spec over the same product: the share of customers who can be reached by e-mail.
EMAIL_COVERAGE = """\
apiVersion: andmesh/v1
kind: KPI
name: email_coverage
title: Customers with an e-mail address
owner: owner
unit: ratio
direction: higher
formula: customers with an e-mail address / customers created in the period
source: {port: sales.customers}
timeDimension: created_on
measures:
  with_email: {agg: mean, expr: not_null(email)}
value: with_email
"""


@dataclass
class Portal:
    app: FastAPI
    facade: Andmesh
    mesh: Path
    tokens: dict[str, str]
    clients: dict[str, TestClient] = field(default_factory=dict)

    def browser(self, who: str) -> TestClient:
        """A client signed in as ``who`` through the sign-in form (its cookie jar keeps the session)."""
        if who not in self.clients:
            client = TestClient(self.app, follow_redirects=False)
            answer = client.post("/signin", data={"token": self.tokens[who], "next": "/"})
            assert answer.status_code == 303, answer.text
            self.clients[who] = client
        return self.clients[who]

    def csrf(self, who: str) -> str:
        page = self.browser(who).get("/grants")
        found = CSRF.search(page.text)
        assert found, page.text
        return found.group(1)


def served_workspace(root: Path) -> tuple[Andmesh, Path, dict[str, str]]:
    mesh = build_mesh(root)
    (mesh / "enterprise" / "use_cases" / "reach_customers.yaml").write_text(REACH)
    (mesh / "enterprise" / "kpis" / "email_coverage.yaml").write_text(EMAIL_COVERAGE)
    workspace = Workspace.resolve(root / "ws")
    facade = Andmesh(workspace)
    assert facade.run(mesh, data=mesh / "data").exit_code == 0
    tokens = {who: token_for(facade, who) for who in PEOPLE}
    tokens["rita-read-only"] = token_for(facade, "rita", scopes=["read"])
    return facade, mesh, tokens


@pytest.fixture(scope="package")
def clean_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        clear_andmesh_environment(patch)
        yield


@pytest.fixture(scope="package")
def portal(clean_env: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    facade, mesh, tokens = served_workspace(tmp_path_factory.mktemp("web"))
    served = Portal(create_app(facade.workspace, mesh), facade, mesh, tokens)
    yield served
    for client in served.clients.values():
        client.close()
