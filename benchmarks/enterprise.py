"""The enterprise commands end to end on a workspace: `gaps`, `kpis`, `report enterprise`, `scores run`.

    .venv/bin/python benchmarks/enterprise.py --workspace /tmp/me/ws200k
    .venv/bin/python benchmarks/enterprise.py --workspace /tmp/me/ws200k --only kpis --repeat 3

Give it a workspace where the whole mesh has run (`andmesh run`), one you may write to:
`scores run` records its runs there. Each command runs as its own process (interpreter start
included), as a user would run it; wall time, CPU time (user + system, all threads) and peak
RSS come from ``wait4``. The floor, measured in the same run, is a plain DuckDB process
scanning the columns the KPIs read from the same published Parquet files: no command can
read its inputs faster. The machine is shared, so the load average is printed before and
after, and CPU time is the figure that moves least with other work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Targets of issue 12 at 200,000 customers, seconds end to end.
TARGETS = {"kpis": 20.0, "report enterprise": 30.0, "scores run": 30.0}

#: The published ports and columns the KPIs read (see src/andmesh/enterprise/kpis/).
KPI_COLUMNS = {
    "invoices": [
        "invoice_id",
        "order_id",
        "account_no",
        "invoice_date",
        "due_date",
        "gross_amount",
        "gross_amount_corrected",
    ],
    "payments": ["matched_invoice_id", "account_no", "received_at", "amount"],
    "open_items": ["invoice_id", "account_no", "written_off_at", "dispute_flag", "invoice_date"],
    "invoice_settlements": [
        "invoice_id",
        "account_no",
        "settled_date",
        "due_date",
        "gross_amount",
        "unpaid_amount",
    ],
    "orders": ["order_id", "account_no", "order_ts", "requested_delivery_date"],
    "credit_decisions": ["order_id", "account_no", "decision", "decided_at", "released_at"],
    "shipments": ["order_id", "account_no", "shipped_at", "delivered_at", "promised_date", "pod_signed_at"],
    "fulfillments": ["order_id", "fully_shipped"],
    "order_billing": ["order_id", "billing_status"],
    "accounts": ["account_no", "segment"],
}

COMMANDS = {
    "gaps": ["gaps"],
    "kpis": ["kpis", "--json"],
    "report enterprise": ["report", "enterprise", "--out", "{out}/report"],
    "scores run": ["scores", "run", "--json"],
}


def _files(workspace: Path) -> dict[str, list[str]]:
    """The current Parquet files of each KPI input port (read in a child: no imports here)."""
    code = (
        "import json, sys\n"
        "from andmesh.facade import Andmesh\n"
        "from andmesh.workspace import Workspace\n"
        "f = Andmesh(Workspace.resolve(sys.argv[1]))\n"
        "out = {}\n"
        "for port in f.mesh().ports():\n"
        "    cur = f.warehouse.current(port.table_id)\n"
        "    if cur is not None: out[port.name] = [str(x) for x in cur.files]\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(workspace)], capture_output=True, text=True, check=True
    )
    found: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return {name: found[name] for name in KPI_COLUMNS if name in found}


def _floor_script(files: dict[str, list[str]], memory_limit: str | None) -> str:
    """A DuckDB script reading every KPI input column once (``count(col)`` forces the read)."""
    lines = ["import duckdb", "con = duckdb.connect()"]
    if memory_limit:
        lines.append(f"con.execute(\"SET memory_limit='{memory_limit}'\")")
    for port, columns in KPI_COLUMNS.items():
        if port not in files:
            continue
        counts = ", ".join(f'count("{c}")' for c in columns)
        lines.append(f"con.execute({f'SELECT {counts} FROM read_parquet({files[port]!r})'!r}).fetchall()")
    return "\n".join(lines)


def _measure(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: checks held data back (gaps found) is a normal outcome
        raise SystemExit(f"{' '.join(argv)} exited {code}:\n{err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each command (median reported).")
    parser.add_argument(
        "--only", action="append", choices=sorted(COMMANDS), help="Commands to time (default: all)."
    )
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("ANDMESH_MEMORY_LIMIT", "3GB")
    src = Path(__file__).resolve().parent.parent / "src"
    env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    out = Path(tempfile.mkdtemp(prefix="andmesh-enterprise-"))
    load_before = Path("/proc/loadavg").read_text().split()[:3]

    files = _floor_script(_files(args.workspace), env.get("ANDMESH_MEMORY_LIMIT"))
    rows: list[tuple[str, dict[str, float]]] = []

    def run(name: str, argv: list[str]) -> None:
        runs = [_measure(argv, env) for _ in range(args.repeat)]
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        rows.append((name, median))
        print(f"  {name:24s} {median['wall']:8.2f} s wall {median['cpu']:8.2f} s CPU", flush=True)

    run("floor: DuckDB scan", [sys.executable, "-c", files])
    for name in args.only or list(COMMANDS):
        argv = [a.format(out=out) for a in COMMANDS[name]]
        run(name, [sys.executable, "-m", "andmesh.cli", "--workspace", str(args.workspace), *argv])
    load_after = Path("/proc/loadavg").read_text().split()[:3]

    floor = rows[0][1]
    print(
        f"\nload average before {' '.join(load_before)}, after {' '.join(load_after)}; median of {args.repeat}"
    )
    print(
        f"{'command':24s} {'wall (s)':>9s} {'CPU (s)':>9s} {'peak RSS (MB)':>14s} {'x floor (CPU)':>14s}  target"
    )
    for name, m in rows:
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"<= {target:.0f} s wall: {'PASS' if m['wall'] <= target else 'MISS'}"
            verdict += f" (CPU {'PASS' if m['cpu'] <= target else 'MISS'})"
        ratio = m["cpu"] / floor["cpu"] if floor["cpu"] else float("nan")
        print(f"{name:24s} {m['wall']:9.2f} {m['cpu']:9.2f} {m['rss_mb']:14.0f} {ratio:14.1f}  {verdict}")


if __name__ == "__main__":
    main()
