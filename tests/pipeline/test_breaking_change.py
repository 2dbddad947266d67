"""`andmesh run` refuses a breaking contract change that the version does not announce."""

from __future__ import annotations

from pathlib import Path

from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from tests.helpers import edit

CONTRACT = "domains/sales/products/customers/contract.yaml"
EMAIL = """      - name: email
        logicalType: string
        classification: pii
"""


def test_breaking_change_needs_a_major_version(andmesh: Andmesh, mesh_dir: Path) -> None:
    assert andmesh.run(mesh_dir).outcomes[0].version == 1
    contract = mesh_dir / CONTRACT
    edit(contract, EMAIL, "")  # consumers reading `email` would break

    held = andmesh.run(mesh_dir)
    outcome = held.outcomes[0]
    assert outcome.status == PortStatus.blocked
    assert "needs a major version bump" in outcome.message
    assert "email" in outcome.message
    assert held.exit_code == 1
    assert andmesh.warehouse.current("sales.customers").version == 1  # type: ignore[union-attr]
    assert "email" in andmesh.read("sales.customers").column_names
    incident = andmesh.store.incidents(product_id="sales.customers")[-1]
    assert incident["kind"] == "breaking_change"
    assert any(c["kind"] == "property_removed" for c in incident["details"]["changes"])

    edit(contract, "version: 1.0.0", "version: 2.0.0")
    announced = andmesh.run(mesh_dir)
    assert announced.outcomes[0].status == PortStatus.published
    assert announced.outcomes[0].version == 2
    assert "email" not in andmesh.read("sales.customers").column_names
    assert andmesh.warehouse.current("sales.customers").contract_version == "2.0.0"  # type: ignore[union-attr]


def test_a_compatible_change_publishes(andmesh: Andmesh, mesh_dir: Path) -> None:
    andmesh.run(mesh_dir)
    edit(
        mesh_dir / CONTRACT, "  purpose: The customer accounts sales serves.", "  purpose: Customer accounts."
    )
    edit(mesh_dir / CONTRACT, "version: 1.0.0", "version: 1.0.1")
    result = andmesh.run(mesh_dir)
    assert result.outcomes[0].status == PortStatus.published
    assert result.outcomes[0].version == 2
