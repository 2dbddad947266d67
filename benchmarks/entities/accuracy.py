"""Accuracy of customer resolution against the generator's truth, at several noise levels.

    .venv/bin/python benchmarks/entities/accuracy.py                       # 5,000 customers, noise 0.5 1 2 3
    .venv/bin/python benchmarks/entities/accuracy.py --customers 2000 --noise 1

For each noise level the Order-to-Cash data is generated (same seed: same customers and
transactions, more variations as noise grows), the units' products are built, and the
customer entity is resolved twice: ``keys`` (customer.yaml as the mesh runs it: trusted
keys, tax ids and bank accounts, Splink for the rest) and ``attributes`` (no trusted keys:
as if the units' systems were not integrated). Prints pairwise precision / recall / F1,
B-cubed F1, exact clusters, the share of each source's records placed with their customer,
and how many head office–branch pairs and co-located companies got merged.
Results also go to benchmarks/out/entities/accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, prepare

WORKER = Path(__file__).resolve().parent / "resolve_worker.py"
SHORT = {
    "accounts_receivable.open_items": "debtor",
    "credit_management.credit_files": "credit",
    "customer_invoicing.invoices": "bill-to",
    "order_management.accounts": "account",
    "payments_collection.payments": "payer",
    "shipping.ship_to_sites": "site",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.5, 1.0, 2.0, 3.0])
    parser.add_argument("--variants", nargs="+", default=["keys", "attributes"])
    args = parser.parse_args()
    results = []
    print(
        f"{'noise':>5} {'variant':<10} {'records':>8} {'P':>7} {'R':>7} {'F1':>7} {'B3 F1':>7} {'exact':>7} "
        f"{'merged HO/branch':>16} {'merged co-loc.':>14}  placed right by source"
    )
    for noise in args.noise:
        data, ws, _ = prepare(args.customers, args.seed, noise)
        for variant in args.variants:
            command = [sys.executable, str(WORKER), "--workspace", str(ws), "--variant", variant,
                       "--truth", str(data / "truth")]  # fmt: skip
            line = (
                subprocess.run(command, check=True, capture_output=True, text=True)
                .stdout.strip()
                .splitlines()[-1]
            )
            r = json.loads(line)
            a = r["accuracy"]
            p, c = a["pairwise"], a["clusters"]
            related = {x["kind"]: x for x in a["related"]}
            ho = related["branch and head office (same entity)"]
            co = related["companies sharing an address (same entity)"]
            placed = " ".join(f"{SHORT.get(s, s)} {v:.3f}" for s, v in a["by_source"].items())
            print(
                f"{noise:>5g} {variant:<10} {a['records']:>8,} {p['precision']:>7.4f} {p['recall']:>7.4f} "
                f"{p['f1']:>7.4f} {c['bcubed_f1']:>7.4f} {c['cluster_recall']:>7.4f} "
                f"{ho['merged']:>7}/{ho['pairs']:<8} {co['merged']:>6}/{co['pairs']:<7}  {placed}",
                flush=True,
            )
            results.append({"noise": noise, "customers": args.customers, **r})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "accuracy.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
