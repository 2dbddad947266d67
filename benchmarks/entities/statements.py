"""Where a resolution's time goes, statement by statement: every ``execute`` on the resolution's
DuckDB connection timed (wall and process CPU), Splink's own queries counted as one remainder.

    .venv/bin/python benchmarks/entities/statements.py --workspace W --variant location [--top 25]

Prints the statements by CPU (each named by the table it creates, or its first words), the
stages' seconds, and how much of the resolution the timed statements cover.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import load_tables, spec


class _Peak:
    """This process's resident memory sampled every 0.1 s: the highest since the last reset."""

    def __init__(self) -> None:
        import os
        import threading

        self._page = os.sysconf("SC_PAGE_SIZE")
        self.peak = 0
        self.highest = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _rss(self) -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * self._page

    def _run(self) -> None:
        while True:
            rss = self._rss()
            self.peak = max(self.peak, rss)
            self.highest = max(self.highest, rss)
            time.sleep(0.1)

    def reset(self) -> None:
        self.peak = self._rss()


class _Timed:
    """A DuckDB connection whose ``execute`` is timed (and its peak memory kept); everything
    else passes through."""

    def __init__(self, con: Any, clock: dict[str, list[float]], peak: _Peak) -> None:
        self._con = con
        self._clock = clock
        self._peak = peak

    def execute(self, query: str, *args: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        self._peak.reset()
        try:
            return self._con.execute(query, *args)
        finally:
            entry = self._clock.setdefault(_name(query), [0.0, 0.0, 0, 0])
            entry[0] += time.perf_counter() - wall
            entry[1] += time.process_time() - cpu
            entry[2] += 1
            entry[3] = max(entry[3], self._peak.peak)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _name(query: str) -> str:
    """The table a statement creates (numbers folded: am_std_3 → am_std_n), else its first words."""
    text = " ".join(query.split())
    made = re.search(r"(?:TABLE|VIEW|COPY \()\s+(?:IF NOT EXISTS\s+)?([\w\"]+)", text, re.I)
    name = made.group(1) if made else text[:60]
    return re.sub(r"_\d+\b", "_n", name)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--variant", default="keys", help="keys, attributes or location")
    parser.add_argument("--memory-limit", default=None)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    import duckdb
    import splink

    from andmesh.enterprise.entities import resolve as resolve_module

    clock: dict[str, list[float]] = {}
    peak = _Peak()
    connect = duckdb.connect
    resolve_module.duckdb.connect = lambda *a, **k: _Timed(connect(*a, **k), clock, peak)  # type: ignore[assignment,attr-defined]
    real_api = splink.DuckDBAPI
    splink.DuckDBAPI = lambda connection, **k: real_api(connection=connection._con, **k)  # type: ignore[assignment,misc]
    entity = spec(args.variant)
    tables = load_tables(args.workspace, entity)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result = resolve_module.resolve(entity, tables, memory_limit=args.memory_limit)
    finally:
        resolve_module.duckdb.connect = connect  # type: ignore[attr-defined]
        splink.DuckDBAPI = real_api  # type: ignore[misc]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    timed_wall = sum(v[0] for v in clock.values())
    timed_cpu = sum(v[1] for v in clock.values())
    print(f"resolve {wall:.1f} s wall, {cpu:.1f} s CPU; stages {result.summary.seconds}")
    print(
        f"nodes {result.summary.nodes:,}, tuples {result.summary.tuples:,}, pairs compared {result.summary.pairs_compared:,}"
    )
    print(f"timed statements {timed_wall:.1f} s wall, {timed_cpu:.1f} s CPU; the rest (Splink, Python) "
          f"{wall - timed_wall:.1f} s wall, {cpu - timed_cpu:.1f} s CPU")  # fmt: skip
    print(f"peak RSS {peak.highest / 2**20:,.0f} MB; load {Path('/proc/loadavg').read_text().split()[0]}")
    print(f"{'statement':<62} {'n':>4} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    for name, (w, c, n, m) in sorted(clock.items(), key=lambda kv: -kv[1][1])[: args.top]:
        print(f"{name:<62} {n:>4} {w:>8.2f} {c:>8.2f} {m / 2**20:>8,.0f}")


if __name__ == "__main__":
    main()
