"""Hostile SQL pipelines: refused at lint with file:line, refused at run, and nothing leaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.engine.duckdb import DuckDBEngine
from andmesh.facade import Andmesh
from andmesh.pipeline.results import PortStatus
from andmesh.pipeline.run import run_mesh
from andmesh.spec import lint_mesh
from andmesh.spec.loader import load_mesh, sql_problems
from tests.helpers import edit
from tests.security.hostile import IDS, make_canary, queries

SQL = "domains/sales/products/customers/customers.sql"


@pytest.mark.parametrize("index", range(len(IDS)), ids=IDS)
def test_lint_refuses_each_hostile_pipeline_with_its_location(tmp_path: Path, index: int) -> None:
    canary = make_canary(tmp_path)
    query_id, sql = queries(canary, "raw_customers")[index]
    file = tmp_path / f"{query_id}.sql"
    file.write_text("-- a pipeline\n" + sql + "\n", encoding="utf-8")
    problems = sql_problems(file, {"raw_customers"}, "sales.customers")
    assert len(problems) == 1, [p.format() for p in problems]
    problem = problems[0]
    assert problem.file == file and problem.line is not None and problem.code == "sql"
    assert problem.severity == "error"
    canary.assert_absent(problem.format())


def test_the_reported_lateral_read_text_pipeline_does_not_lint_clean(mesh_dir: Path, tmp_path: Path) -> None:
    canary = make_canary(tmp_path)
    edit(
        mesh_dir / SQL,
        "from raw_customers\n",
        f"from raw_customers,\n    LATERAL read_text('{canary.dir / 'canary.txt'}')\n",
    )
    report = lint_mesh(mesh_dir)
    [problem] = [p for p in report.errors if p.code == "sql"]
    lateral = next(
        n for n, line in enumerate((mesh_dir / SQL).read_text().splitlines(), 1) if "LATERAL" in line
    )
    assert problem.file == mesh_dir / SQL and problem.line == lateral
    assert "read_text" in problem.message and problem.hint


def test_a_run_refuses_every_hostile_pipeline_and_publishes_nothing(
    andmesh: Andmesh, mesh_dir: Path, tmp_path: Path
) -> None:
    """The pipeline is swapped after lint, as if lint had been skipped: the run refuses it."""
    canary = make_canary(tmp_path)
    mesh = load_mesh(mesh_dir)
    for query_id, sql in queries(canary, "raw_customers"):
        (mesh_dir / SQL).write_text(sql + "\n", encoding="utf-8")
        result = run_mesh(
            mesh,
            engine=DuckDBEngine(),
            store=andmesh.store,
            warehouse=andmesh.warehouse,
            data_root=mesh_dir / "data",
            force=True,
        )
        [outcome] = result.outcomes
        assert outcome.status == PortStatus.failed, (query_id, outcome.message)
        canary.assert_absent(outcome.message, result.model_dump_json())
    assert andmesh.warehouse.current("sales.customers") is None
    canary.assert_absent(
        [str(i) for i in andmesh.store.incidents(product_id="sales.customers")],
        folders=(andmesh.workspace.root,),
    )
