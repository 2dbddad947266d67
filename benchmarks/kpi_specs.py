"""The 20 Order-to-Cash KPIs as specs against the Python they replaced, in one process.

    PYTHONPATH=src:. .venv/bin/python benchmarks/kpi_specs.py --workspace /tmp/me/ws20k
    PYTHONPATH=src:. .venv/bin/python benchmarks/kpi_specs.py --customers 2000   # generates and runs

The baseline is ``tests/enterprise/kpi_reference`` (the registry of Python KPI functions
before issue 14), measured in the same run on the same published Parquet files: each side
evaluates every KPI the reference mesh can compute, with its shared intermediate tables, on
a fresh DuckDB connection; the two alternate, ``--repeat`` times. It prints wall and CPU
seconds of each, their ratio, and the largest relative difference between their values.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

MESH = Path(__file__).resolve().parents[1] / "examples" / "order_to_cash"


def _tables(facade: Any, mesh: Any, con: Any) -> dict[str, Any]:
    tables = {}
    for port in mesh.ports():
        version = facade.warehouse.current(port.table_id)
        if version is not None:
            tables[port.name] = con.read_parquet(version.files, table_name=port.name)
    return tables


def _spec_side(facade: Any, mesh: Any, gaps: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    import ibis

    from andmesh.enterprise.kpis import SharedTables, evaluate_kpis

    tables = SharedTables(_tables(facade, mesh, ibis.duckdb.connect()))
    results = evaluate_kpis(tables, gaps, kpis=mesh.kpis, period="month")
    return {r.name: r.rows for r in results if r.status == "computed"}


def _reference_side(facade: Any, mesh: Any, gaps: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    import ibis
    from tests.enterprise.kpi_reference.registry import KPIS

    from andmesh.enterprise.kpis import SharedTables

    tables = SharedTables(_tables(facade, mesh, ibis.duckdb.connect()))
    out = {}
    for name, kpi in KPIS.items():
        if set(kpi.requirements) & gaps.keys():
            continue
        out[name] = kpi.compute(tables, "month", False).order_by("period").to_pyarrow().to_pylist()
    return out


def _timed(fn: Any, *args: Any) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, value


def _largest_difference(a: dict[str, list[dict[str, Any]]], b: dict[str, list[dict[str, Any]]]) -> float:
    worst = 0.0
    assert a.keys() == b.keys(), (sorted(a), sorted(b))
    for name in a:
        left = {r["period"]: r[name] for r in a[name]}
        right = {r["period"]: r[name] for r in b[name]}
        assert left.keys() == right.keys(), name
        for key, x in left.items():
            y = right[key]
            if x is None or y is None or math.isnan(x) or math.isnan(y):
                assert (x is None or math.isnan(x)) and (y is None or math.isnan(y)), (name, key)
                continue
            worst = max(worst, abs(x - y) / max(abs(y), 1e-12))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workspace", type=Path, help="a workspace where the O2C mesh has run")
    parser.add_argument(
        "--customers", type=int, default=2000, help="generate and run this many (no --workspace)"
    )
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from andmesh.facade import Andmesh
    from andmesh.spec import load_mesh
    from andmesh.workspace import Workspace

    if args.workspace is None:
        from andmesh.generate import generate_order_to_cash

        root = Path(tempfile.mkdtemp(prefix="kpi_specs_"))
        generate_order_to_cash(root / "data", customers=args.customers, seed=7)
        facade = Andmesh(Workspace.resolve(root / "ws"))
        facade.run(MESH, data=root / "data")
        print(f"generated and ran {args.customers:,} customers in {root}")
    else:
        facade = Andmesh(Workspace.resolve(args.workspace))
    mesh = load_mesh(MESH)
    gaps = {r.id: "not captured" for r in mesh.requirements.values() if r.spec.newAttribute}
    print(f"load before: {os.getloadavg()[0]:.1f}")
    figures: dict[str, list[tuple[float, float]]] = {"reference (Python)": [], "specs": []}
    results: dict[str, Any] = {}
    for _ in range(args.repeat):
        for label, side in (("reference (Python)", _reference_side), ("specs", _spec_side)):
            wall, cpu, results[label] = _timed(side, facade, mesh, gaps)
            figures[label].append((wall, cpu))
    print(f"load after: {os.getloadavg()[0]:.1f}")
    for label, runs in figures.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(
            f"{label:20s} wall {wall:7.2f} s   CPU (this process) {cpu:7.2f} s   KPIs {len(results[label])}"
        )
    base = statistics.median(w for w, _ in figures["reference (Python)"])
    spec = statistics.median(w for w, _ in figures["specs"])
    print(f"ratio specs / reference (wall): {spec / base:.2f}")
    diff = _largest_difference(results["specs"], results["reference (Python)"])
    print(f"largest relative difference between values: {diff:.1e}")


if __name__ == "__main__":
    main()
