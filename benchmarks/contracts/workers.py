"""One contender's run, in its own process; prints one JSON line (``run.py`` starts these).

    .venv/bin/python benchmarks/contracts/workers.py andmesh     --data DIR --contract FILE
    .venv/bin/python benchmarks/contracts/workers.py handwritten --data DIR
    .venv/bin/python benchmarks/contracts/workers.py overhead    --data DIR --contract FILE --runs 9
    .venv/bin/python benchmarks/contracts/workers.py samples     --data DIR --runs 3

``DIR`` holds ``lineitem/*.parquet`` and ``orders/*.parquet``. Imports happen inside each
contender, so the hand-written run's memory does not include Ibis or andmesh. ``seconds``
is the work alone: from reading the contract (or opening DuckDB) to the result in hand,
without the interpreter's start and imports, which the caller sees in its wall time.
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

# andmesh check id -> the benchmark's measure name (see generate.MEASURES)
ANDMESH_MEASURES = {
    "lineitem.l_orderkey.required": "null_l_orderkey",
    "lineitem.l_linenumber.required": "null_l_linenumber",
    "lineitem.l_partkey.required": "null_l_partkey",
    "lineitem.l_suppkey.required": "null_l_suppkey",
    "lineitem.primaryKey": "pk_duplicate_rows",
    "lineitem.primaryKey.notNull": "pk_null_rows",
    "lineitem.l_quantity.minimum": "l_quantity_below_min",
    "lineitem.l_quantity.maximum": "l_quantity_above_max",
    "lineitem.l_shipdate.minimum": "l_shipdate_below_min",
    "lineitem.l_shipdate.maximum": "l_shipdate_above_max",
    "lineitem.l_returnflag.quality[0].invalidValues": "l_returnflag_invalid",
    "lineitem.l_shipmode.quality[0].invalidValues": "l_shipmode_invalid",
    "lineitem.l_orderkey.relationship[0]": "orphan_l_orderkey",
}

SHIPMODES = "'REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'"

# The contract's ten rules as one hand-written aggregate (the key's grouped count as a
# scalar subquery of the same statement), numbers only.
HANDWRITTEN_CHECKS = f"""
SELECT
    count(*) AS rows,
    count(*) - count(l_orderkey) AS null_l_orderkey,
    count(*) - count(l_linenumber) AS null_l_linenumber,
    count(*) - count(l_partkey) AS null_l_partkey,
    count(*) - count(l_suppkey) AS null_l_suppkey,
    count_if(l_orderkey IS NULL OR l_linenumber IS NULL) AS pk_null_rows,
    count_if(l_quantity < 1) AS l_quantity_below_min,
    count_if(l_quantity > 50) AS l_quantity_above_max,
    count_if(l_shipdate < DATE '1992-01-01') AS l_shipdate_below_min,
    count_if(l_shipdate > DATE '1998-12-31') AS l_shipdate_above_max,
    count_if(l_returnflag NOT IN ('R', 'A', 'N')) AS l_returnflag_invalid,
    count_if(l_shipmode NOT IN ({SHIPMODES})) AS l_shipmode_invalid,
    (SELECT coalesce(sum(n), 0) FROM (
        SELECT count(*) AS n FROM lineitem
        WHERE l_orderkey IS NOT NULL AND l_linenumber IS NOT NULL
        GROUP BY l_orderkey, l_linenumber HAVING count(*) > 1)) AS pk_duplicate_rows
FROM lineitem
"""
# The relationship, in the same spirit: one anti-join. (Written as NOT EXISTS, DuckDB 1.5.6
# takes 1.7x as long on 60 M rows: 5.8 s against 3.4 s.)
HANDWRITTEN_ORPHANS = """
SELECT count(*) AS orphan_l_orderkey
FROM lineitem l ANTI JOIN orders o ON l.l_orderkey = o.o_orderkey
WHERE l.l_orderkey IS NOT NULL
"""

# What andmesh's failed-check samples cost, and what answering count and samples in one
# query would cost instead: hand-written mirrors of its queries (see the README's findings).
DUPLICATES = """
SELECT l_orderkey, l_linenumber, count(*) AS n FROM lineitem
WHERE l_orderkey IS NOT NULL AND l_linenumber IS NOT NULL
GROUP BY l_orderkey, l_linenumber HAVING count(*) > 1
"""
ORPHANS = """
SELECT l.l_orderkey FROM lineitem l ANTI JOIN orders o ON l.l_orderkey = o.o_orderkey
WHERE l.l_orderkey IS NOT NULL
"""
SAMPLE_EXPERIMENTS: dict[str, list[str]] = {
    "key: count": [f"SELECT sum(n), count(*) FROM ({DUPLICATES})"],
    "key: 5 samples by grouping again (andmesh before ffe54cf)": [
        f"SELECT * FROM ({DUPLICATES}) ORDER BY n DESC LIMIT 5"
    ],
    "key: temp table, count + samples from it (andmesh ffe54cf)": [
        f"CREATE TEMP TABLE kept AS {DUPLICATES}",
        "SELECT sum(n), count(*) FROM kept",
        "SELECT * FROM kept ORDER BY n DESC LIMIT 5",
        "DROP TABLE kept",
    ],
    "key: count + 5 samples, one grouping read twice as a CTE (andmesh s9-gate)": [
        f'WITH "__found" AS ({DUPLICATES}) SELECT l_orderkey, l_linenumber, n, '
        '(SELECT sum(n) FROM "__found") FROM "__found" ORDER BY n DESC, l_orderkey, l_linenumber LIMIT 5'
    ],
    "key: count + 5 samples in one query (max_by)": [
        "SELECT sum(n), count(*), max_by({'k': l_orderkey, 'l': l_linenumber, 'n': n}, n, 5) "
        f"FROM ({DUPLICATES})"
    ],
    "foreign key: count": [f"SELECT count(*) FROM ({ORPHANS})"],
    "foreign key: 5 samples by joining again (before ffe54cf)": [f"{ORPHANS} LIMIT 5"],
    "foreign key: temp table, count + samples (andmesh ffe54cf)": [
        f"CREATE TEMP TABLE kept AS {ORPHANS}",
        "SELECT count(*) FROM kept",
        "SELECT * FROM kept LIMIT 5",
        "DROP TABLE kept",
    ],
    "foreign key: count + 5 samples, one anti-join read twice as a CTE (andmesh s9-gate)": [
        f'WITH "__found" AS ({ORPHANS}) SELECT l_orderkey, (SELECT count(*) FROM "__found") '
        'FROM "__found" ORDER BY l_orderkey LIMIT 5'
    ],
    "foreign key: count + 5 samples in one query (max_by)": [
        f"SELECT count(*), max_by(l_orderkey, l_orderkey, 5) FROM ({ORPHANS})"
    ],
}


def files(data: Path, table: str) -> list[str]:
    found = sorted(glob.glob(str(data / table / "*.parquet")))
    if not found:
        raise SystemExit(f"no Parquet files under {data / table}")
    return found


def query_label(sql: str) -> str:
    """Which of andmesh's queries this is, from its SQL."""
    if "__andmesh_m" in sql:
        return "count + samples from the kept result"
    if '"__andmesh_found"' in sql:  # since s9-gate: count and samples from one grouping / anti-join
        if "ANTI JOIN" in sql:
            return "relationship: anti-join, count + samples"
        return "primary key: grouping, count + samples"
    if '"__rows"' in sql:
        return "orders: count (no rules)" if 'FROM "orders"' in sql else "aggregate (all row-level checks)"
    if "ANTI JOIN" in sql:
        return "relationship: samples" if "LIMIT" in sql else "relationship: anti-join count"
    if "GROUP BY" in sql:
        return "primary key: samples" if "ORDER BY" in sql else "primary key: grouped count"
    if "LIMIT" in sql:
        return "row-level samples"
    return "other"


class TracedEngine:
    """andmesh's DuckDB engine, timing every query its sessions run."""

    name = "duckdb"

    def __init__(self) -> None:
        from andmesh.engine import get_engine

        self.engine = get_engine("duckdb")
        self.queries: list[tuple[Any, float, str]] = []

    def session(self) -> Any:
        session = self.engine.session()
        # SQL methods since the checks stopped using Ibis; Ibis ones to measure a version before.
        for method, kind in (("fetch", ""), ("fetch_user", ""), ("to_arrow", ""), ("materialize", "keep")):
            if hasattr(session, method):
                setattr(session, method, self._timed(getattr(session, method), kind))
        # andmesh keeps duplicated keys and orphans in a temp table
        if hasattr(session, "temp_table"):
            session.temp_table = self._timed(session.temp_table, "keep")
        return session

    def _timed(self, method: Any, kind: str) -> Any:
        def timed(expr: Any) -> Any:
            start = time.perf_counter()
            result = method(expr)
            self.queries.append((expr, time.perf_counter() - start, kind))
            return result

        return timed


def _ibis_sql(expr: Any) -> str:
    import ibis

    return str(ibis.to_sql(expr))


def run_andmesh(data: Path, contract_file: Path) -> dict[str, Any]:
    """andmesh's public API, as ``andmesh test FILE --data lineitem=… --data orders=…`` calls it."""
    from andmesh.quality.standalone import check_files

    bound = [f"lineitem={data / 'lineitem' / '*.parquet'}", f"orders={data / 'orders' / '*.parquet'}"]
    engine = TracedEngine()
    clock = time.perf_counter()
    run = check_files(engine, contract_file, bound, object_name="lineitem")
    report = run.model_dump_json()
    seconds = time.perf_counter() - clock
    checks = {c.id: c for r in run.runs for c in r.checks}
    lineitem = next(r for r in run.runs if any(c.id.startswith("lineitem.") for c in r.checks))
    measures = {
        name: (
            checks[cid].measured
            if cid in checks and checks[cid].status.value in ("passed", "failed")
            else None
        )
        for cid, name in ANDMESH_MEASURES.items()
    }
    by_label: dict[str, list[float]] = {}
    for expr, took, kind in engine.queries:
        label = query_label(expr if isinstance(expr, str) else _ibis_sql(expr))
        if kind:  # the grouping or the anti-join itself, computed once into a temp table
            label = label.split(":")[0] + (": grouping" if "key" in label else ": anti-join") + ", kept"
        by_label.setdefault(label, []).append(took)
    queried = sum(took for _, took, _ in engine.queries)
    return {
        "seconds": seconds,
        "rows": lineitem.rows,
        "passed": run.passed,
        "measures": measures,
        "statuses": dict(Counter(c.status.value for r in run.runs for c in r.checks)),
        "phases": {
            **{f"{label} ({len(t)}×)" if len(t) > 1 else label: sum(t) for label, t in by_label.items()},
            "outside queries (parse, plan, judge, report)": seconds - queried,
        },
        "report_bytes": len(report),
    }


def run_handwritten(data: Path) -> dict[str, Any]:
    """The same numbers from one hand-written DuckDB statement plus one anti-join."""
    import duckdb

    lineitem_files, orders_files = files(data, "lineitem"), files(data, "orders")
    clock = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE VIEW lineitem AS SELECT * FROM read_parquet({lineitem_files!r})")
    con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet({orders_files!r})")
    start = time.perf_counter()
    cursor = con.execute(HANDWRITTEN_CHECKS)
    names = [d[0] for d in cursor.description]
    values = dict(zip(names, cursor.fetchone() or (), strict=True))
    checks_s = time.perf_counter() - start
    start = time.perf_counter()
    orphans = con.execute(HANDWRITTEN_ORPHANS).fetchone()
    orphans_s = time.perf_counter() - start
    con.close()
    seconds = time.perf_counter() - clock
    rows = int(values.pop("rows"))
    values["orphan_l_orderkey"] = int(orphans[0]) if orphans else None
    return {
        "seconds": seconds,
        "rows": rows,
        "passed": not any(values.values()),
        "measures": {k: int(v) for k, v in values.items()},
        "phases": {"aggregate + key (one statement)": checks_s, "anti-join": orphans_s},
    }


def run_overhead(data: Path, contract_file: Path, runs: int) -> dict[str, Any]:
    """andmesh's fixed cost per contract on a tiny table: median of ``runs`` warm runs, and the cold one."""
    import duckdb

    from andmesh.quality.standalone import check_files, load_contract_model

    bound = [f"lineitem={data / 'lineitem' / '*.parquet'}", f"orders={data / 'orders' / '*.parquet'}"]
    samples: list[dict[str, float]] = []
    rows = 0
    for _ in range(runs + 1):
        engine = TracedEngine()
        t0 = time.perf_counter()
        run = check_files(engine, contract_file, bound, object_name="lineitem")
        run.model_dump_json()
        t1 = time.perf_counter()
        load_contract_model(contract_file)
        t2 = time.perf_counter()
        queried = sum(took for _, took, _ in engine.queries)
        rows = max(r.rows for r in run.runs)
        samples.append(
            {
                "total": t1 - t0,
                "queries": queried,
                "of which parse + validate contract": t2 - t1,
                "outside queries": t1 - t0 - queried,
                "queries run": len(engine.queries),
            }
        )
    cold, warm = samples[0], samples[1:]
    # The hand-written queries on the same tiny table: what no tool can go below.
    lineitem_files, orders_files = files(data, "lineitem"), files(data, "orders")
    hand: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        con = duckdb.connect()
        con.execute(f"CREATE VIEW lineitem AS SELECT * FROM read_parquet({lineitem_files!r})")
        con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet({orders_files!r})")
        con.execute(HANDWRITTEN_CHECKS).fetchone()
        con.execute(HANDWRITTEN_ORPHANS).fetchone()
        con.close()
        hand.append(time.perf_counter() - t0)
    return {
        "rows": rows,
        "runs": runs,
        "cold": cold,
        "median": {k: statistics.median(s[k] for s in warm) for k in warm[0]},
        "handwritten_median": statistics.median(hand),
    }


def run_samples(data: Path, rounds: int) -> dict[str, Any]:
    """Time andmesh's count and sample queries against one query doing both; median of ``rounds``."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE VIEW lineitem AS SELECT * FROM read_parquet({files(data, 'lineitem')!r})")
    con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet({files(data, 'orders')!r})")
    timings: dict[str, list[float]] = {name: [] for name in SAMPLE_EXPERIMENTS}
    for _ in range(rounds):  # interleaved, so that noise spreads over every query
        for name, statements in SAMPLE_EXPERIMENTS.items():
            start = time.perf_counter()
            for sql in statements:
                con.execute(sql).fetchall()
            timings[name].append(time.perf_counter() - start)
    con.close()
    return {"rounds": rounds, "median": {k: statistics.median(v) for k, v in timings.items()}, "all": timings}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("contender", choices=["andmesh", "handwritten", "overhead", "samples"])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--contract", type=Path)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if args.contender == "handwritten":
        result = run_handwritten(args.data)
    elif args.contender == "samples":
        result = run_samples(args.data, args.runs)
    elif args.contract is None:
        raise SystemExit("--contract is needed")
    elif args.contender == "andmesh":
        result = run_andmesh(args.data, args.contract)
    else:
        result = run_overhead(args.data, args.contract, args.runs)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
