"""Cross-check andmesh's BG/NBD and Gamma-Gamma fits against pymc-marketing on the same data.

pymc-marketing is not a dependency of andmesh (see docs/scores.md: 0.19.2 is the last
release for Python 3.11 and pulls ~790 MB). Run it from its own virtualenv:

    python3.11 -m venv /tmp/pymcm && /tmp/pymcm/bin/pip install pymc-marketing==0.19.2
    .venv/bin/python benchmarks/scores/crosscheck_pymc.py --customers 20000 --export rfm.parquet
    /tmp/pymcm/bin/python benchmarks/scores/crosscheck_pymc.py --fit rfm.parquet

The first call writes the frequency/recency/age/value of every customer at the
cut-off (weeks) and prints andmesh's estimates; the second fits pymc-marketing's
``BetaGeoModel`` and ``GammaGammaModel`` by MAP with flat priors on r, α, a, b (so
MAP = maximum likelihood) and prints its estimates and timings.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def export(args: argparse.Namespace) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import o2c

    from andmesh.enterprise.scores.btyd import fit_bgnbd, fit_gamma_gamma
    from andmesh.enterprise.scores.lifetime_value import _EPOCH, rfm_summary

    data = o2c.ensure_data(
        args.data, args.customers, 7, Path(__file__).resolve().parent.parent / "out" / "scores"
    )
    tx = o2c.transactions(o2c.items(o2c.connect(data)))
    rfm = rfm_summary(tx, float((o2c.CUTOFF - _EPOCH).days), 7.0)
    pq.write_table(
        pa.table({"customer_id": rfm.customer_id, "frequency": rfm.x, "recency": rfm.t_x, "T": rfm.T,
                  "monetary_value": rfm.monetary}), args.export)  # fmt: skip
    t0 = time.perf_counter()
    b = fit_bgnbd(rfm.x, rfm.t_x, rfm.T)
    t1 = time.perf_counter()
    g = fit_gamma_gamma(rfm.x, rfm.monetary)
    t2 = time.perf_counter()
    print(f"andmesh  BG/NBD r={b.r:.4f} alpha={b.alpha:.4f} a={b.a:.4f} b={b.b:.4f}  ({t1 - t0:.2f} s)")
    print(f"andmesh  Gamma-Gamma p={g.p:.4f} q={g.q:.4f} v={g.v:.2f}  ({t2 - t1:.2f} s)")


def fit(args: argparse.Namespace) -> None:
    import pandas as pd
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    df = pd.read_parquet(args.fit)
    flat = {k: Prior("HalfFlat") for k in ("r", "alpha", "a", "b")}
    t0 = time.perf_counter()
    bg = BetaGeoModel(data=df[["customer_id", "frequency", "recency", "T"]], model_config=flat)
    bg.fit(method="map")
    t1 = time.perf_counter()
    post = bg.fit_result
    print("pymc-marketing BG/NBD " + " ".join(f"{k}={float(post[k].values.squeeze()):.4f}" for k in ("r", "alpha", "a", "b"))
          + f"  ({t1 - t0:.2f} s incl. compile)")  # fmt: skip
    rep = df[df["frequency"] > 0]
    t2 = time.perf_counter()
    gg = GammaGammaModel(data=rep[["customer_id", "frequency", "monetary_value"]])
    gg.fit(method="map")
    t3 = time.perf_counter()
    gp = gg.fit_result
    print("pymc-marketing Gamma-Gamma " + " ".join(f"{k}={float(gp[k].values.squeeze()):.4f}" for k in ("p", "q", "v"))
          + f"  ({t3 - t2:.2f} s incl. compile)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument("--fit", type=Path, default=None)
    args = parser.parse_args()
    if args.fit:
        fit(args)
    else:
        export(args)


if __name__ == "__main__":
    main()
