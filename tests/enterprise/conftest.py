"""A scaffolded mini-mesh with enterprise specs, for lint and gap tests."""

from __future__ import annotations

from pathlib import Path

import pytest

USE_CASE = """\
apiVersion: andmesh/v1
kind: UseCase
name: grow_segments
businessInitiative: Grow the right customer segments.
hypothesis: If every customer has a segment, campaigns target better.
kpis: [dso]
entities: [customer]
value:
  financial: {score: 4, weight: 2}
  customer: {score: 3}
feasibility:
  data: {score: 5}
requirements:
  - entity: customer
    domain: sales
    product: sales.customers
    attribute: segment
    standard:
      completeness: 100
      acceptedValues: [enterprise, mid_market, small_business]
    status: accepted
"""

VALUE_CHAIN = """\
apiVersion: andmesh/v1
kind: ValueChain
name: selling
stages:
  - {name: sell, domain: sales}
handoffs:
  - {from: sell, to: sell, needs: [sales.customers.segment]}
"""


@pytest.fixture
def enterprise_mesh(mesh_dir: Path) -> Path:
    """The `andmesh init` mesh plus one use case whose one requirement the mesh meets."""
    (mesh_dir / "enterprise" / "use_cases").mkdir(parents=True)
    (mesh_dir / "enterprise" / "value_chains").mkdir(parents=True)
    (mesh_dir / "enterprise" / "requirements").mkdir(parents=True)
    (mesh_dir / "enterprise" / "use_cases" / "grow_segments.yaml").write_text(USE_CASE)
    (mesh_dir / "enterprise" / "value_chains" / "selling.yaml").write_text(VALUE_CHAIN)
    return mesh_dir
