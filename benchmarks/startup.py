"""Start-up cost of the `andmesh` command, against the interpreter's own start measured in the same run.

    .venv/bin/python benchmarks/startup.py [--repeat 7]

Prints the median wall time of each command over ``--repeat`` runs, its ratio to a bare
`python -c pass`, the machine's load, and the targets of issue #12 (`--help` ≤ 0.3 s; any
command ≤ 0.5 s before its real work; `andmesh test` on a one-row file ≤ 0.6 s).
"""

from __future__ import annotations

import argparse
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


def timed(argv: list[str], repeat: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    andmesh = str(bin_dir / "andmesh")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "contract.yaml").write_text(CONTRACT)
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"id": [1], "name": ["a"]}), folder / "t.parquet")
        env = {**os.environ, "ANDMESH_WORKSPACE": str(folder / "ws")}
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
        results = {name: timed(argv, args.repeat, env) for name, argv in cases.items()}
    base = results["python -c pass (baseline)"]
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"median of {args.repeat} runs; load average {' '.join(load)}")
    print(f"{'command':40} {'wall s':>8} {'× python':>9}")
    for name, seconds in results.items():
        print(f"{name:40} {seconds:8.3f} {seconds / base:9.1f}")
    print("targets: --help ≤ 0.300 s; a one-row `andmesh test` ≤ 0.600 s")


if __name__ == "__main__":
    main()
