"""Entity resolution before and after a change: time per stage, peak memory, accuracy.

    .venv/bin/python benchmarks/entities/compare.py --customers 20000 --before c82ee04
    .venv/bin/python benchmarks/entities/compare.py --workspace W --truth T --before c82ee04 --memory-limit 6GB

``--variant attributes`` resolves without the trusted keys (the model alone).
The "before" is the ``src`` of a commit (``git archive`` into benchmarks/out/entities/src-<commit>),
the "after" this checkout's; each resolves the customer entity (customer.yaml as the mesh
runs it) in its own process over the same published products, so each peak memory is its
own. Prints records, nodes, tuples, pairs compared, seconds per stage, peak RSS, pairwise
and B-cubed precision / recall / F1 against the generator's truth, and how many records
changed enterprise (the two partitions compared, whatever the ids are called).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, ROOT, prepare

WORKER = Path(__file__).resolve().parent / "resolve_worker.py"


def checkout(commit: str) -> Path:
    folder = OUT / f"src-{commit}"
    if not (folder / "src").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def run(src: Path, ws: Path, truth: Path, memory: str | None, out: Path, variant: str) -> dict:
    command = [
        sys.executable,
        str(WORKER),
        "--workspace",
        str(ws),
        "--truth",
        str(truth),
        "--xref-out",
        str(out),
    ]
    command += ["--variant", variant]
    if memory:
        command += ["--memory-limit", memory]
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def moved(before: Path, after: Path) -> int:
    """Records whose cluster differs: pairs (record, its cluster's first record) compared."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    query = """SELECT source, record_id, min(source || chr(0) || record_id) OVER (PARTITION BY entity_id) AS first
               FROM read_parquet('{}')"""
    row = con.execute(
        f"SELECT count(*) FROM ({query.format(before)}) b JOIN ({query.format(after)}) a "
        "USING (source, record_id) WHERE a.first <> b.first"
    ).fetchone()
    return int(row[0]) if row else 0


def changed(before: Path, after: Path) -> tuple[int, int, float]:
    """Records whose match method differs, whose match probability differs by more than 1e-6,
    and the largest probability difference (the model's estimates move with its training pairs)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    row = con.execute(
        f"""SELECT count(*) FILTER (WHERE a.match_method IS DISTINCT FROM b.match_method),
               count(*) FILTER (WHERE abs(a.match_probability - b.match_probability) > 1e-6),
               coalesce(max(abs(a.match_probability - b.match_probability)), 0)
        FROM read_parquet('{before}') b JOIN read_parquet('{after}') a USING (source, record_id)"""
    ).fetchone()
    return (int(row[0]), int(row[1]), float(row[2])) if row else (0, 0, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument(
        "--workspace", type=Path, default=None, help="A workspace with the units' products built."
    )
    parser.add_argument(
        "--truth", type=Path, default=None, help="The generator's truth folder for that workspace."
    )
    parser.add_argument(
        "--before", required=True, help="The commit to compare with (e.g. the base of a branch)."
    )
    parser.add_argument("--memory-limit", default=None, help="DuckDB's budget, for both (e.g. 6GB).")
    parser.add_argument("--variant", default="keys", help="keys (customer.yaml) or attributes (no links).")
    parser.add_argument(
        "--skip-before", action="store_true", help="Only the after (the before is slow at scale)."
    )
    args = parser.parse_args()
    if args.workspace is None:
        data, ws, _ = prepare(args.customers, args.seed, args.noise)
        truth = data / "truth"
    else:
        ws, truth = args.workspace, args.truth
    OUT.mkdir(parents=True, exist_ok=True)
    # Named after the workspace's folder (customers-seed-noise): a 200,000 run must not
    # overwrite the cross-reference a 20,000 one is compared with.
    tag = ws.resolve().parent.name
    runs = {}
    if not args.skip_before:
        runs["before"] = (
            checkout(args.before),
            OUT / f"xref-before-{args.before}-{args.variant}-{tag}.parquet",
        )
    runs["after"] = (ROOT / "src", OUT / f"xref-after-{args.variant}-{tag}.parquet")
    print(f"{'':<7} {'records':>10} {'nodes':>8} {'tuples':>8} {'pairs compared':>14} {'kept':>9} {'resolve s':>9} {'CPU s':>6}  "
          f"{'stages s':<36} {'peak RSS':>9}  pairwise P / R / F1       B-cubed P / R / F1")  # fmt: skip
    for name, (src, out) in runs.items():
        r = run(src, ws, truth, args.memory_limit, out, args.variant)
        a = r["accuracy"]
        p, c = a["pairwise"], a["clusters"]
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages_s"].items())
        tuples = f"{r['tuples']:,}" if r.get("tuples") else "-"
        print(
            f"{name:<7} {r['records']:>10,} {r['nodes']:>8,} {tuples:>8} {r['pairs_compared']:>14,} "
            f"{r.get('candidate_pairs', 0):>9,} "
            f"{r['resolve_s']:>9.1f} {r.get('resolve_cpu_s', 0):>6.1f}  {stages:<36} {r['peak_rss_mb']:>6,} MB  "
            f"{p['precision']:.6f} / {p['recall']:.6f} / {p['f1']:.6f}  "
            f"{c['bcubed_precision']:.6f} / {c['bcubed_recall']:.6f} / {c['bcubed_f1']:.6f}  load {r.get('load', '?')}",
            flush=True,
        )
    if len(runs) == 2:
        print(f"records placed differently after: {moved(runs['before'][1], runs['after'][1]):,}")
        methods, probabilities, largest = changed(runs["before"][1], runs["after"][1])
        print(
            f"records with another match method: {methods:,}; another probability (> 1e-6): "
            f"{probabilities:,} (largest difference {largest:.2g})"
        )


if __name__ == "__main__":
    main()
