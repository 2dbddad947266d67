"""TPC-H-like ``lineitem`` and ``orders`` as Parquet, plus a dirty copy whose violations are known.

    .venv/bin/python benchmarks/contracts/generate.py --rows 1000000 --out benchmarks/out/data/1000000

DuckDB's ``tpch`` extension cannot be downloaded here, so the tables are plain DuckDB
SQL over ``range()``. Every pseudo-random value is a ``hash()`` of the order number,
the line number and a salt: the same rows on every run of the same DuckDB version.
Rows are written in order key order, in files of at most ``--rows-per-file`` rows.

Layout under ``--out``::

    clean/lineitem/part-NNN.parquet   clean/orders/part-000.parquet
    dirty/lineitem/part-NNN.parquet   dirty/orders/part-000.parquet  (hard links to clean's)
    manifest.json                     rows, files, and the violations planted in dirty/

The dirty copy is the clean one with a few rows changed, always the line 1 row of a
chosen order (every order has a line 1), the chosen orders spread evenly over the
table and never adjacent, so that each change has exactly one, known, effect.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

GENERATOR_VERSION = 2
ROWS_PER_FILE = 5_000_000
LINES_PER_ORDER = 4  # average of 1 + hash % 7
SEED = 7

# How many rows of each kind the dirty copy changes (an odd mix, so counts are told apart).
PLANTED: dict[str, int] = {
    "null_orderkey": 7,
    "null_linenumber": 5,
    "null_partkey": 11,
    "null_suppkey": 13,
    "duplicate_key": 17,
    "quantity_low": 9,
    "quantity_high": 10,
    "shipdate_low": 3,
    "shipdate_high": 4,
    "bad_returnflag": 8,
    "bad_shipmode": 9,
    "orphan_orderkey": 23,
}

# The measures every contender reports, and what the dirty copy makes them.
MEASURES: dict[str, str] = {
    "null_l_orderkey": "rows with l_orderkey null",
    "null_l_linenumber": "rows with l_linenumber null",
    "null_l_partkey": "rows with l_partkey null",
    "null_l_suppkey": "rows with l_suppkey null",
    "pk_duplicate_rows": "rows whose (l_orderkey, l_linenumber) is not unique",
    "pk_null_rows": "rows with a null key column",
    "l_quantity_below_min": "l_quantity < 1",
    "l_quantity_above_max": "l_quantity > 50",
    "l_shipdate_below_min": "l_shipdate < 1992-01-01",
    "l_shipdate_above_max": "l_shipdate > 1998-12-31",
    "l_returnflag_invalid": "l_returnflag not in (R, A, N)",
    "l_shipmode_invalid": "l_shipmode not one of the 7 modes",
    "orphan_l_orderkey": "rows whose l_orderkey is not in orders",
}


def expected_counts(planted: dict[str, int]) -> dict[str, int]:
    """What each measure must be on the dirty copy, from what was planted."""
    return {
        "null_l_orderkey": planted["null_orderkey"],
        "null_l_linenumber": planted["null_linenumber"],
        "null_l_partkey": planted["null_partkey"],
        "null_l_suppkey": planted["null_suppkey"],
        # each duplicate makes a pair with the line 1 of the previous order
        "pk_duplicate_rows": 2 * planted["duplicate_key"],
        "pk_null_rows": planted["null_orderkey"] + planted["null_linenumber"],
        "l_quantity_below_min": planted["quantity_low"],
        "l_quantity_above_max": planted["quantity_high"],
        "l_shipdate_below_min": planted["shipdate_low"],
        "l_shipdate_above_max": planted["shipdate_high"],
        "l_returnflag_invalid": planted["bad_returnflag"],
        "l_shipmode_invalid": planted["bad_shipmode"],
        "orphan_l_orderkey": planted["orphan_orderkey"],
    }


SHIPMODES = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]
INSTRUCTIONS = ["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"]
PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
WORDS = [
    "furiously",
    "carefully",
    "quickly",
    "slyly",
    "blithely",
    "ironic",
    "final",
    "pending",
    "regular",
    "express",
    "special",
    "bold",
    "even",
    "silent",
    "unusual",
    "daring",
    "fluffy",
    "ruthless",
    "accounts",
    "deposits",
    "packages",
    "requests",
    "instructions",
    "theodolites",
    "pinto",
    "beans",
    "foxes",
    "ideas",
    "dependencies",
    "excuses",
    "platelets",
    "asymptotes",
    "sauternes",
    "courts",
    "dolphins",
    "multipliers",
    "sentiments",
    "warthogs",
    "frets",
    "dinos",
    "attainments",
    "somas",
    "tithes",
    "sleep",
    "wake",
    "nag",
    "haggle",
    "boost",
    "cajole",
    "integrate",
    "detect",
    "use",
    "affix",
    "engage",
    "thrash",
]


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def order_key(o: str) -> str:
    """TPC-H's sparse order keys: 8 used out of every 32 (o is 0-based)."""
    return f"(({o}) // 8) * 32 + (({o}) % 8) + 1"


def lineitem_sql(first_order: int, last_order: int, limit: int | None, scale: float) -> str:
    """The clean rows of orders [first_order, last_order), at most ``limit`` of them."""
    parts = max(1, int(200_000 * scale))
    suppliers = max(1, int(10_000 * scale))
    words = _sql_list(WORDS)
    n_words = len(WORDS)
    return f"""
    WITH lines AS (
        SELECT o, unnest(range(1, 2 + (hash(o, 1) % 7)::INTEGER)) AS ln
        FROM range({first_order}, {last_order}) t(o)
    ), base AS (
        SELECT o, ln,
            DATE '1992-01-01' + (hash(o, 2) % 2406)::INTEGER AS orderdate,
            1 + (hash(o, ln, 3) % {parts})::BIGINT AS partkey,
            1 + (hash(o, ln, 5) % 50)::INTEGER AS qty
        FROM lines
    ), dated AS (
        SELECT *, orderdate + 1 + (hash(o, ln, 6) % 121)::INTEGER AS shipdate FROM base
    ), li AS (
        SELECT *, shipdate + 1 + (hash(o, ln, 8) % 30)::INTEGER AS receiptdate FROM dated
    )
    SELECT
        o, ln,
        {order_key("o")}::BIGINT AS l_orderkey,
        partkey AS l_partkey,
        1 + (hash(o, ln, 4) % {suppliers})::BIGINT AS l_suppkey,
        ln::INTEGER AS l_linenumber,
        qty::DECIMAL(15, 2) AS l_quantity,
        (qty * (90000 + ((partkey // 10) % 20001) + 100 * (partkey % 1000)) / 100)::DECIMAL(15, 2)
            AS l_extendedprice,
        ((hash(o, ln, 9) % 11) / 100)::DECIMAL(15, 2) AS l_discount,
        ((hash(o, ln, 10) % 9) / 100)::DECIMAL(15, 2) AS l_tax,
        CASE WHEN receiptdate <= DATE '1995-06-17'
             THEN CASE WHEN hash(o, ln, 11) % 2 = 0 THEN 'R' ELSE 'A' END
             ELSE 'N' END AS l_returnflag,
        CASE WHEN shipdate > DATE '1995-06-17' THEN 'O' ELSE 'F' END AS l_linestatus,
        shipdate AS l_shipdate,
        orderdate + 30 + (hash(o, ln, 7) % 61)::INTEGER AS l_commitdate,
        receiptdate AS l_receiptdate,
        {_sql_list(INSTRUCTIONS)}[1 + (hash(o, ln, 12) % 4)::INTEGER] AS l_shipinstruct,
        {_sql_list(SHIPMODES)}[1 + (hash(o, ln, 13) % 7)::INTEGER] AS l_shipmode,
        concat_ws(' ',
            {words}[1 + (hash(o, ln, 14) % {n_words})::INTEGER],
            {words}[1 + (hash(o, ln, 15) % {n_words})::INTEGER],
            {words}[1 + (hash(o, ln, 16) % {n_words})::INTEGER]) AS l_comment
    FROM li
    {f"LIMIT {limit}" if limit is not None else ""}
    """


LINEITEM_COLUMNS = [
    "l_orderkey",
    "l_partkey",
    "l_suppkey",
    "l_linenumber",
    "l_quantity",
    "l_extendedprice",
    "l_discount",
    "l_tax",
    "l_returnflag",
    "l_linestatus",
    "l_shipdate",
    "l_commitdate",
    "l_receiptdate",
    "l_shipinstruct",
    "l_shipmode",
    "l_comment",
]


def _in(orders: list[int]) -> str:
    return "o IN (" + ", ".join(str(o) for o in orders) + ")" if orders else "FALSE"


def dirty_select(mutations: dict[str, list[int]]) -> str:
    """The column list of the dirty copy: the clean columns, except on the chosen line 1 rows."""

    def at(kind: str) -> str:
        return f"(ln = 1 AND {_in(mutations.get(kind, []))})"

    overrides = {
        "l_orderkey": f"""CASE WHEN {at("null_orderkey")} THEN NULL
            WHEN {at("duplicate_key")} THEN {order_key("o - 1")}
            WHEN {at("orphan_orderkey")} THEN l_orderkey + 8
            ELSE l_orderkey END""",
        "l_linenumber": f"CASE WHEN {at('null_linenumber')} THEN NULL ELSE l_linenumber END",
        "l_partkey": f"CASE WHEN {at('null_partkey')} THEN NULL ELSE l_partkey END",
        "l_suppkey": f"CASE WHEN {at('null_suppkey')} THEN NULL ELSE l_suppkey END",
        "l_quantity": f"""CASE WHEN {at("quantity_low")} THEN 0::DECIMAL(15, 2)
            WHEN {at("quantity_high")} THEN 51::DECIMAL(15, 2) ELSE l_quantity END""",
        "l_shipdate": f"""CASE WHEN {at("shipdate_low")} THEN DATE '1991-12-31'
            WHEN {at("shipdate_high")} THEN DATE '1999-01-01' ELSE l_shipdate END""",
        "l_returnflag": f"CASE WHEN {at('bad_returnflag')} THEN 'X' ELSE l_returnflag END",
        "l_shipmode": f"CASE WHEN {at('bad_shipmode')} THEN 'BOAT' ELSE l_shipmode END",
    }
    return ", ".join(f"{overrides[c]} AS {c}" if c in overrides else c for c in LINEITEM_COLUMNS)


def orders_sql(n_orders: int, scale: float) -> str:
    customers = max(1, int(150_000 * scale))
    return f"""
    WITH base AS (
        SELECT o, DATE '1992-01-01' + (hash(o, 2) % 2406)::INTEGER AS orderdate FROM range({n_orders}) t(o)
    )
    SELECT
        {order_key("o")}::BIGINT AS o_orderkey,
        1 + (hash(o, 20) % {customers})::BIGINT AS o_custkey,
        CASE WHEN orderdate > DATE '1995-06-17' THEN 'O'
             WHEN orderdate + 151 < DATE '1995-06-17' THEN 'F' ELSE 'P' END AS o_orderstatus,
        orderdate AS o_orderdate,
        {_sql_list(PRIORITIES)}[1 + (hash(o, 21) % 5)::INTEGER] AS o_orderpriority,
        'Clerk#' || lpad((1 + hash(o, 22) % {max(1, int(1000 * scale))})::VARCHAR, 9, '0') AS o_clerk,
        0::INTEGER AS o_shippriority
    FROM base
    """


def choose_mutations(n_orders: int, planted: dict[str, int], seed: int) -> dict[str, list[int]]:
    """Orders whose line 1 the dirty copy changes: evenly spread, never adjacent, kinds shuffled."""
    kinds = [kind for kind, count in planted.items() for _ in range(count)]
    total = len(kinds)
    if n_orders < 4 * total + 4:
        raise SystemExit(f"too few orders ({n_orders}) for a dirty copy: use at least 10,000 rows")
    random.Random(seed).shuffle(kinds)
    step = (n_orders - 2) / total
    chosen: dict[str, list[int]] = {kind: [] for kind in planted}
    for j, kind in enumerate(kinds):
        chosen[kind].append(1 + int((j + 0.5) * step))
    return chosen


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
    os.replace(tmp, target)
    written = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
    return int(written[0]) if written else 0


def generate(rows: int, out: Path, rows_per_file: int = ROWS_PER_FILE, dirty: bool = True) -> dict[str, Any]:
    """Write the clean tables (and the dirty copy) under ``out``; return the manifest."""
    clock = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    scale = rows / 6_000_000
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    orders_per_file = max(1, rows_per_file // LINES_PER_ORDER)
    chunks: list[tuple[int, int, int | None]] = []  # first order, last order, limit
    total = 0
    first = 0
    while total < rows:
        last = first + orders_per_file
        counted = con.execute(f"SELECT sum(1 + hash(o, 1) % 7) FROM range({first}, {last}) t(o)").fetchone()
        chunk_rows = int(counted[0]) if counted else 0
        limit = rows - total if total + chunk_rows > rows else None
        chunks.append((first, last, limit))
        total += chunk_rows if limit is None else limit
        first = last
    lo, hi, limit = chunks[-1]
    if limit is not None:
        # The last chunk stops inside an order: keep orders up to that one, no further.
        found = con.execute(f"SELECT max(o) FROM ({lineitem_sql(lo, hi, limit, scale)})").fetchone()
        hi = int(found[0]) + 1 if found and found[0] is not None else hi
        chunks[-1] = (lo, hi, limit)
    n_orders = chunks[-1][1]

    files = []
    for index, (lo, hi, limit) in enumerate(chunks):
        query = f"SELECT {', '.join(LINEITEM_COLUMNS)} FROM ({lineitem_sql(lo, hi, limit, scale)})"
        files.append(_copy(con, query, out / "clean" / "lineitem" / f"part-{index:03d}.parquet"))
        print(f"  clean lineitem part {index + 1}/{len(chunks)}: {files[-1]:,} rows", file=sys.stderr)
    orders_rows = _copy(con, orders_sql(n_orders, scale), out / "clean" / "orders" / "part-000.parquet")

    # Every order below n_orders has its line 1 (the last one may have lost later lines).
    mutations: dict[str, list[int]] = {}
    if dirty:
        mutations = choose_mutations(n_orders, PLANTED, SEED)
        for index, (lo, hi, limit) in enumerate(chunks):
            here = {k: [o for o in v if lo <= o < hi] for k, v in mutations.items()}
            query = f"SELECT {dirty_select(here)} FROM ({lineitem_sql(lo, hi, limit, scale)})"
            written = _copy(con, query, out / "dirty" / "lineitem" / f"part-{index:03d}.parquet")
            assert written == files[index], "the dirty copy must have the clean copy's rows"
            print(f"  dirty lineitem part {index + 1}/{len(chunks)}", file=sys.stderr)
        (out / "dirty" / "orders").mkdir(parents=True)
        os.link(out / "clean" / "orders" / "part-000.parquet", out / "dirty" / "orders" / "part-000.parquet")
    con.close()
    planted = Counter({k: len(v) for k, v in mutations.items()})
    manifest: dict[str, Any] = {
        "generator_version": GENERATOR_VERSION,
        "duckdb_version": duckdb.__version__,
        "rows": sum(files),
        "orders": orders_rows,
        "lineitem_files": len(files),
        "bytes": {
            name: sum(f.stat().st_size for f in (out / name).rglob("*.parquet"))
            for name in ("clean", "dirty")
            if (out / name).is_dir()
        },
        "seconds": round(time.perf_counter() - clock, 1),
        "planted": dict(planted),
        "mutated_orders": mutations,
        "expected": {
            "clean": dict.fromkeys(MEASURES, 0),
            "dirty": expected_counts(dict(planted)) if dirty else None,
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rows-per-file", type=int, default=ROWS_PER_FILE)
    parser.add_argument("--no-dirty", action="store_true", help="Only the clean tables.")
    args = parser.parse_args()
    manifest = generate(args.rows, args.out, args.rows_per_file, dirty=not args.no_dirty)
    print(json.dumps({k: v for k, v in manifest.items() if k != "mutated_orders"}))


if __name__ == "__main__":
    main()
