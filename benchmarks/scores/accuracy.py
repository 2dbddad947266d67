"""Accuracy of the three scores against the generator's truth, each beside a naive baseline.

    .venv/bin/python benchmarks/scores/accuracy.py --customers 20000
    .venv/bin/python benchmarks/scores/accuracy.py --data /path/to/generated --json out.json

Time split (no leakage): features, the scorecard's training and the lifetime-value fit
use data up to the cut-off (2025-09-30, one year of history); outcomes are read after
it, up to the generator's as-of date (2026-09-30). The customers are split in two by
the parity of their number: the scorecard learns on one half, and every figure is
measured on the other half. Records are keyed by the TRUE customer id
(``truth/record_map``), to measure the scores alone, not entity resolution.

Truth: ``defaulted`` with a ``default_date`` after the cut-off (true default),
``default_propensity``, ``financial_health``, and a latent value: ``purchase_rate ·
spend_mean`` × the share of the next year the customer is active (churn and default
end the activity window).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))

import o2c

from andmesh.enterprise.scores import create
from andmesh.enterprise.scores.features import delinquency_labels, payment_features
from andmesh.enterprise.scores.metrics import auc, brier, calibration_table, spearman
from andmesh.enterprise.scores.monitoring import backtest_rank, drift_alert, psi

OUT = Path(__file__).resolve().parent.parent / "out" / "scores"
RISK_CLASS = {"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0, "E": 5.0}


def col(t: pa.Table, name: str) -> np.ndarray:
    return np.asarray(t[name].to_numpy(zero_copy_only=False), dtype=np.float64)


def aligned(t: pa.Table, keys: pa.Array, name: str, fill: float = np.nan) -> np.ndarray:
    """Column ``name`` of ``t`` in the order of ``keys`` (``fill`` where absent)."""
    pos = np.asarray(pc.index_in(keys, value_set=t["customer_id"]).to_numpy(zero_copy_only=False), np.float64)
    out = np.full(len(keys), fill)
    found = ~np.isnan(pos)
    out[found] = col(t, name)[pos[found].astype(np.int64)]
    return out


def days_between(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def run(data: Path, cutoff: dt.date, as_of: dt.date) -> dict[str, Any]:
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    con = o2c.connect(data)
    items = o2c.items(con)
    credit = o2c.credit(con)
    truth = o2c.truth(con).sort_by("customer_id")
    timings["load"] = time.perf_counter() - clock

    feats = o2c.features_at(items, credit, cutoff)
    keys = feats["customer_id"]
    # Population: customers with an invoice up to the cut-off, not in default at it.
    t_default = aligned(truth.select(["customer_id"]).append_column(
        "d", pc.cast(truth["default_date"], pa.int32()).cast(pa.float64())), keys, "d")  # fmt: skip
    cut_day = float((cutoff - dt.date(1970, 1, 1)).days)
    defaulted_before = t_default <= cut_day
    population = ~defaulted_before & (col(feats, "written_off_amount") == 0)
    feats = feats.filter(pa.array(population))
    keys = feats["customer_id"]
    number = np.asarray([int(k[2:]) for k in keys.to_pylist()])
    train, test = number % 2 == 0, number % 2 == 1

    true_default = (aligned(truth.append_column("dd", pc.cast(truth["default_date"], pa.int32()).cast(pa.float64())),
                            keys, "dd") > cut_day).astype(float)  # fmt: skip
    prop = aligned(truth, keys, "default_propensity")
    health_truth = aligned(truth, keys, "financial_health")

    # -- credit risk --------------------------------------------------------------------
    labels = delinquency_labels(items, cutoff, as_of, days_past_due=90, min_share=0.5)
    label = aligned(labels, keys, "label", fill=0.0)
    label_table = pa.table({"customer_id": keys, "label": pa.array(label.astype(np.int64))})
    clock = time.perf_counter()
    scorecard = create(
        "credit_risk_scorecard",
        {"features": o2c.CREDIT_FEATURES, "categorical": ["risk_class"]},
    )
    scorecard.fit(features=feats.filter(pa.array(train)), labels=label_table.filter(pa.array(train)))
    timings["credit_fit"] = time.perf_counter() - clock
    cr = scorecard.score(features=feats)
    timings["credit_score"] = cr.seconds
    pd_ = col(cr.table, "probability")
    dbt = np.nan_to_num(col(feats, "days_beyond_terms"), nan=0.0)
    risk_class = np.asarray([RISK_CLASS.get(v, np.nan) for v in feats["risk_class"].to_pylist()])

    def risk_row(name: str, s: np.ndarray) -> dict[str, Any]:
        return {
            "score": name,
            "auc_true_default": round(auc(s[test], true_default[test]), 4),
            "auc_observed_label": round(auc(s[test], label[test]), 4),
            "spearman_default_propensity": round(spearman(s[test], prop[test]), 4),
        }

    credit_rows = [
        risk_row("scorecard PD", pd_),
        risk_row("naive: days beyond terms, last 12 months", dbt),
        risk_row("incumbent: credit's risk class A–E", risk_class),
    ]
    validation = scorecard.validate(feats.filter(pa.array(test)), label_table.filter(pa.array(test)))  # type: ignore[attr-defined]
    true_calibration = [r.model_dump() for r in calibration_table(pd_[test], true_default[test], bins=10)]

    # -- financial health ---------------------------------------------------------------
    health = create("financial_health").score(features=feats)
    timings["health_score"] = health.seconds
    hs = col(health.table, "score")
    later = payment_features(items, as_of)  # the year after the cut-off
    later_dbt = aligned(later, keys, "days_beyond_terms")
    # Weights calibrated on the train half's next-year PAYDEX (an observable outcome).
    outcome = pa.table(
        {"customer_id": keys, "outcome": pa.array(aligned(later, keys, "paydex"), from_pandas=True)}
    )
    calibrated = create("financial_health").fit(features=feats.filter(pa.array(train)),
                                                outcome=outcome.filter(pa.array(train)))  # fmt: skip
    hc_out = calibrated.score(features=feats)
    hc = col(hc_out.table, "score")
    health_rows = []
    for name, s in (("health score, expert weights", hs),
                    ("health score, weights calibrated on next-year PAYDEX (train half)", hc),
                    ("naive: −days beyond terms, last 12 months", -dbt)):  # fmt: skip
        health_rows.append(
            {
                "score": name,
                "spearman_true_health": round(spearman(s[test], health_truth[test]), 4),
                "spearman_later_dbt": round(spearman(s[test], -later_dbt[test]), 4),
                "auc_true_default": round(auc(-s[test], true_default[test]), 4),
            }
        )
    components = {
        c: round(spearman(col(health.table, f"component_{c}")[test], health_truth[test]), 4)
        for c in ("payment", "ageing", "utilisation", "disputes", "short_pay", "trend")
    }

    # -- lifetime value -----------------------------------------------------------------
    tx = o2c.transactions(items)
    clock = time.perf_counter()
    ltv = create(
        "lifetime_value_bgnbd",
        {
            "observation_end": cutoff,
            "horizon_months": 12,
            "annual_discount_rate": 0.10,
            "pd_horizon_months": 9,
        },
    )
    ltv.fit(transactions=tx)
    timings["ltv_fit"] = time.perf_counter() - clock
    risk = pa.table({"customer_id": keys, "probability": pa.array(pd_)})
    lv = ltv.score(transactions=tx, risk=risk, customers=pa.table({"customer_id": keys}))
    timings["ltv_score"] = lv.seconds
    value = aligned(lv.table, keys, "score")
    spend_pred = aligned(lv.table, keys, "expected_purchases") * aligned(lv.table, keys, "expected_value")
    tx_days = pc.cast(tx["date"], pa.int32()).to_numpy(zero_copy_only=False).astype(float)
    nxt = tx.filter(pa.array((tx_days > cut_day) & (tx_days <= cut_day + 365)))
    realised_t = (
        nxt.group_by("customer_id").aggregate([("amount", "sum")]).rename_columns(["customer_id", "v"])
    )
    realised = aligned(realised_t, keys, "v", fill=0.0)
    last_year = col(feats, "invoiced_amount")  # gross; rank-equivalent to net for one customer
    prev = tx.filter(pa.array((tx_days > cut_day - 365) & (tx_days <= cut_day)))
    last_t = prev.group_by("customer_id").aggregate([("amount", "sum")]).rename_columns(["customer_id", "v"])
    last_year = aligned(last_t, keys, "v", fill=0.0)
    # Latent value of the next year: purchase_rate · spend_mean × share of the year active.
    start = cut_day
    act_from = aligned(
        truth.append_column("f", pc.cast(truth["active_from"], pa.int32()).cast(pa.float64())), keys, "f"
    )
    act_to = aligned(
        truth.append_column("u", pc.cast(truth["active_until"], pa.int32()).cast(pa.float64())), keys, "u"
    )
    active_share = np.clip((np.minimum(act_to, start + 365) - np.maximum(act_from, start)) / 365, 0, 1)
    latent = aligned(truth, keys, "purchase_rate") * aligned(truth, keys, "spend_mean") * active_share
    value_rows = []
    for name, s in (("BG/NBD + Gamma-Gamma CLV (12 m, discounted, risk-adjusted)", value),
                    ("BG/NBD + Gamma-Gamma expected spend (12 m, plain)", spend_pred),
                    ("naive: last 12 months' spend", last_year)):  # fmt: skip
        value_rows.append(
            {
                "score": name,
                "spearman_latent_value": round(spearman(s[test], latent[test]), 4),
                "spearman_realised_next_12m": round(spearman(s[test], realised[test]), 4),
                "top_decile_share_of_realised": backtest_rank(
                    "v", s[test], realised[test], outcome_name="r"
                ).top_decile_share,
                "predicted_total_over_realised": round(float(np.nansum(s[test]) / realised[test].sum()), 4),
            }
        )
    order = np.argsort(spend_pred[test])
    deciles = [
        {
            "decile": i + 1,
            "mean_predicted": round(float(spend_pred[test][part].mean()), 2),
            "mean_realised": round(float(realised[test][part].mean()), 2),
            "mean_latent": round(float(latent[test][part].mean()), 2),
        }
        for i, part in enumerate(np.array_split(order, 10))
    ]

    # -- stability between runs (a quarter later, same fitted models) --------------------
    later_cut = dt.date(cutoff.year + (cutoff.month + 3 > 12), (cutoff.month + 2) % 12 + 1, 1) - dt.timedelta(
        days=1
    )
    feats2 = o2c.features_at(items, credit, later_cut)
    stab = {
        "credit_risk_scorecard": psi(pd_, col(scorecard.score(features=feats2).table, "probability"),
                                     score="pd", reference=str(cutoff), current=str(later_cut)),
        "financial_health": psi(hs, col(create("financial_health").score(features=feats2).table, "score"),
                                score="health", reference=str(cutoff), current=str(later_cut)),
    }  # fmt: skip
    drift = {k: drift_alert(k, v).model_dump() for k, v in stab.items()}

    return {
        "data": str(data),
        "cutoff": str(cutoff),
        "as_of": str(as_of),
        "population": int(population.sum()),
        "train": int(train.sum()),
        "test": int(test.sum()),
        "true_defaults_test": int(true_default[test].sum()),
        "label_rate_test": round(float(label[test].mean()), 4),
        "credit_risk": credit_rows,
        "credit_validation": validation.model_dump(),
        "credit_brier_true_default": brier(pd_[test], true_default[test]),
        "credit_calibration_true_default": true_calibration,
        "health": health_rows,
        "health_components_spearman_true_health": components,
        "health_weights": health.parameters["weights"],
        "health_weights_calibrated": hc_out.parameters["weights"],
        "value": value_rows,
        "value_deciles": deciles,
        "bgnbd": lv.parameters["bgnbd"],
        "gamma_gamma": lv.parameters["gamma_gamma"],
        "stability": {k: {"psi": v.psi, "status": v.status} for k, v in stab.items()},
        "drift": drift,
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "example_reasons": {
            "credit": [r.model_dump() for r in cr.customers(1)[0].reasons],
            "health": [r.model_dump() for r in health.customers(1)[0].reasons],
        },
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = list(rows[0])
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|",
    ]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--data", type=Path, default=None, help="Generated data (default: generate into out/)."
    )
    parser.add_argument("--json", type=Path, default=None, help="Write every figure as JSON here.")
    args = parser.parse_args()
    data = o2c.ensure_data(args.data, args.customers, args.seed, OUT)
    r = run(data, o2c.CUTOFF, o2c.AS_OF)
    print(f"data {r['data']}  cut-off {r['cutoff']}  as-of {r['as_of']}")
    print(f"population {r['population']:,} (train {r['train']:,}, test {r['test']:,}); "
          f"true defaults after the cut-off in test: {r['true_defaults_test']}; "
          f"observed label rate (90+ DPD on > 50% of the amount due) {r['label_rate_test']:.1%}\n")  # fmt: skip
    print("Credit risk (test half)\n" + table(r["credit_risk"]) + "\n")
    v = r["credit_validation"]
    print(f"scorecard on the observed label: AUC {v['auc']}, Gini {v['gini']}, KS {v['ks']}, Brier {v['brier']}, "
          f"mean PD {v['mean_predicted']:.4f} vs rate {v['event_rate']:.4f}\n")  # fmt: skip
    print("Calibration (observed label, deciles of PD)\n" + table(
        [{k: c[k] for k in ("bin", "count", "mean_predicted", "observed_rate")} for c in v["calibration"]]) + "\n")  # fmt: skip
    print("Financial health (test half)\n" + table(r["health"]) + "\n")
    print("component Spearman with true health:", r["health_components_spearman_true_health"])
    print("calibrated weights:", r["health_weights_calibrated"], "\n")
    print("Potential lifetime value (test half)\n" + table(r["value"]) + "\n")
    print("Value calibration (deciles of predicted 12-month spend)\n" + table(r["value_deciles"]) + "\n")
    print("BG/NBD:", r["bgnbd"], "\nGamma-Gamma:", r["gamma_gamma"])
    print("Stability a quarter later:", r["stability"])
    print("timings (s):", r["timings_s"])
    if args.json:
        args.json.write_text(json.dumps(r, indent=2, default=str))


if __name__ == "__main__":
    main()
