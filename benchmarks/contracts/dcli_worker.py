"""datacontract-cli's run of the benchmark contract; prints one JSON line.

    benchmarks/out/dcli-venv/bin/python benchmarks/contracts/dcli_worker.py CONTRACT_WITH_SERVER

Runs in datacontract-cli's own virtualenv (``run.py`` makes it), never andmesh's: it
imports nothing from andmesh. ``seconds`` is ``DataContract(...).test()`` alone, which
reads and lints the contract, loads the data and runs every check, with the tool's
defaults (no failed-row samples).
"""

from __future__ import annotations

import json
import sys
import time
from importlib import metadata
from typing import Any

# (check type, field) -> the benchmark's measure name (see generate.MEASURES)
MEASURES = {
    ("field_required", "l_orderkey"): "null_l_orderkey",
    ("field_required", "l_linenumber"): "null_l_linenumber",
    ("field_required", "l_partkey"): "null_l_partkey",
    ("field_required", "l_suppkey"): "null_l_suppkey",
    ("field_minimum", "l_quantity"): "l_quantity_below_min",
    ("field_maximum", "l_quantity"): "l_quantity_above_max",
    ("field_minimum", "l_shipdate"): "l_shipdate_below_min",
    ("field_maximum", "l_shipdate"): "l_shipdate_above_max",
    ("field_invalid_values", "l_returnflag"): "l_returnflag_invalid",
    ("field_invalid_values", "l_shipmode"): "l_shipmode_invalid",
    ("field_relationships", "l_orderkey"): "orphan_l_orderkey",
}


def main() -> None:
    from datacontract.data_contract import DataContract

    contract = sys.argv[1]
    clock = time.perf_counter()
    run = DataContract(data_contract_file=contract, server="local").test()
    seconds = time.perf_counter() - clock
    measures: dict[str, Any] = {}
    problems = []
    rows = None
    for check in run.checks:
        diagnostics = check.diagnostics or {}
        result = check.result.value if check.result is not None else None
        if rows is None and "row_count" in diagnostics:
            rows = diagnostics["row_count"]
        if check.type == "primary_key_unique":
            # datacontract-cli judges the number of duplicated keys; the rows are in diagnostics
            measures["pk_duplicate_rows"] = diagnostics.get("failed_rows", 0 if result == "passed" else None)
            measures["pk_duplicate_keys"] = diagnostics.get("value")
            continue
        name = MEASURES.get((check.type, check.field or ""))
        if name is None:
            continue
        measures[name] = diagnostics.get("value")
        if result not in ("passed", "failed"):
            problems.append(f"{check.key}: {result}: {check.reason}")
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": rows,
                "passed": run.result.value in ("passed", "warning"),
                "result": run.result.value,
                "measures": measures,
                "problems": problems,
                "version": metadata.version("datacontract-cli"),
                "checks": len(run.checks),
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
