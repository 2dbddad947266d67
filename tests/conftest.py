"""Shared fixtures: a scaffolded mesh and an isolated workspace per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from andmesh.facade import Andmesh
from andmesh.scaffold import scaffold_mesh
from andmesh.workspace import Workspace
from tests.helpers import clear_andmesh_environment


@pytest.fixture
def mesh_dir(tmp_path: Path) -> Path:
    """A fresh copy of the `andmesh init` mesh (one domain, one product, sample data)."""
    target = tmp_path / "mesh"
    scaffold_mesh(target, "test-mesh")
    return target


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    clear_andmesh_environment(monkeypatch)
    return Workspace.resolve(tmp_path / "ws")


@pytest.fixture
def andmesh(workspace: Workspace) -> Andmesh:
    return Andmesh(workspace)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server on loopback, started and stopped by the test itself."""
    initdb = shutil.which("initdb") or next(iter(Path("/usr/lib/postgresql").glob("*/bin/initdb")), None)
    if initdb is None:
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    bindir = Path(initdb).parent
    # Not under pytest's tmp dir: that one is private to root, and the server may not
    # run as root.
    base = Path(tempfile.mkdtemp(prefix="andmesh-pg-"))
    data = base / "data"
    port = _free_port()
    user = "postgres"
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        run_as = ["runuser", "-u", "nobody", "--"]
        data.parent.chmod(0o777)
        user = "nobody"
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust"],
        check=True,
        capture_output=True,
    )
    log = data.parent / "pg.log"
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        url = f"postgresql+psycopg://{user}@127.0.0.1:{port}/postgres"
        deadline = time.time() + 20
        while True:
            try:
                sa.create_engine(url).connect().close()
                break
            except sa.exc.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


# --- the enterprise view ---------------------------------------------------------------

USE_CASE = """\
apiVersion: andmesh/v1
kind: UseCase
name: grow_segments
businessInitiative: Grow the right customer segments.
hypothesis: If every customer has a segment, campaigns target better.
kpis: [segment_coverage]
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

KPI = """\
apiVersion: andmesh/v1
kind: KPI
name: segment_coverage
title: Customers with a segment
owner: owner
unit: ratio
direction: higher
formula: customers with a segment / customers created in the period
source: {port: sales.customers}
timeDimension: created_on
measures:
  with_segment: {agg: mean, expr: not_null(segment)}
value: with_segment
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
    (mesh_dir / "enterprise" / "kpis").mkdir(parents=True)
    (mesh_dir / "enterprise" / "kpis" / "segment_coverage.yaml").write_text(KPI)
    (mesh_dir / "enterprise" / "use_cases" / "grow_segments.yaml").write_text(USE_CASE)
    (mesh_dir / "enterprise" / "value_chains" / "selling.yaml").write_text(VALUE_CHAIN)
    return mesh_dir


@pytest.fixture(scope="session")
def o2c(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Andmesh]:
    """The Order-to-Cash reference mesh run on 1,000 generated customers (once per test worker)."""
    from andmesh.generate import generate_order_to_cash

    with pytest.MonkeyPatch.context() as patch:
        for var in ("ANDMESH_WORKSPACE", "ANDMESH_STORE_URL", "ANDMESH_CATALOG_URL", "ANDMESH_DATA"):
            patch.delenv(var, raising=False)
        root = tmp_path_factory.mktemp("o2c")
        generate_order_to_cash(root / "data", customers=1000, seed=7)
        facade = Andmesh(Workspace.resolve(root / "ws"))
        result = facade.run(Path("examples/order_to_cash"), data=root / "data")
        assert result.exit_code == 0
        yield facade
