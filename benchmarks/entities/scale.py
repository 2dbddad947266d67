"""Entity resolution at scale: ~1,000,000 customer records of the Order-to-Cash units.

    .venv/bin/python benchmarks/entities/scale.py                 # 29,300 customers ≈ 1.0 M records
    .venv/bin/python benchmarks/entities/scale.py --customers 5000 --variants keys

Generates the data and builds the units' products once (cached in benchmarks/out/entities/),
then resolves the customer entity in a child process per variant (``keys``: the mesh's
customer.yaml; ``attributes``: without trusted keys) and prints records, nodes, pairs Splink
compared, seconds per stage and the child's peak resident memory. The resolution is what
`enterprise.customer_xref` runs (its model and evidence are built too; nothing is published).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import prepare

WORKER = Path(__file__).resolve().parent / "resolve_worker.py"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=29_300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--variants", nargs="+", default=["keys", "attributes"])
    parser.add_argument("--accuracy", action="store_true", help="Also score against the truth.")
    args = parser.parse_args()
    data, ws, seconds = prepare(args.customers, args.seed, args.noise)
    for step, value in seconds.items():
        print(f"{step}: {value:.1f} s")
    print(f"{'variant':<11} {'records':>10} {'nodes':>8} {'pairs compared':>15} {'load s':>7} "
          f"{'resolve s':>9}  stages (s)                                  {'peak RSS':>9}")  # fmt: skip
    for variant in args.variants:
        command = [sys.executable, str(WORKER), "--workspace", str(ws), "--variant", variant]
        if args.accuracy:
            command += ["--truth", str(data / "truth")]
        line = (
            subprocess.run(command, check=True, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        r = json.loads(line)
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages_s"].items())
        print(
            f"{variant:<11} {r['records']:>10,} {r['nodes']:>8,} {r['pairs_compared']:>15,} {r['load_s']:>7.1f} "
            f"{r['resolve_s']:>9.1f}  {stages:<44} {r['peak_rss_mb']:>6,} MB"
        )
        if args.accuracy:
            p = r["accuracy"]["pairwise"]
            print(f"{'':<11} pairwise P {p['precision']:.4f} R {p['recall']:.4f} F1 {p['f1']:.4f}")
        print(
            f"{'':<11} {json.dumps({k: r[k] for k in ('links', 'training', 'entities', 'candidate_pairs')})}"
        )


if __name__ == "__main__":
    main()
