"""Hostile SQL policies: a located lint error each, an `error` result if evaluated anyway, no leak."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from andmesh.cli.app import app
from andmesh.governance.policies import evaluate_policies
from andmesh.spec import lint_mesh, load_mesh
from tests.security.hostile import IDS, make_canary, queries


def _policy(mesh: Path, name: str, sql: str) -> Path:
    folder = mesh / "governance" / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{name}.yaml"
    body = {"apiVersion": "andmesh/v1", "kind": "Policy", "name": name, "severity": "block", "sql": sql}
    file.write_text(yaml.safe_dump(body, sort_keys=False, width=1000), encoding="utf-8")
    return file


def test_lint_refuses_every_hostile_policy_where_it_is_written(mesh_dir: Path, tmp_path: Path) -> None:
    canary = make_canary(tmp_path)
    files = {
        query_id: _policy(mesh_dir, f"p_{query_id}", sql) for query_id, sql in queries(canary, "products")
    }
    report = lint_mesh(mesh_dir)
    for query_id, file in files.items():
        found = [p for p in report.errors if p.file == file]
        assert len(found) == 1, (query_id, [p.format() for p in report.problems if p.file == file])
        assert found[0].line == 5 and found[0].path == "sql", found[0].format()
    canary.assert_absent(*(p.format() for p in report.problems))
    assert len(files) == len(IDS)


def test_andmesh_lint_does_not_print_a_file_a_policy_reads(mesh_dir: Path, tmp_path: Path) -> None:
    """The reported attack: a policy `from read_text(...)` whose rows lint printed."""
    canary = make_canary(tmp_path)
    _policy(
        mesh_dir,
        "leak",
        f"select 'sales.customers' as product_id, content as message from read_text('{canary.dir / 'canary.txt'}')",
    )
    result = CliRunner().invoke(app, ["lint", str(mesh_dir)])
    assert result.exit_code == 2, result.output
    assert "leak.yaml:5" in result.output and "read_text" in result.output
    canary.assert_absent(result.output)


def test_a_hostile_policy_evaluated_without_lint_is_an_error_and_reads_nothing(
    mesh_dir: Path, tmp_path: Path
) -> None:
    canary = make_canary(tmp_path)
    _policy(mesh_dir, "swapped", "select product_id, 'x' as message from products where false")
    mesh = load_mesh(mesh_dir)
    policy = mesh.policies["swapped"]
    for query_id, sql in queries(canary, "products"):
        policy.spec = policy.spec.model_copy(update={"sql": sql})
        report = evaluate_policies(mesh)
        [found] = [r for r in report.results if r.policy == "swapped"]
        assert found.status == "error" and found.blocks, (query_id, found)
        canary.assert_absent(report.model_dump_json())
