"""The 16 domain products of the Order-to-Cash mesh: andmesh against a plain DuckDB script.

    .venv/bin/python benchmarks/domain_products.py --data /tmp/xref/data20k --repeat 3
    .venv/bin/python benchmarks/domain_products.py --customers 200000
    .venv/bin/python benchmarks/domain_products.py --data /tmp/o2c20k --repeat 4 --before /tmp/main-src

Both contenders run in their own process, one after the other, on the same source files:

- **plain DuckDB** (the baseline, ``--baseline`` mode of this script): for each product in
  dependency order, views over its source files and its upstream's Parquet, the product's
  own pipeline SQL written with ``COPY … TO`` (zstd, the row groups andmesh writes), then
  its contract's checks as plain SQL generated from the contract file (not-null, keys and
  unique columns, patterns, ranges, accepted values, row count, the SQL rules, foreign
  keys — a column's and the table's composite ones — as anti-joins against the referenced
  product's file);
- **andmesh**: ``andmesh run <mesh> --select <each domain but enterprise>`` in a fresh
  workspace (start-up, lint, policies, build, gate, publish to Iceberg, lineage: what a
  user waits for).

Each is timed end to end (process start to exit) with its peak RSS (``wait4``); the
ratio is andmesh's time over the baseline's, medians of ``--repeat`` runs; CPU time (user +
system, every thread) is printed beside the wall time, as it moves less with the load.
With ``--before``, a second andmesh source tree runs in the same repeats, alternated with
this checkout's. Both get the
same DuckDB memory limit (``ANDMESH_MEMORY_LIMIT``, default 2GB here) and threads.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MESH = ROOT / "examples" / "order_to_cash"
OUT = Path(__file__).resolve().parent / "out"
SKIPPED_DOMAIN = "enterprise"


# --- the mesh, read with plain YAML -------------------------------------------------------


def domain_products(mesh: Path) -> list[dict[str, Any]]:
    """Product facts in dependency order: id, domain, port, sql, sources, inputs, contract."""
    products: dict[str, dict[str, Any]] = {}
    for file in sorted((mesh / "domains").glob("*/products/*/product.yaml")):
        spec = yaml.safe_load(file.read_text())
        if spec["domain"] == SKIPPED_DOMAIN:
            continue
        custom = {p["property"]: p["value"] for p in spec.get("customProperties") or []}
        port = spec["outputPorts"][0]
        products[spec["id"]] = {
            "id": spec["id"],
            "domain": spec["domain"],
            "port": port["name"],
            "sql": (file.parent / custom["pipeline"]).read_text(),
            "sources": custom.get("sources") or [],
            "inputs": [(p["name"], p["contractId"]) for p in spec.get("inputPorts") or []],
            "contract": yaml.safe_load((file.parent / "contract.yaml").read_text()),
        }
    by_contract = {p["contract"]["id"]: p for p in products.values()}
    order: list[str] = []

    def visit(pid: str) -> None:
        if pid in order:
            return
        for _, contract_id in products[pid]["inputs"]:
            visit(by_contract[contract_id]["id"])
        order.append(pid)

    for pid in sorted(products):
        visit(pid)
    for product in products.values():
        product["inputs"] = [(name, by_contract[cid]) for name, cid in product["inputs"]]
    return [products[pid] for pid in order]


# --- the baseline --------------------------------------------------------------------------


def quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def literal(value: Any) -> str:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else quote(value)


def check_queries(product: dict[str, Any], table: str, files: dict[str, str]) -> list[tuple[str, str]]:
    """(name, SQL returning one count that must be 0, or a row count) for the product's contract."""
    schema = product["contract"]["schema"][0]
    props = schema.get("properties") or []
    row_level: list[str] = []
    queries: list[tuple[str, str]] = []
    keys = sorted((p for p in props if p.get("primaryKey")), key=lambda p: p.get("primaryKeyPosition", 0))
    if keys:
        cols = ", ".join(f'"{p["name"]}"' for p in keys)
        queries.append(
            (
                "primary key",
                f"select count(*) from (select {cols} from {table} group by all having count(*) > 1)",
            )
        )
    for prop in props:
        col = f'"{prop["name"]}"'
        if prop.get("required"):
            row_level.append(f"count(*) filter (where {col} is null)")
        if prop.get("unique") and not (prop.get("primaryKey") and len(keys) == 1):
            queries.append(
                (f"{prop['name']} unique", f"select count(*) - count(distinct {col}) from {table}")
            )
        options = prop.get("logicalTypeOptions") or {}
        cast = "date" if prop.get("logicalType") == "date" else None
        for key, op in (
            ("minimum", "<"),
            ("maximum", ">"),
            ("exclusiveMinimum", "<="),
            ("exclusiveMaximum", ">="),
        ):
            if key in options:
                bound = literal(options[key]) + (f"::{cast}" if cast else "")
                row_level.append(f"count(*) filter (where {col} {op} {bound})")
        if "pattern" in options:
            row_level.append(
                f"count(*) filter (where not regexp_full_match({col}, {quote(options['pattern'])}))"
            )
        for rule in prop.get("quality") or []:
            if rule.get("metric") == "invalidValues":
                valid = (rule.get("arguments") or {}).get("validValues")
                if valid:
                    listed = ", ".join(literal(v) for v in valid)
                    row_level.append(f"count(*) filter (where {col} not in ({listed}))")
            elif rule.get("metric") == "nullValues":
                row_level.append(f"count(*) filter (where {col} is null)")
        for rel in prop.get("relationships") or []:
            target, _, target_col = str(rel["to"]).rpartition(".")
            if target in files:
                queries.append(
                    (
                        f"{prop['name']} → {rel['to']}",
                        f"select count(*) from {table} t anti join read_parquet({quote(files[target])}) r "
                        f'on t.{col} = r."{target_col}" where t.{col} is not null',
                    )
                )
    for rel in schema.get("relationships") or []:  # table-level keys: composite foreign keys
        sources = [str(c).rpartition(".")[2] for c in rel.get("from") or []]
        targets = [str(c).rpartition(".") for c in rel.get("to") or []]
        target = targets[0][0] if targets else ""
        if target in files and len(sources) == len(targets):
            on = " and ".join(f't."{a}" = r."{b[2]}"' for a, b in zip(sources, targets, strict=True))
            present = " and ".join(f't."{a}" is not null' for a in sources)
            queries.append(
                (
                    f"{', '.join(sources)} → {target}",
                    f"select count(*) from {table} t anti join read_parquet({quote(files[target])}) r "
                    f"on {on} where {present}",
                )
            )
    queries.insert(
        0, ("row-level rules + row count", f"select count(*), {', '.join(row_level) or '0'} from {table}")
    )
    for rule in schema.get("quality") or []:
        if rule.get("type") == "sql":
            queries.append((rule["name"], rule["query"]))
    return queries


def baseline(data: Path, out: Path, memory: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"set memory_limit = {quote(memory)}")
    files: dict[str, str] = {}  # port name → its Parquet file (relationships name ports)
    timings: dict[str, dict[str, float]] = {}
    violations = 0
    for product in domain_products(MESH):
        clock = time.perf_counter()
        for source in product["sources"]:
            paths = sorted(glob.glob(str(data / source["path"]), recursive=True))
            reader = "read_parquet" if source["format"] == "parquet" else "read_csv"
            listed = ", ".join(quote(p) for p in paths)
            con.execute(f'create or replace view "{source["name"]}" as select * from {reader}([{listed}])')
        for name, upstream in product["inputs"]:
            con.execute(
                f'create or replace view "{name}" as select * from read_parquet({quote(files[upstream["port"]])})'
            )
        target = out / f"{product['domain']}.{product['port']}.parquet"
        sql = product["sql"].strip().rstrip(";")
        con.execute(
            f"copy ({sql}) to {quote(str(target))} (format parquet, compression zstd, row_group_size 122880)"
        )
        built = time.perf_counter()
        files[product["port"]] = str(target)
        table = f'"{product["port"]}"'
        con.execute(f"create or replace view {table} as select * from read_parquet({quote(str(target))})")
        for _, query in check_queries(product, table, files):
            row = con.execute(query).fetchone()
            assert row is not None
            violations += sum(int(v or 0) for v in row[1:]) if len(row) > 1 else 0
        timings[product["id"]] = {"build": built - clock, "checks": time.perf_counter() - built}
    return {"timings": timings, "violations": violations}


# --- running both ---------------------------------------------------------------------------


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """A child's wall time, its CPU time (user + system, its threads and children included),
    its own peak RSS in MB (via a wrapper that reports them), and stdout."""
    wrapper = [
        sys.executable,
        "-c",
        "import os,resource,subprocess,sys;"
        "p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,text=True);"
        "sys.stdout.write(p.stdout);"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "sys.stderr.write('PEAK %d CPU %.3f\\n' % (u.ru_maxrss, u.ru_utime + u.ru_stime));"
        "sys.exit(p.returncode)",
        *command,
    ]
    clock = time.perf_counter()
    process = subprocess.run(wrapper, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - clock
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{process.stderr[-3000:]}")
    peak, cpu = re.findall(r"PEAK (\d+) CPU ([\d.]+)", process.stderr)[-1]
    return seconds, float(cpu), int(peak) / 1024, process.stdout


def ensure_data(customers: int) -> Path:
    data = OUT / f"o2c-{customers}"
    if not (data / "truth" / "manifest.yaml").exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "andmesh.cli", "generate", "order-to-cash", "--customers", str(customers),
             "--seed", "7", "--out", str(data), "--json"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return data


def digest(workspace: Path) -> dict[str, Any]:
    """What a workspace published, to compare two source trees: each port's versions, rows,
    schema and a digest of its rows, and every check result (status, measured) of its last run."""
    import duckdb

    from andmesh.facade import Andmesh
    from andmesh.workspace import Workspace

    facade = Andmesh(Workspace.resolve(workspace))
    tables: dict[str, Any] = {}
    for table in facade.warehouse.tables():
        versions = facade.warehouse.versions(table)
        files = versions[-1].files
        relation = duckdb.sql(f"select * from read_parquet({files!r})")
        count, rows = duckdb.sql(f"select count(*), sum(hash(t)) from read_parquet({files!r}) t").fetchone()  # type: ignore[misc]
        tables[table] = {
            "versions": [v.version for v in versions],
            "rows": count,
            "digest": str(rows),
            "schema": [f"{c} {t}" for c, t in zip(relation.columns, relation.types, strict=True)],
        }
    run = facade.store.last_run()
    assert run is not None
    checks = sorted(
        f"{r['table_id']} {r['check_id']} {r['status']} {json.dumps(r['measured'], sort_keys=True)}"
        for r in facade.store.check_results(run["id"])
    )
    return {"tables": tables, "checks": checks}


def andmesh_runs(
    name: str, src: Path, ws: Path, data: Path, select: list[str], env: dict[str, str]
) -> dict[str, tuple[float, float, float, dict[str, Any]]]:
    """``andmesh run`` in a fresh workspace, then ``--force`` in the workspace it left, with ``src``."""
    env = {**env, "PYTHONPATH": str(src) + os.pathsep + env.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "andmesh.cli", "--workspace", str(ws), "run", str(MESH), "--data", str(data),
               *select, "--json"]  # fmt: skip
    results = {}
    seconds, cpu, peak, stdout = run_child(command, env)
    results[name] = (seconds, cpu, peak, json.loads(stdout))
    # The same again in the workspace it left (specs cached, catalog and store made):
    # every product rebuilt and published as version 2, as on a day the data changed.
    seconds, cpu, peak, stdout = run_child([*command, "--force"], env)
    results[f"{name} --force"] = (seconds, cpu, peak, json.loads(stdout))
    # What it published, read with the same tree (compared between trees at the end).
    _, _, _, stdout = run_child([sys.executable, __file__, "--digest", str(ws)], env)
    results[f"{name} digest"] = (0.0, 0.0, 0.0, json.loads(stdout))
    shutil.rmtree(ws, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="Order-to-Cash sources (default: generated at --customers)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--memory", default=os.environ.get("ANDMESH_MEMORY_LIMIT", "2GB"))
    parser.add_argument(
        "--before",
        type=Path,
        help="another andmesh source tree (e.g. main's `src`, exported with `git archive`), run "
        "alternately with this checkout's in each repeat",
    )
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--digest", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.baseline:
        print(json.dumps(baseline(args.data, args.out, args.memory)))
        return
    if args.digest is not None:
        print(json.dumps(digest(args.digest)))
        return

    data = (args.data or ensure_data(args.customers)).resolve()
    env = {**os.environ, "ANDMESH_MEMORY_LIMIT": args.memory}
    domains = sorted({p["domain"] for p in domain_products(MESH)})
    select = [arg for d in domains for arg in ("--select", d)]
    trees = [("andmesh", ROOT / "src")]
    if args.before is not None:
        trees.insert(0, ("before", args.before.resolve()))
    scratch = Path(tempfile.mkdtemp(prefix="andmesh-domains-"))
    rows: dict[str, list[tuple[float, float, float]]] = {"plain DuckDB": []}
    runs: dict[str, dict[str, Any]] = {}
    digests: dict[str, list[dict[str, Any]]] = {}
    loads: list[str] = []
    last_base: dict[str, Any] = {}
    try:
        for attempt in range(args.repeat):
            loads.append(Path("/proc/loadavg").read_text().split()[0])
            out = scratch / f"base-{attempt}"
            out.mkdir()
            seconds, cpu, peak, stdout = run_child(
                [sys.executable, __file__, "--baseline", "--data", str(data), "--out", str(out), "--memory", args.memory],
                env,
            )  # fmt: skip
            rows["plain DuckDB"].append((seconds, cpu, peak))
            last_base = json.loads(stdout)
            shutil.rmtree(out, ignore_errors=True)
            # Alternated, the first tree first on even repeats: a load that drifts over the
            # run weighs on both alike.
            for name, src in trees if attempt % 2 == 0 else trees[::-1]:
                for label, (seconds, cpu, peak, run) in andmesh_runs(
                    name, src, scratch / f"ws-{name}-{attempt}", data, select, env
                ).items():
                    if label.endswith(" digest"):
                        digests.setdefault(name, []).append(run)
                        continue
                    rows.setdefault(label, []).append((seconds, cpu, peak))
                    runs[label] = run
            loads[-1] += "→" + Path("/proc/loadavg").read_text().split()[0]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    last_run = runs["andmesh"]
    published = sum(1 for o in last_run["outcomes"] if o["status"] == "published")
    print(f"data {data}  ({len(last_run['outcomes'])} domain products, {published} published by andmesh)")
    print(f"load average (1 min) before→after each repeat: {', '.join(loads)}")
    print(f"medians of {args.repeat}; ratios to the plain DuckDB script of the same runs")
    print(
        f"{'contender':<18}{'wall (s)':>9}{'CPU (s)':>9}{'peak RSS (MB)':>15}{'wall ratio':>12}{'CPU ratio':>11}"
    )
    base_wall = statistics.median(v[0] for v in rows["plain DuckDB"])
    base_cpu = statistics.median(v[1] for v in rows["plain DuckDB"])
    for name, values in rows.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(
            f"{name:<18}{wall:>9.2f}{cpu:>9.2f}{statistics.median(v[2] for v in values):>15,.0f}"
            f"{wall / base_wall:>11.2f}×{cpu / base_cpu:>10.2f}×"
        )
    for name in ("andmesh", "andmesh --force"):
        ratio = statistics.median(v[0] for v in rows[name]) / base_wall
        verdict = "PASS" if ratio <= 1.3 else "MISS"
        print(f"{name} / plain DuckDB, time: {ratio:.2f}×  ({verdict}, target ≤ 1.3)")
    if "before" in rows:
        for suffix in ("", " --force"):
            now, then = rows[f"andmesh{suffix}"], rows[f"before{suffix}"]
            print(
                f"andmesh{suffix} / before{suffix}: wall "
                f"{statistics.median(v[0] for v in now) / statistics.median(v[0] for v in then):.2f}×, CPU "
                f"{statistics.median(v[1] for v in now) / statistics.median(v[1] for v in then):.2f}×"
            )
    for name, run in runs.items():
        inside = sum(o["seconds"] for o in run["outcomes"])
        print(f"{name}: run reported {run['seconds']:.2f} s (ports {inside:.2f} s); outside the run "
              f"(start-up, lint, policies, lineage, exit) {rows[name][-1][0] - run['seconds']:.2f} s")  # fmt: skip
    base = last_base["timings"]
    names = list(runs)
    print(f"{'product':<42}{'DuckDB build':>13}{'checks':>8}" + "".join(f"{n:>17}" for n in names))
    by_id = {n: {o["product_id"]: o for o in run["outcomes"]} for n, run in runs.items()}
    for pid, t in base.items():
        print(
            f"{pid:<42}{t['build']:>13.2f}{t['checks']:>8.2f}"
            + "".join(f"{by_id[n][pid]['seconds']:>17.2f}" for n in names)
        )
    print(
        f"{'total':<42}{sum(t['build'] for t in base.values()):>13.2f}"
        f"{sum(t['checks'] for t in base.values()):>8.2f}"
        + "".join(f"{sum(o['seconds'] for o in runs[n]['outcomes']):>17.2f}" for n in names)
    )
    print(f"baseline contract violations found: {last_base['violations']}")
    published = [d for ds in digests.values() for d in ds]
    same = all(d == published[0] for d in published)
    first = published[0]
    print(
        f"published results ({len(first['tables'])} tables, {len(first['checks'])} check results; "
        f"versions, rows, schemas, row digests, check status and measured value) "
        f"{'identical in every run' if same else 'DIFFER between runs'}"
        + (f" of {' and '.join(digests)}" if len(digests) > 1 else "")
    )
    if not same:
        for name, ds in digests.items():
            for d in ds:
                for table, facts in d["tables"].items():
                    if facts != first["tables"].get(table):
                        print(f"  {name}: {table} differs: {facts}")
                extra = sorted(set(d["checks"]) ^ set(first["checks"]))
                for line in extra[:10]:
                    print(f"  {name}: check differs: {line}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
