"""One entity resolved on DuckDB and on Spark over the same units' products: time and clusters.

    .venv/bin/python benchmarks/entities/engines_parity.py --customers 20000 --entity location

The units' products are built once (``common.prepare``). The entity (``customer`` or ``location``
of the Order-to-Cash mesh) is resolved on DuckDB, then with its pair work on Spark
(``spark_linkage``: a Spark session is current, as in a product build under ``--engine spark``).
Prints each resolution's stages, the clusters each made, how many are identical, and B-cubed
precision and recall of Spark's clusters against DuckDB's.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import MESH, load_tables, prepare

from andmesh.enterprise.entities.resolve import Resolution, resolve
from andmesh.spec.entity import EntitySpec


def entity_spec(name: str) -> EntitySpec:
    path = MESH / "enterprise" / "entities" / f"{name}.yaml"
    return EntitySpec.model_validate(yaml.safe_load(path.read_text()))


def clusters(result: Resolution) -> dict[str, frozenset[tuple[str, str]]]:
    """entity id → its records (source, record id)."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    xref = result.xref.to_pydict()
    for entity, source, record in zip(xref["entity_id"], xref["source"], xref["record_id"], strict=True):
        out[entity].add((source, record))
    return {k: frozenset(v) for k, v in out.items()}


def parameters(model: dict[str, Any]) -> dict[str, float]:
    """Every comparison level's m and u of a saved Splink model."""
    out = {}
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for p in ("m_probability", "u_probability"):
                if p in level:
                    out[f"{comparison['output_column_name']} · {level.get('label_for_charts')} · {p[0]}"] = (
                        level[p]
                    )
    return out


def bcubed(
    mine: dict[str, frozenset[tuple[str, str]]], truth: dict[str, frozenset[tuple[str, str]]]
) -> tuple[float, float]:
    """B-cubed precision and recall of ``mine`` against ``truth`` (records in both)."""
    of_truth = {r: c for c in truth.values() for r in c}
    of_mine = {r: c for c in mine.values() for r in c}
    records = [r for r in of_mine if r in of_truth]
    precision = sum(len(of_mine[r] & of_truth[r]) / len(of_mine[r]) for r in records) / len(records)
    recall = sum(len(of_mine[r] & of_truth[r]) / len(of_truth[r]) for r in records) / len(records)
    return precision, recall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--entity", default="location")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--conf", default="spark.sql.shuffle.partitions=2,spark.default.parallelism=2")
    parser.add_argument("--steps", action="store_true", help="Log the Spark linkage's steps and their time.")
    args = parser.parse_args()
    import logging
    import os

    if args.steps:
        logging.basicConfig(format="  %(message)s")
        logging.getLogger("andmesh.entities.spark").setLevel(logging.DEBUG)

    os.environ.setdefault("ANDMESH_SPARK_MASTER", args.master)
    os.environ.setdefault("ANDMESH_SPARK_CONF", args.conf)
    _, ws, _ = prepare(args.customers, args.seed, 1.0)
    spec = entity_spec(args.entity)
    tables = load_tables(ws, spec)
    made: dict[str, dict[str, frozenset[tuple[str, str]]]] = {}
    models: dict[str, dict[str, float]] = {}
    for engine in args.engines.split(","):
        session = None
        if engine == "spark":
            from andmesh.engine.spark import SparkEngine

            clock = time.perf_counter()
            session = SparkEngine(args.master).session()
            session.spark.sql("SELECT 1").collect()
            print(f"spark session {time.perf_counter() - clock:.1f} s", flush=True)
        clock = time.perf_counter()
        try:
            result = resolve(spec, tables)
        finally:
            if session is not None:
                session.close()
        seconds = time.perf_counter() - clock
        made[engine] = clusters(result)
        models[engine] = parameters(result.model)
        s = result.summary
        print(
            f"{engine:<7} {seconds:7.1f} s · entities {s.entities:,} · compared {s.pairs_compared:,} · "
            f"candidates {s.candidate_pairs:,} · links {s.links} · stages {json.dumps(s.seconds)}",
            flush=True,
        )
    if "duckdb" in made and "spark" in made:
        duck, spark = made["duckdb"], made["spark"]
        same = len(set(duck.values()) & set(spark.values()))
        p, r = bcubed(spark, duck)
        differ = {
            k: (v, models["spark"].get(k))
            for k, v in models["duckdb"].items()
            if not math.isclose(v, models["spark"].get(k, math.nan), rel_tol=1e-6)
        }
        print(f"model parameters: {len(models['duckdb'])} · differ by more than 1e-6: {len(differ)}")
        for k, (d, sp) in list(differ.items())[:12]:
            print(f"  {k}: duckdb {d:.6g} · spark {sp:.6g}")
        print(
            f"clusters: duckdb {len(duck):,} · spark {len(spark):,} · identical {same:,} · "
            f"B-cubed of spark against duckdb: precision {p:.6f} recall {r:.6f}"
        )


if __name__ == "__main__":
    main()
