"""Commands start fast: `andmesh --help` (and a command's own help) load no heavy library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from andmesh.facade import Andmesh

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


CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: light
version: 1.0.0
status: active
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
      - {name: email, logicalType: string, classification: pii, logicalTypeOptions: {format: email}}
      - {name: amount, logicalType: number, logicalTypeOptions: {minimum: 0}}
"""


def test_contract_test_imports_neither_ibis_nor_arrow(tmp_path: Path) -> None:
    """`andmesh test` on files compiles its checks with sqlglot: no Ibis, pyarrow, pandas or numpy,
    including when checks fail and samples are read and masked."""
    import duckdb

    (tmp_path / "contract.yaml").write_text(CONTRACT)
    data = tmp_path / "t.parquet"
    duckdb.execute(
        f"COPY (SELECT * FROM (VALUES (1, 'a@b.example', 1.5), (1, 'nope', -2.0), (NULL, NULL, 3.0)) "
        f"v(id, email, amount)) TO '{data}' (FORMAT parquet)"
    )
    env = {**os.environ, "ANDMESH_WORKSPACE": str(tmp_path / "ws")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "test", str(tmp_path / "contract.yaml"), "--data", str(data)],
        capture_output=True, text=True, check=True, timeout=120, env=env,
    ).stdout  # fmt: skip
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert "1 null values" in out and "2 rows sharing a value" in out  # the checks ran, and failed
    assert "masked:" in out  # a sample of the failed email format, masked
    assert not loaded & {"ibis", "pyarrow", "numpy", "pandas", "pyiceberg", "sqlalchemy"}, sorted(
        loaded & set(HEAVY)
    )


def test_noop_run_imports_nothing_it_does_not_use(mesh_dir: Path, tmp_path: Path) -> None:
    """A run where every port is up to date builds nothing and draws nothing: no Ibis (the
    pipelines' expression layer), no matplotlib (lineage pictures), no pyiceberg (heads come
    from the catalog's metadata files), no Alembic (the revision is read with plain SQL)."""
    env = {**os.environ, "ANDMESH_WORKSPACE": str(tmp_path / "ws"), "ANDMESH_MEMORY_LIMIT": "256MB"}
    args = ["run", str(mesh_dir), "--json"]
    first = subprocess.run(
        [sys.executable, "-m", "andmesh.cli", *args], capture_output=True, text=True, timeout=180, env=env
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert '"published"' in first.stdout
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, timeout=180, env=env
    ).stdout
    lines = out.strip().splitlines()
    loaded = set(json.loads(lines[-1]))
    result = json.loads("\n".join(lines[:-1]))
    statuses = {o["status"] for o in result["outcomes"]}
    assert statuses == {"up_to_date"}, statuses  # the probe really ran a no-op
    # The lineage events of the up-to-date ports are still written, without the OpenLineage client.
    unwanted = {
        "matplotlib",
        "ibis",
        "pyiceberg",
        "alembic",
        "pandas",
        "pyarrow",
        "numpy",
        "openlineage",
        "requests",
    }
    assert not loaded & unwanted, sorted(loaded & unwanted)


def test_the_command_line_builds_only_the_command_it_runs(tmp_path: Path) -> None:
    """`main` registers only the invoked sub-command with Typer (the others' parameters are
    never built); a misspelt one still gets Click's suggestion, the app's help lists them all."""
    env = {**os.environ, "ANDMESH_WORKSPACE": str(tmp_path / "ws")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "andmesh.cli", *args], capture_output=True, text=True, timeout=60, env=env
        )

    misspelt = cli("tst")
    assert misspelt.returncode == 2 and "Did you mean 'test'" in misspelt.stderr
    listed = cli("--help").stdout
    assert all(name in listed for name in ("test", "run", "scores", "whoami", "access"))
    sub = cli("-w", str(tmp_path / "other"), "scores", "--help")
    assert sub.returncode == 0 and "Enterprise scores" in sub.stdout
    (tmp_path / "contract.yaml").write_text(CONTRACT)
    (tmp_path / "t.csv").write_text("id,email,amount\n1,a@b.example,2\n")
    ran = cli("test", str(tmp_path / "contract.yaml"), "--data", str(tmp_path / "t.csv"))
    assert ran.returncode == 0, ran.stdout + ran.stderr


GC_PROBE = """
import gc, json, time, weakref
import andmesh.cli.app as cli

class Node:
    pass

seen = {}

def fake_app():
    seen["at_start"] = gc.isenabled()
    cycle = Node()
    cycle.me = cycle
    ref = weakref.ref(cycle)
    del cycle
    time.sleep(0.6)
    seen["later"] = gc.isenabled()
    seen["cycle_collected"] = ref() is None

cli.GC_AFTER_SECONDS = 0.2
cli.app = fake_app
cli.only_invoked = lambda argv: None
cli.main()
print(json.dumps(seen))
"""


def test_the_collector_is_off_at_start_up_and_back_on_with_start_ups_cycles_collected() -> None:
    out = subprocess.run(
        [sys.executable, "-c", GC_PROBE], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {
        "at_start": False,
        "later": True,
        "cycle_collected": True,
    }


def test_noop_run_of_the_reference_mesh_loads_neither_ibis_nor_arrow(o2c: Andmesh, tmp_path: Path) -> None:
    """Issue 12: with entities, scores and KPIs, the no-op's ``fingerprint()`` hooks and the KPI
    specs' loading import neither Ibis nor pyarrow (hooks live in small fingerprint modules)."""
    import shutil

    # A copy of the session's workspace: this test's run history stays out of the others'.
    source = o2c.workspace.root
    ws = tmp_path / "ws"
    shutil.copytree(source, ws)
    env = {**os.environ, "ANDMESH_WORKSPACE": str(ws)}
    for var in ("ANDMESH_STORE_URL", "ANDMESH_CATALOG_URL", "ANDMESH_DATA"):
        env.pop(var, None)
    args = ["run", "examples/order_to_cash", "--data", str(source.parent / "data"), "--json"]
    # The session's mesh was built in-process; the first CLI run fills the CLI's caches (specs,
    # lineage memory) as the run after any build does. The no-op measured is the one after it.
    subprocess.run(
        [sys.executable, "-m", "andmesh.cli", *args], capture_output=True, check=True, timeout=300, env=env
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, timeout=300, env=env
    ).stdout
    lines = out.strip().splitlines()
    loaded = set(json.loads(lines[-1]))
    result = json.loads("\n".join(lines[:-1]))
    assert {o["status"] for o in result["outcomes"]} == {"up_to_date"}
    assert any(o["product_id"] == "enterprise.customer_scores" for o in result["outcomes"])
    assert not loaded & {"ibis", "pyarrow", "numpy", "pandas", "splink"}, sorted(loaded & set(HEAVY))
