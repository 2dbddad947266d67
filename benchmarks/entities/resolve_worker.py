"""One resolution in its own process (so its peak memory is its own); prints a JSON line.

.venv/bin/python benchmarks/entities/resolve_worker.py --workspace W --variant keys [--truth T]
    [--memory-limit 6GB] [--xref-out xref.parquet]

Runs the ``andmesh`` found first on the path: with PYTHONPATH set to another checkout's
``src`` it measures that version (``compare.py`` does so for "before" figures).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import load_tables, spec

from andmesh.enterprise.entities.resolve import resolve
from andmesh.enterprise.entities.service import score_against_truth


def _cpu() -> float:
    """User + system CPU seconds of this process so far (wall time on a shared machine is not steady)."""
    times = os.times()
    return times.user + times.system


def _load() -> str:
    """The 1-minute load average."""
    return Path("/proc/loadavg").read_text().split()[0]


class _Sampler:
    """Samples this process's resident memory every 0.2 s: the peak, and when it happened."""

    def __init__(self, log: Path | None = None) -> None:
        import threading

        self.log = log
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = time.perf_counter()
        self._thread.start()

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        statm = Path("/proc/self/statm")
        while not self._stop.wait(0.2):
            rss = int(statm.read_text().split()[1]) * page
            self.samples.append((time.perf_counter() - self._start, rss))
            if (
                self.log is not None and len(self.samples) % 25 == 0
            ):  # every 5 s: a run stopped early still says
                peak = max(r for _, r in self.samples)
                with self.log.open("a") as f:
                    f.write(
                        f"{self.samples[-1][0]:.0f} s rss {rss / 2**20:.0f} MB peak {peak / 2**20:.0f} MB\n"
                    )

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        if not self.samples:
            return {}
        at, peak = max(self.samples, key=lambda s: s[1])
        return {"peak_mb": round(peak / 2**20), "at_s": round(at, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--variant", default="keys")
    parser.add_argument("--truth", type=Path, default=None)
    parser.add_argument(
        "--memory-limit", default=None, help="DuckDB's budget for the resolution (spills beyond)."
    )
    parser.add_argument("--xref-out", type=Path, default=None, help="Write the cross-reference here.")
    parser.add_argument("--rss-log", type=Path, default=None, help="Append the resident memory every 5 s.")
    args = parser.parse_args()
    entity = spec(args.variant)
    clock = time.perf_counter()
    tables = load_tables(args.workspace, entity)
    load_s = time.perf_counter() - clock
    clock, cpu, load = time.perf_counter(), _cpu(), _load()
    sampler = _Sampler(args.rss_log)
    result = resolve(entity, tables, memory_limit=args.memory_limit)
    sampled = sampler.stop()
    resolve_s = time.perf_counter() - clock
    resolve_cpu_s = _cpu() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "variant": args.variant,
        "records": result.summary.records,
        "source_rows": sum(t.num_rows if hasattr(t, "num_rows") else t.count_rows() for t in tables.values()),
        "nodes": result.summary.nodes,
        "tuples": getattr(result.summary, "tuples", None),
        "entities": result.summary.entities,
        "pairs_compared": result.summary.pairs_compared,
        "candidate_pairs": result.summary.candidate_pairs,
        "links": result.summary.links,
        "training": result.summary.training,
        "load_s": round(load_s, 2),
        "resolve_s": round(resolve_s, 2),
        "resolve_cpu_s": round(resolve_cpu_s, 2),
        "load": f"{load} → {_load()}",
        "stages_s": result.summary.seconds,
        "peak_rss_mb": round(rss),
        "rss_sampled": sampled,
    }
    if args.xref_out is not None:
        if hasattr(result, "path"):  # the resolution wrote it as Parquet: copied, not read
            import shutil

            shutil.copyfile(result.path("xref"), args.xref_out)
        else:
            import pyarrow.parquet as pq

            pq.write_table(result.xref, args.xref_out)
    if args.truth is not None:
        report = score_against_truth("customer", result.xref, args.truth, result.summary.model_version)
        out["accuracy"] = report.model_dump(mode="json")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
