"""The master and profile products alone, before and after, in the same run (issue 12).

    .venv/bin/python benchmarks/golden.py --workspace WS --data DIR --before SRC [--rounds 2]

``WS`` is a workspace where the masters' upstream (the units' products and both
cross-references) is published; ``SRC`` is the ``src`` folder of the earlier code (for
example ``git archive main src | tar -x -C /tmp/before``). Each round rebuilds
``enterprise.customer_master``, ``enterprise.location_master`` and
``enterprise.customer_profile`` one at a time (``andmesh run --select P --force``) in a
process of its own, with the earlier code and with this checkout's, interleaved, and
prints wall time, CPU (user + system, all threads) and peak RSS per product from
``wait4``, with the load average. The workspace gains one version per build.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

MESH = Path(__file__).resolve().parent.parent / "examples" / "order_to_cash"
HERE = Path(__file__).resolve().parent.parent / "src"
PRODUCTS = ("enterprise.customer_master", "enterprise.location_master", "enterprise.customer_profile")


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def build(src: Path, workspace: Path, data: Path, product: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one forced build of ``product``."""
    env = dict(os.environ, PYTHONPATH=str(src))
    command = [sys.executable, "-m", "andmesh.cli", "--workspace", str(workspace), "run", str(MESH)]
    command += ["--data", str(data), "--select", product, "--force"]
    clock = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - clock
    if os.waitstatus_to_exitcode(status) != 0:
        stderr = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{product} failed with {src}: {stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--before", type=Path, required=True, help="the earlier code's src folder")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--product", action="append", help="only these products (repeatable)")
    args = parser.parse_args()
    products = args.product or list(PRODUCTS)
    memory = os.environ.get("ANDMESH_MEMORY_LIMIT", "unset")
    print(f"ANDMESH_MEMORY_LIMIT={memory}; workspace {args.workspace}; data {args.data}")
    print(f"{'product':<30} {'code':<7} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'load':>6}")
    for _ in range(args.rounds):
        for product in products:
            for label, src in (("before", args.before), ("after", HERE)):
                before_load = load()
                wall, cpu, rss = build(src, args.workspace, args.data, product)
                print(
                    f"{product:<30} {label:<7} {wall:>8.1f} {cpu:>8.1f} {rss:>8,.0f} "
                    f"{before_load:>3}-{load()}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
