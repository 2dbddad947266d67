"""The `lineage:` block of mesh.yaml: optional, and linted with file:line like every other key."""

from __future__ import annotations

from pathlib import Path

import pytest

from andmesh.spec import lint_mesh, load_mesh
from tests.governance.lineage.conftest import write_mesh


def test_no_block_means_the_default_file_transport(lineage_mesh: Path) -> None:
    assert load_mesh(lineage_mesh).spec.lineage is None


def test_a_full_http_block_loads(tmp_path: Path) -> None:
    block = "lineage:\n  transport: http\n  url: http://localhost:5000\n  endpoint: api/v1/lineage\n  apiKeyEnv: MARQUEZ_API_KEY\n  timeout: 2\n"
    spec = load_mesh(write_mesh(tmp_path / "mesh", block)).spec.lineage
    assert spec is not None
    assert (spec.transport, spec.url, spec.apiKeyEnv, spec.timeout) == (
        "http",
        "http://localhost:5000",
        "MARQUEZ_API_KEY",
        2,
    )


@pytest.mark.parametrize(
    ("block", "below", "message"),
    [
        ("lineage:\n  transprt: file\n", 1, "unknown key `transprt`"),
        ("lineage:\n  transport: kafka\n", 1, "'kafka' is not allowed for `transport`"),
        ("lineage:\n  transport: http\n", 0, "`transport: http` needs `url:`"),
        (
            "lineage:\n  transport: http\n  url: http://x\n  apiKeyEnv: my-key\n",
            3,
            "`apiKeyEnv` is 'my-key'",
        ),
    ],
)
def test_mistakes_are_located(tmp_path: Path, block: str, below: int, message: str) -> None:
    """``below``: lines from ``lineage:`` to the one the problem is reported at."""
    mesh_dir = write_mesh(tmp_path / "mesh", block)
    line = (mesh_dir / "mesh.yaml").read_text().splitlines().index("lineage:") + 1 + below
    report = lint_mesh(mesh_dir)
    (problem,) = report.errors
    assert problem.file.name == "mesh.yaml" and problem.line == line, problem.format()
    assert message in problem.message, problem.message
