"""Time (and peak memory of) computing the three scores for every customer.

    .venv/bin/python benchmarks/scores/timing.py --customers 200000
    .venv/bin/python benchmarks/scores/timing.py --data /path/to/generated

Stages, each timed: read the generated tables into plain per-invoice Arrow tables
(DuckDB, keyed by the true customer id), payment features at the cut-off, the fits
(scorecard on half the customers, BG/NBD + Gamma-Gamma on every customer's
transactions, health weights), features at the as-of date, then **scoring** at the
as-of date with the fitted parameters: the three methods on every customer, reason
codes included — the figure the issue's "200,000 customers in under a minute" is
about. Peak RSS is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import o2c

from andmesh.enterprise.scores import create
from andmesh.enterprise.scores.features import delinquency_labels, payment_features

OUT = Path(__file__).resolve().parent.parent / "out" / "scores"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    data = o2c.ensure_data(args.data, args.customers, args.seed, OUT)
    stages: dict[str, float] = {}

    def stage(name: str, started: float) -> None:
        stages[name] = time.perf_counter() - started
        print(f"{name:<44} {stages[name]:7.2f} s   peak RSS {peak_rss_mb():7.0f} MB", flush=True)

    t = time.perf_counter()
    con = o2c.connect(data)
    items = o2c.items(con)
    credit = o2c.credit(con)
    tx = o2c.transactions(items)
    stage(f"read {items.num_rows:,} invoices (DuckDB)", t)

    t = time.perf_counter()
    feats = o2c.features_at(items, credit, o2c.CUTOFF)
    n = feats.num_rows
    stage(f"payment features of {n:,} customers", t)

    t = time.perf_counter()
    labels = delinquency_labels(items, o2c.CUTOFF, o2c.AS_OF, min_share=0.5)
    half = pa.array(np.arange(n) % 2 == 0)
    scorecard = create(
        "credit_risk_scorecard", {"features": o2c.CREDIT_FEATURES, "categorical": ["risk_class"]}
    )
    scorecard.fit(features=feats.filter(half), labels=labels)
    stage("fit: scorecard (half the customers)", t)
    t = time.perf_counter()
    ltv = create("lifetime_value_bgnbd", {"observation_end": o2c.CUTOFF, "pd_horizon_months": 9})
    ltv.fit(transactions=tx)
    stage("fit: BG/NBD + Gamma-Gamma (all customers)", t)
    t = time.perf_counter()
    later = (
        payment_features(items, o2c.AS_OF)
        .select(["customer_id", "paydex"])
        .rename_columns(["customer_id", "outcome"])
    )
    health = create("financial_health").fit(features=feats.filter(half), outcome=later)
    stage("fit: health weights", t)

    # Score today (the as-of date) with the parameters fitted at the cut-off, as production would.
    t = time.perf_counter()
    feats = o2c.features_at(items, credit, o2c.AS_OF)
    stage(f"payment features at the as-of date, {feats.num_rows:,} customers", t)
    ltv.config = ltv.config.model_copy(update={"score_as_of": o2c.AS_OF})
    t0 = time.perf_counter()
    cr = scorecard.score(features=feats)
    stage(f"score: credit risk, {cr.count:,} customers", t0)
    t = time.perf_counter()
    fh = health.score(features=feats)
    stage(f"score: financial health, {fh.count:,} customers", t)
    t = time.perf_counter()
    risk = pa.table({"customer_id": cr.table["customer_id"], "probability": cr.table["probability"]})
    lv = ltv.score(transactions=tx, risk=risk, customers=feats.select(["customer_id"]))
    stage(f"score: lifetime value, {lv.count:,} customers", t)
    stages["scoring total"] = time.perf_counter() - t0
    print(f"{'scoring total (three scores, reasons included)':<44} {stages['scoring total']:7.2f} s")
    print(f"{'end to end':<44} {sum(v for k, v in stages.items() if k != 'scoring total'):7.2f} s")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
