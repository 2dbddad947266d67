"""Start-up cost of the `andmesh` command, against the interpreter's own start measured in the same run.

    .venv/bin/python benchmarks/startup.py [--repeat 7] [--before OTHER/src]

Prints the median wall time of each command over ``--repeat`` runs, its ratio to a bare
`python -c pass`, the machine's load, and the targets of issue #12 (`--help` ≤ 0.3 s; any
command ≤ 0.5 s before its real work; `andmesh test` on a one-row file ≤ 0.6 s).

The median CPU time (user + system, from ``wait4``) of each command is printed beside its
wall time: on a shared machine it moves far less with the load. ``--before`` also runs
every command from another source tree (an older commit's ``src`` on ``PYTHONPATH``),
alternating with this one run by run, for a before/after in the same conditions. Byte-code
is written for both trees first (``PYTHONDONTWRITEBYTECODE`` would otherwise make every
run compile andmesh's modules again).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: one_row
version: 1.0.0
status: active
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
      - {name: name, logicalType: string}
"""


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and own CPU seconds (user + system) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--before", type=Path, help="another andmesh `src` to compare (PYTHONPATH)")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    andmesh = str(bin_dir / "andmesh")
    here_src = Path(__file__).resolve().parents[1] / "src"
    trees = {"now": str(here_src)}
    if args.before is not None:
        trees["before"] = str(args.before.resolve())
    for tree in trees.values():
        compileall.compile_dir(tree, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "contract.yaml").write_text(CONTRACT)
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"id": [1], "name": ["a"]}), folder / "t.parquet")
        base_env = {**os.environ, "ANDMESH_WORKSPACE": str(folder / "ws")}
        envs = {name: {**base_env, "PYTHONPATH": tree} for name, tree in trees.items()}
        duck = (
            "import duckdb; duckdb.sql(\"select count(*), count(distinct id) from read_parquet('"
            + str(folder / "t.parquet")
            + "')\").fetchall()"
        )
        cases = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "andmesh --help": [andmesh, "--help"],
            "andmesh run --help": [andmesh, "run", "--help"],
            "andmesh whoami": [andmesh, "whoami"],
            "andmesh test contract.yaml (1 row)": [
                andmesh,
                "test",
                str(folder / "contract.yaml"),
                "--data",
                str(folder / "t.parquet"),
            ],
            "python + duckdb, the same counts": [sys.executable, "-c", duck],
        }
        runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for name, argv in cases.items():
            plain = not argv[0].endswith("andmesh")
            for _ in range(args.repeat):
                for tree, env in envs.items():
                    if plain and tree != "now":
                        continue
                    runs.setdefault((name, tree), []).append(timed(argv, env))
    base = statistics.median(w for w, _ in runs[("python -c pass (baseline)", "now")])
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"median of {args.repeat} runs; load average {' '.join(load)}")
    print(f"{'command':40} {'tree':>7} {'wall s':>8} {'CPU s':>8} {'× python':>9}")
    for (name, tree), values in runs.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"{name:40} {tree:>7} {wall:8.3f} {cpu:8.3f} {wall / base:9.1f}")
    print("targets: --help ≤ 0.300 s; a one-row `andmesh test` ≤ 0.600 s")


if __name__ == "__main__":
    main()
