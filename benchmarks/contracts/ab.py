"""`andmesh test` against the hand-written DuckDB process, interleaved, wall AND own CPU time.

    PYTHONPATH=src .venv/bin/python benchmarks/contracts/ab.py --rows 6000000 [--before /tmp/old/src]

For a shared machine: the contenders run in turn, round after round (so a burst of other
work hits them alike), and each process's own CPU time (user + system, from ``wait4``) is
reported beside its wall time. The CPU ratio moves far less with the load than the wall
ratio; the wall ratio is the target (issue 12: ≤ 1.2× on a quiet machine). ``--before``
adds ``andmesh test`` run from another source tree (an older commit's ``src``), for a
before/after in the same run. Uses the data ``run.py`` generated under ``benchmarks/out``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import DEFAULT_OUT, HAND, cli_command  # noqa: E402


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and own CPU seconds of one process (its exit code 0 or 1: checks may fail)."""
    clock = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - clock
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another andmesh `src` to compare (PYTHONPATH)")
    args = parser.parse_args()
    folder = args.out.resolve() / "data" / str(args.rows)
    if not (folder / "manifest.json").is_file():
        raise SystemExit(f"no data under {folder}: run `run.py --rows {args.rows}` first")
    env = dict(os.environ)
    contenders = {HAND: ([sys.executable, str(HERE / "workers.py"), "handwritten", "--data"], env)}
    contenders["andmesh test"] = (cli_command(Path("{data}")), env)
    if args.before is not None:
        before_env = {**env, "PYTHONPATH": str(args.before.resolve())}
        contenders["andmesh test (before)"] = (cli_command(Path("{data}")), before_env)
    load = [Path("/proc/loadavg").read_text().split()[0]]
    print(f"{args.rows:,} rows, {args.rounds} rounds, interleaved; medians")
    print(f"{'dataset':<8}{'contender':<24}{'wall (s)':>10}{'CPU (s)':>10}{'wall ×':>9}{'CPU ×':>8}")
    for dataset in ("clean", "dirty"):
        data = str(folder / dataset)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, (cmd, cmd_env) in contenders.items():
                argv = [data if a == "{data}" else a.replace("{data}", data) for a in cmd]
                runs[name].append(timed(argv + ([data] if name == HAND else []), cmd_env))
            load.append(Path("/proc/loadavg").read_text().split()[0])
        base_wall = statistics.median(w for w, _ in runs[HAND])
        base_cpu = statistics.median(c for _, c in runs[HAND])
        for name, values in runs.items():
            wall = statistics.median(w for w, _ in values)
            cpu = statistics.median(c for _, c in values)
            print(
                f"{dataset:<8}{name:<24}{wall:>10.2f}{cpu:>10.2f}{wall / base_wall:>8.2f}×{cpu / base_cpu:>7.2f}×"
            )
    print(f"load average (1 min) during the run: {', '.join(load)}")
    print("target (issue 12, quiet machine): `andmesh test` process ≤ 1.2× the hand-written one")


if __name__ == "__main__":
    main()
