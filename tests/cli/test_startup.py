"""Commands start fast: `andmesh --help` (and a command's own help) load no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "splink",
    "optbinning",
    "sklearn",
    "scipy",
    "matplotlib",
    "pyiceberg",
    "sqlalchemy",
    "ibis",
    "duckdb",
    "pyarrow",
    "numpy",
    "pandas",
    "fastapi",
    "starlette",
    "uvicorn",
)
PROBE = """
import json, sys
from andmesh.cli.app import app
try:
    app(sys.argv[1:], prog_name="andmesh")
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["access", "--help"],
        ["scores", "--help"],
        ["whoami", "--help"],
        ["serve", "--help"],
    ],
)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert "andmesh" in loaded  # the probe really ran the CLI
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
