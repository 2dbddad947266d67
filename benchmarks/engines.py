"""The whole Order-to-Cash mesh on DuckDB and on Spark, same generated data: time and peak memory
side by side, and Spark's ratio to DuckDB measured in the same run.

    .venv/bin/python benchmarks/engines.py --customers 20000
    .venv/bin/python benchmarks/engines.py --customers 200000 --master 'local[*]' --keep

Each engine runs the mesh in a child process of its own, in a fresh workspace. Wall time is the
child's, process start to exit (Spark's includes starting its JVM); `run` is the mesh run alone.
Peak memory is the peak of the child's whole process tree (Python, DuckDB in it, and Spark's JVM,
which is a separate process), sampled from /proc every 0.2 s. CPU time (user + system) is the
child's and its descendants' at the end of the run (the JVM and Spark's Python workers included):
on a shared machine it is the figure to compare, wall time moves with the load. The machine's
load average is printed before and after.

Each product's line in ``<work>/<engine>.progress.log`` gives its wall time, its CPU time and the
Spark jobs it ran, and entity resolution's steps on Spark are logged there with their times.

Spark runs on ``--master`` (default ``local[2]``, two shuffle partitions per core: the mesh's
products are small per query, and Spark's default of 200 partitions costs more than it splits).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MESH = Path(__file__).resolve().parent.parent / "examples" / "order_to_cash"


def _tree_stats(root: int) -> tuple[set[int], dict[int, list[str]]]:
    """``root`` and all its live descendants, and each process's /proc stat fields."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            stats[int(entry)] = fields
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree, stats


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, from /proc (MB)."""
    tree, stats = _tree_stats(root)
    page = os.sysconf("SC_PAGE_SIZE")
    return sum(int(stats[p][21]) * page for p in tree if p in stats) / 2**20


def load() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def tree_cpu_s(root: int) -> float:
    """CPU time (user + system) of ``root`` and its live descendants, from /proc (s)."""
    tree, stats = _tree_stats(root)
    tick = os.sysconf("SC_CLK_TCK")
    return sum((int(stats[p][11]) + int(stats[p][12])) / tick for p in tree if p in stats)


def spark_jobs() -> int:
    """Spark jobs started so far in this process (0 before Spark starts, or on DuckDB)."""
    from andmesh.engine import spark_conf

    session = spark_conf._session if "pyspark" in sys.modules else None
    if session is None:
        return 0
    ids = session.sparkContext.statusTracker().getJobIdsForGroup(None)
    return max(ids) + 1 if ids else 0


def child(engine: str, data: Path, ws: Path) -> None:
    """Run the mesh once on ``engine``; print what it did as one JSON line."""
    import logging

    from andmesh.facade import Andmesh
    from andmesh.workspace import Workspace

    # Where entity resolution's time goes on Spark (its steps, logged at DEBUG).
    steps = logging.getLogger("andmesh.entities.spark")
    steps.setLevel(logging.DEBUG)
    steps.addHandler(logging.StreamHandler(sys.stderr))
    facade = Andmesh(Workspace.resolve(ws))
    clock = time.perf_counter()
    started: dict[str, tuple[float, float, int]] = {}
    me = os.getpid()

    def progress(event: Any) -> None:
        # One line per product on stderr (the parent keeps it in <work>/<engine>.progress.log), so a
        # run stopped before its end still tells what each finished product took: its wall time, the
        # CPU time of this process and its children (Spark's JVM) and the Spark jobs it ran.
        if event.kind == "start":
            started[event.table_id] = (time.perf_counter(), tree_cpu_s(me), spark_jobs())
        elif event.kind == "done":
            wall, cpu, jobs = started.get(event.table_id, (clock, 0.0, 0))
            print(
                f"{time.perf_counter() - clock:8.1f} s  {event.index}/{event.total} {event.table_id} "
                f"{event.status} {time.perf_counter() - wall:.1f} s · cpu {tree_cpu_s(me) - cpu:.1f} s"
                f" · {spark_jobs() - jobs} jobs · load {load()}",
                file=sys.stderr,
                flush=True,
            )

    result = facade.run(MESH, data=data, engine=engine, on_event=progress)
    seconds = time.perf_counter() - clock
    ports = {
        o.table_id: {"status": o.status.value, "rows": o.rows, "seconds": o.seconds} for o in result.outcomes
    }
    summary = {"run_s": seconds, "cpu_s": tree_cpu_s(me), "jobs": spark_jobs(), "exit_code": result.exit_code}
    print(json.dumps({**summary, "rows": result.rows, "ports": ports}))


def measure(engine: str, data: Path, ws: Path, env: dict[str, str], log: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", engine, "--data", str(data), "--ws", str(ws)]
    clock = time.perf_counter()
    with log.open("w") as progress:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=progress, env=env, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(process.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    wall = time.perf_counter() - clock
    done.set()
    sampler.join()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise SystemExit(f"{engine}: the run did not finish (exit {process.returncode})")
    return {**json.loads(lines[-1]), "wall_s": wall, "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2]).")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument(
        "--conf",
        default="spark.sql.shuffle.partitions=2,spark.default.parallelism=2",
        help="Spark settings (ANDMESH_SPARK_CONF; default: two shuffle partitions per core of local[2]).",
    )
    parser.add_argument("--work", type=Path, default=None, help="Folder for data and workspaces.")
    parser.add_argument("--keep", action="store_true", help="Keep the data and workspaces.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ws", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.ws)
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="andmesh-engines-"))
    data = work / "data"
    if not (data / "truth" / "manifest.yaml").exists():
        shutil.rmtree(data, ignore_errors=True)
        generate = ["generate", "order-to-cash", "--customers", str(args.customers), "--seed", str(args.seed)]
        subprocess.run(
            [sys.executable, "-m", "andmesh.cli", *generate, "--out", str(data), "--json"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    env = {
        **os.environ,
        "ANDMESH_SPARK_MASTER": args.master,
        "ANDMESH_SPARK_CONF": args.conf,
    }
    print(f"customers {args.customers:,} · spark master {args.master} · load before {load()}")
    results: dict[str, dict[str, Any]] = {}
    for engine in args.engines.split(","):
        ws = work / f"ws_{engine}"
        shutil.rmtree(ws, ignore_errors=True)
        log = work / f"{engine}.progress.log"
        print(f"{engine}: each product as it finishes in {log}", flush=True)
        results[engine] = measure(engine, data, ws, env, log)
        r = results[engine]
        print(
            f"{engine:<7} wall {r['wall_s']:>7.1f} s · run {r['run_s']:>7.1f} s · cpu {r['cpu_s']:>7.1f} s"
            f" · peak {r['peak_mb']:>7,.0f} MB · {r['jobs']:,} Spark jobs"
            f" · {sum(p['status'] == 'published' for p in r['ports'].values())}/{len(r['ports'])} published"
            f" · {r['rows']:,} rows · exit {r['exit_code']} · load {load()}"
        )
    if "duckdb" in results and "spark" in results:
        duck, spark = results["duckdb"], results["spark"]
        print(
            f"spark / duckdb: wall {spark['wall_s'] / duck['wall_s']:.2f}x · run {spark['run_s'] / duck['run_s']:.2f}x"
            f" · cpu {spark['cpu_s'] / duck['cpu_s']:.2f}x"
            f" · peak memory {spark['peak_mb'] / duck['peak_mb']:.2f}x"
        )
        differ = [
            f"{port} {d['rows']} vs {spark['ports'].get(port, {}).get('rows')}"
            for port, d in duck["ports"].items()
            if spark["ports"].get(port, {}).get("rows") != d["rows"]
        ]
        print("row counts: " + ("equal on every port" if not differ else "differ: " + "; ".join(differ)))
        slow = sorted(spark["ports"].items(), key=lambda kv: -kv[1]["seconds"])[:5]
        print(
            "slowest on spark: "
            + ", ".join(
                f"{p} {v['seconds']:.1f}s (duckdb {duck['ports'][p]['seconds']:.1f}s)" for p, v in slow
            )
        )
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
