"""Python pipelines that ask for a build context: run id, artifacts folder, store, own port."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.errors import EngineError
from andmesh.facade import Andmesh
from andmesh.pipeline import PortStatus
from andmesh.pipeline.build import evaluate
from andmesh.spec import load_mesh

PIPELINE = """
def build(inputs, context):
    context.artifacts.mkdir(parents=True, exist_ok=True)
    previous = context.current()
    (context.artifacts / "seen.txt").write_text(
        f"{context.run_id} {context.product.id} {previous.version if previous else 0} {context.store is not None}"
    )
    t = inputs["raw_customers"]
    return t.filter(~t.customer_id.like("TEST%")).select(
        "customer_id",
        customer_name=t.customer_name.strip(),
        email=t.email.lower(),
        segment=t.segment,
        credit_limit=t.credit_limit.cast("float64"),
        created_on=t.created_on.cast("date"),
    )


def fingerprint(context):
    return (context.mesh.root / "decisions.txt").read_text()
"""


@pytest.fixture
def python_mesh(mesh_dir: Path) -> Path:
    product = mesh_dir / "domains" / "sales" / "products" / "customers"
    (product / "customers.sql").unlink()
    (product / "customers.py").write_text(PIPELINE)
    spec = product / "product.yaml"
    spec.write_text(spec.read_text().replace("value: customers.sql", "value: customers.py:build"))
    (mesh_dir / "decisions.txt").write_text("none yet")
    return mesh_dir


def test_a_pipeline_gets_its_run_context(python_mesh: Path, andmesh: Andmesh) -> None:
    first = andmesh.run(python_mesh, data=python_mesh / "data")
    assert first.outcomes[0].status == PortStatus.published, first.outcomes[0].message
    seen = andmesh.workspace.root / "artifacts" / "sales.customers" / first.run_id / "seen.txt"
    assert seen.read_text() == f"{first.run_id} sales.customers 0 True"
    again = andmesh.run(python_mesh, data=python_mesh / "data", force=True)
    latest = andmesh.workspace.root / "artifacts" / "sales.customers" / again.run_id / "seen.txt"
    assert latest.read_text().split()[2] == "1", "the context shows the port's current version"


def test_what_the_fingerprint_hook_returns_decides_a_rebuild(python_mesh: Path, andmesh: Andmesh) -> None:
    andmesh.run(python_mesh, data=python_mesh / "data")
    unchanged = andmesh.run(python_mesh, data=python_mesh / "data")
    assert unchanged.outcomes[0].status == PortStatus.up_to_date
    (python_mesh / "decisions.txt").write_text("a steward decided something")
    changed = andmesh.run(python_mesh, data=python_mesh / "data")
    assert changed.outcomes[0].status == PortStatus.published
    assert changed.outcomes[0].version == 2


def test_a_context_pipeline_evaluated_without_context_says_so(python_mesh: Path) -> None:
    from andmesh.engine import get_engine

    mesh = load_mesh(python_mesh)
    port = mesh.products["sales.customers"].output()
    session = get_engine("duckdb").session()
    try:
        with pytest.raises(EngineError, match="needs a build context"):
            evaluate(session, port, {}, "duckdb")
    finally:
        session.close()
