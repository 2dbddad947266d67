"""Contract checks at scale: andmesh vs one hand-written DuckDB query vs datacontract-cli.

    .venv/bin/python benchmarks/contracts/run.py                      # 60 M rows (the reference run)
    .venv/bin/python benchmarks/contracts/run.py --rows 1000000       # a quick check
    .venv/bin/python benchmarks/contracts/run.py --rows 1000000 --repeat 3 --regenerate
    .venv/bin/python benchmarks/contracts/run.py --repeat 3 --experiments   # the README's figures

Generates TPC-H-like ``lineitem`` (``--rows``) and ``orders`` as Parquet, a clean copy
and a dirty one with known violations (``generate.py``), once, under ``--out``
(default ``benchmarks/out/``, git-ignored). Then runs the contract
``lineitem.odcs.yaml`` (ten rules) on both copies, each contender in its own process:

- andmesh: ``andmesh.quality.standalone.check_files`` (what ``andmesh test`` calls);
- hand-written: one DuckDB statement for the row-level checks and the key, one anti-join;
- datacontract-cli, in its own virtualenv ``<out>/dcli-venv`` (made on first use, from PyPI);
- the ``andmesh test`` command, end to end (process start and imports included).

Prints the time of the work (rows/s), the process's wall time and its peak memory
(maximum resident set size, from ``wait4``), checks that every contender reports the
violations the generator planted, the ratios against the targets, andmesh's time per
query, and its fixed cost per contract measured on a 1,000-row table. Each run starts
from a warm page cache, after other processes have gone quiet (``--quiet-wait``); the CPU
they used meanwhile is printed with it. ``--experiments`` also times the ways of counting
and sampling duplicated keys and orphan rows (``workers.py samples``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workers import ANDMESH_MEASURES  # noqa: E402

from generate import GENERATOR_VERSION, MEASURES, ROWS_PER_FILE  # noqa: E402

REPO = HERE.parent.parent
CONTRACT = HERE / "lineitem.odcs.yaml"
DEFAULT_OUT = HERE.parent / "out"
DCLI_REQUIREMENT = "datacontract-cli[duckdb,parquet]==1.2.8"
TINY_ROWS = 1_000
BYTES_PER_ROW = 55  # clean + dirty lineitem in zstd Parquet: ~51 bytes a row measured at 60 M rows

TARGETS = {
    "andmesh / hand-written, time": ("<=", 1.3),
    "datacontract-cli / andmesh, time": (">=", 1.4),
    "andmesh / hand-written, peak memory": ("<=", 1.3),
    # issue 12: the command end to end (interpreter start and imports included), processes compared
    "`andmesh test` / hand-written, process": ("<=", 1.2),
    "datacontract-cli / `andmesh test`, process": (">=", 1.5),
}
OVERHEAD_TARGET_S = 0.3

HAND = "hand-written DuckDB"
ANDMESH = "andmesh"
DCLI = "datacontract-cli"
CLI = "andmesh test (CLI)"


@dataclass
class Outcome:
    """One contender's run on one dataset."""

    contender: str
    dataset: str
    seconds: float | None = None  # the work, measured inside the process
    wall: float = 0.0  # the whole process
    rss_mb: float = 0.0  # peak resident set size of the process
    others_cores: float = 0.0  # cores other processes used meanwhile (noise)
    rows: int | None = None
    measures: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    passed: bool | None = None
    error: str | None = None


def busy_cpu_seconds() -> float:
    """CPU seconds spent by every process on the machine so far (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_wait: float, threshold: float = 0.3) -> float:
    """Wait (up to ``max_wait`` s) until other processes use < ``threshold`` cores for 3 s in a row."""
    clock = time.perf_counter()
    quiet = 0
    while time.perf_counter() - clock < max_wait:
        before = busy_cpu_seconds()
        time.sleep(1)
        quiet = quiet + 1 if busy_cpu_seconds() - before < threshold else 0
        if quiet >= 3:
            break
    return time.perf_counter() - clock


@dataclass
class Child:
    """A finished child process: its output, wall time, own peak memory and CPU, and the others' CPU."""

    code: int
    stdout: str
    stderr: str
    wall: float
    rss_mb: float
    others_cores: float  # average cores used by other processes while it ran: noise


def run_child(cmd: list[str], cwd: Path = REPO) -> Child:
    """Run ``cmd``; measure its wall time, its own peak RSS, and what else the machine was doing."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        busy = busy_cpu_seconds()
        clock = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, text=True)
        # wait4, not wait: the rusage of this child alone (RUSAGE_CHILDREN keeps a running max).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - clock
        others = busy_cpu_seconds() - busy - usage.ru_utime - usage.ru_stime
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Child(
            proc.returncode, out.read(), err.read(), wall, usage.ru_maxrss / 1024, max(0.0, others) / wall
        )


def last_json(stdout: str) -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise ValueError("no JSON line in the output")
    parsed: dict[str, Any] = json.loads(lines[-1])
    return parsed


def tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# --- data --------------------------------------------------------------------------------


def ensure_data(out: Path, rows: int, dirty: bool, regenerate: bool, rows_per_file: int) -> dict[str, Any]:
    """The generated tables for ``rows`` (reused when present), and their manifest."""
    folder = out / "data" / str(rows)
    manifest_file = folder / "manifest.json"
    if manifest_file.is_file() and not regenerate:
        manifest: dict[str, Any] = json.loads(manifest_file.read_text())
        if (
            manifest.get("generator_version") == GENERATOR_VERSION
            and manifest.get("rows") == rows
            and (not dirty or manifest["expected"].get("dirty"))
        ):
            print(f"data: reusing {folder} ({manifest['rows']:,} rows, generated in {manifest['seconds']} s)")
            manifest["folder"] = str(folder)
            return manifest
    print(f"data: generating {rows:,} rows into {folder} …", flush=True)
    cmd = [sys.executable, str(HERE / "generate.py"), "--rows", str(rows), "--out", str(folder)]
    cmd += ["--rows-per-file", str(rows_per_file)] + ([] if dirty else ["--no-dirty"])
    child = run_child(cmd)
    if child.code != 0:
        raise SystemExit(f"generation failed ({child.code}):\n{tail(child.stderr, 20)}")
    manifest = json.loads(manifest_file.read_text())
    print(
        f"data: {manifest['rows']:,} rows in {child.wall:.1f} s, peak {child.rss_mb:,.0f} MB; {sizes(manifest)}"
    )
    manifest["folder"] = str(folder)
    return manifest


def sizes(manifest: dict[str, Any]) -> str:
    return ", ".join(f"{name} {size / 1e9:.2f} GB" for name, size in manifest["bytes"].items())


def warm_page_cache(folder: Path) -> None:
    """Read every file once, so that no contender pays for the first read from disk."""
    for path in sorted(folder.rglob("*.parquet")):
        with path.open("rb") as handle:
            while handle.read(1 << 24):
                pass


# --- contracts -----------------------------------------------------------------------


def contract_rules(file: Path) -> int:
    """Validate ``file`` as andmesh lint does (raises when invalid); count lineitem's rules."""
    from andmesh.quality.standalone import load_contract

    contract = load_contract(file, "lineitem")
    rules = 0
    keys = 0
    for prop in contract.properties:
        rules += bool(prop.required) + len(prop.quality or []) + len(prop.relationships or [])
        rules += bool({"minimum", "maximum"} & set(prop.logicalTypeOptions or {}))
        keys += bool(prop.primaryKey)
    return rules + (keys > 0)


def dcli_contract(out: Path, folder: Path, dataset: str) -> Path:
    """A copy of the contract with a `local` server on ``folder/dataset``, for datacontract-cli."""
    target = out / "contracts" / f"lineitem-{folder.name}-{dataset}.odcs.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    server = (
        "servers:\n  - server: local\n    type: local\n    format: parquet\n"
        f"    path: {folder / dataset}/{{model}}/*.parquet\n"
    )
    target.write_text(CONTRACT.read_text() + server)
    contract_rules(target)  # still a valid ODCS contract
    return target


# --- datacontract-cli's own virtualenv -------------------------------------------------


def ensure_dcli(out: Path) -> tuple[Path | None, str]:
    """datacontract-cli's Python, installing it on first use; (None, why) when it cannot be had."""
    venv = out / "dcli-venv"
    python = venv / "bin" / "python"
    probe = [
        str(python),
        "-c",
        "import datacontract.data_contract, importlib.metadata as m; print(m.version('datacontract-cli'))",
    ]
    if python.exists():
        done = subprocess.run(probe, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return python, done.stdout.strip()
    print(f"datacontract-cli: installing {DCLI_REQUIREMENT} into {venv} …", flush=True)
    log = out / "dcli-install.log"
    with log.open("w") as handle:
        for cmd in (
            ["python3.11", "-m", "venv", str(venv)],
            [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
            [str(python), "-m", "pip", "install", DCLI_REQUIREMENT],
        ):
            try:
                done = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, check=False)
            except OSError as exc:
                return None, f"`{' '.join(cmd)}` could not start: {exc}"
            if done.returncode != 0:
                return None, f"`{' '.join(cmd)}` failed ({done.returncode}); see {log}"
    done = subprocess.run(probe, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None, f"installed but not importable: {tail(done.stderr, 3)}"
    return python, done.stdout.strip()


# --- contenders ----------------------------------------------------------------------


def cli_command(data: Path) -> list[str]:
    """``andmesh test`` on the lineitem and orders files under ``data``, JSON output."""
    return [
        *(sys.executable, "-m", "andmesh.cli", "test", str(CONTRACT), "--object", "lineitem"),
        *("--data", f"lineitem={data / 'lineitem' / '*.parquet'}"),
        *("--data", f"orders={data / 'orders' / '*.parquet'}", "--output", "json"),
    ]


def run_contender(contender: str, dataset: str, folder: Path, dcli: Path | None, out: Path) -> Outcome:
    data = folder / dataset
    outcome = Outcome(contender, dataset)
    if contender == HAND:
        cmd = [sys.executable, str(HERE / "workers.py"), "handwritten", "--data", str(data)]
    elif contender == ANDMESH:
        cmd = [sys.executable, str(HERE / "workers.py"), "andmesh", "--data", str(data)]
        cmd += ["--contract", str(CONTRACT)]
    elif contender == DCLI:
        assert dcli is not None
        cmd = [str(dcli), str(HERE / "dcli_worker.py"), str(dcli_contract(out, folder, dataset))]
    else:
        cmd = cli_command(data)
    child = run_child(cmd)
    code, stdout, stderr = child.code, child.stdout, child.stderr
    outcome.wall, outcome.rss_mb, outcome.others_cores = child.wall, child.rss_mb, child.others_cores
    try:
        result = last_json(stdout) if contender != CLI else json.loads(stdout)
    except ValueError as exc:
        outcome.error = f"exit {code}: {exc}: {tail(stderr)}"
        return outcome
    if contender == CLI:
        if code not in (0, 1):
            outcome.error = f"exit {code}: {tail(stderr)}"
        checks = {c["id"]: c for run in result["runs"] for c in run["checks"]}
        outcome.measures = {
            name: checks[cid]["measured"] if cid in checks else None for cid, name in ANDMESH_MEASURES.items()
        }
        outcome.rows = next(
            run["rows"]
            for run in result["runs"]
            if any(c["id"].startswith("lineitem.") for c in run["checks"])
        )
        outcome.seconds = outcome.wall
        outcome.passed = code == 0
        return outcome
    outcome.seconds = result["seconds"]
    outcome.rows = result.get("rows")
    outcome.measures = result["measures"]
    outcome.phases = result.get("phases", {})
    outcome.passed = result.get("passed")
    if result.get("problems"):
        outcome.error = "; ".join(result["problems"])
    return outcome


def describe(outcome: Outcome) -> str:
    if outcome.seconds is None:
        return f"ERROR {outcome.error}"
    text = f"{outcome.seconds:7.2f} s work, {outcome.wall:7.2f} s process, {outcome.rss_mb:8,.0f} MB peak"
    text += f", others used {outcome.others_cores:.2f} cores"
    return text + (f"  [{outcome.error}]" if outcome.error else "")


# --- report --------------------------------------------------------------------------


def median_outcome(outcomes: list[Outcome]) -> Outcome:
    """The run with the median time, with the median of the peaks."""
    good = sorted((o for o in outcomes if o.seconds is not None), key=lambda o: o.seconds or 0)
    if not good:
        return outcomes[0]
    chosen = good[(len(good) - 1) // 2]
    chosen.rss_mb = statistics.median(o.rss_mb for o in good)
    chosen.wall = statistics.median(o.wall for o in good)
    return chosen


def judge(value: float | None, target: tuple[str, float]) -> str:
    if value is None:
        return "n/a"
    op, bound = target
    ok = value <= bound if op == "<=" else value >= bound
    return f"{value:5.2f}× {'PASS' if ok else 'MISS'}"


def compare_counts(
    expected: dict[str, dict[str, int]], results: dict[tuple[str, str], Outcome], contenders: list[str]
) -> list[str]:
    """Print the measures of every contender against what was planted; return the mismatches."""
    mismatches: list[str] = []
    for dataset in ("clean", "dirty"):
        want = expected[dataset]
        print(f"\nviolations found on {dataset} data (expected = planted by the generator)")
        header = f"  {'measure':<22}{'expected':>9}" + "".join(f"{c:>22}" for c in contenders)
        print(header)
        for measure in MEASURES:
            cells = []
            for contender in contenders:
                outcome = results.get((contender, dataset))
                got = None if outcome is None else outcome.measures.get(measure)
                if got is None:
                    cells.append("n/a")
                    continue
                ok = got == want[measure]
                cells.append(f"{got}" if ok else f"{got} ✗")
                if not ok:
                    mismatches.append(
                        f"{dataset}: {contender} reports {measure} = {got}, expected {want[measure]}"
                    )
            print(f"  {measure:<22}{want[measure]:>9}" + "".join(f"{c:>22}" for c in cells))
    return mismatches


def print_summary(
    results: dict[tuple[str, str], Outcome], contenders: list[str], rows: int
) -> dict[str, dict[str, str]]:
    print(
        f"\n{'dataset':<8}{'contender':<22}{'work (s)':>10}{'rows/s':>14}{'peak RSS (MB)':>15}{'process (s)':>13}"
        f"{'others (cores)':>16}"
    )
    for dataset in ("clean", "dirty"):
        for contender in contenders:
            o = results.get((contender, dataset))
            if o is None or o.seconds is None:
                print(f"{dataset:<8}{contender:<22}  {'—' if o is None else o.error}")
                continue
            print(
                f"{dataset:<8}{contender:<22}{o.seconds:>10.2f}{rows / o.seconds:>14,.0f}"
                f"{o.rss_mb:>15,.0f}{o.wall:>13.2f}{o.others_cores:>16.2f}"
            )
    verdicts: dict[str, dict[str, str]] = {}
    print(f"\n{'target':<48}{'clean':>16}{'dirty':>16}")
    for name, target in TARGETS.items():
        row = {}
        for dataset in ("clean", "dirty"):
            hand, am, dc = (results.get((c, dataset)) for c in (HAND, ANDMESH, DCLI))
            cli = results.get((CLI, dataset))
            value = None
            if name.endswith("process"):
                base, other = (hand, cli) if name.startswith("`andmesh") else (cli, dc)
                if base and other and base.wall and other.wall:
                    value = other.wall / base.wall
            elif name.endswith("time") and "hand" in name and hand and am and hand.seconds and am.seconds:
                value = am.seconds / hand.seconds
            elif name.startswith("datacontract") and dc and am and dc.seconds and am.seconds:
                value = dc.seconds / am.seconds
            elif name.endswith("memory") and hand and am and hand.rss_mb:
                value = am.rss_mb / hand.rss_mb
            row[dataset] = judge(value, target)
        verdicts[name] = row
        label = f"{name} {target[0]} {target[1]}"
        print(f"{label:<48}{row['clean']:>16}{row['dirty']:>16}")
    return verdicts


def print_phases(results: dict[tuple[str, str], Outcome]) -> None:
    for contender in (ANDMESH, HAND):
        for dataset in ("clean", "dirty"):
            o = results.get((contender, dataset))
            if o is None or not o.phases:
                continue
            print(f"\n{contender} on {dataset} data, where the time goes (s):")
            for label, seconds in o.phases.items():
                print(f"  {label:<48}{seconds:8.2f}")


def sample_experiments(data: Path, rounds: int) -> dict[str, Any]:
    """andmesh's count and sample queries, hand-written, against one query doing both."""
    warm_page_cache(data)
    wait_for_quiet(120)
    child = run_child(
        [sys.executable, str(HERE / "workers.py"), "samples", "--data", str(data), "--runs", str(rounds)]
    )
    if child.code != 0:
        print(f"experiments: failed: {tail(child.stderr)}")
        return {}
    result = last_json(child.stdout)
    print(
        f"\nfailed-check samples on dirty data: count and samples apart, or in one query (median of {rounds}, s):"
    )
    for name, seconds in result["median"].items():
        print(f"  {name:<56}{seconds:8.2f}")
    print(f"  (other processes used {child.others_cores:.2f} cores meanwhile)")
    return dict(result)


def overhead(out: Path, tiny: dict[str, Any], runs: int, dcli: Path | None) -> dict[str, Any]:
    """andmesh's fixed cost per contract, on a tiny table."""
    folder = Path(tiny["folder"]) / "clean"
    cmd = [sys.executable, str(HERE / "workers.py"), "overhead", "--data", str(folder)]
    cmd += ["--contract", str(CONTRACT), "--runs", str(runs)]
    child = run_child(cmd)
    if child.code != 0:
        print(f"overhead: failed: {tail(child.stderr)}")
        return {}
    result = last_json(child.stdout)
    median, cold = result["median"], result["cold"]
    print(
        f"\nandmesh's fixed cost per contract ({result['rows']:,}-row lineitem + orders, {runs} warm runs):"
    )
    print(f"  {'':<40}{'median warm':>12}{'first (cold)':>14}")
    for key in median:
        digits = 0 if key == "queries run" else 3
        print(f"  {key:<40}{median[key]:>12.{digits}f}{cold[key]:>14.{digits}f}")
    print(f"  {'hand-written queries, same table':<40}{result['handwritten_median']:>12.3f}")
    walls = []
    for _ in range(3):
        walls.append(run_child(cli_command(folder)).wall)
    result["cli_wall_median"] = statistics.median(walls)
    print(f"  {'`andmesh test` process, end to end':<40}{result['cli_wall_median']:>12.3f}")
    if dcli is not None:
        contract = dcli_contract(out, Path(tiny["folder"]), "clean")
        child = run_child([str(dcli), str(HERE / "dcli_worker.py"), str(contract)])
        if child.code == 0:
            wall = child.wall
            result["dcli_tiny"] = last_json(child.stdout)["seconds"]
            result["dcli_tiny_wall"] = wall
            print(f"  {'datacontract-cli test() (1 run)':<40}{result['dcli_tiny']:>12.3f}")
            print(f"  {'datacontract-cli process, end to end':<40}{wall:>12.3f}")
    verdict = "PASS" if median["total"] < OVERHEAD_TARGET_S else "MISS"
    print(f"fixed overhead per contract < {OVERHEAD_TARGET_S} s: {median['total']:.3f} s {verdict}")
    result["verdict"] = verdict
    return result


# --- main ----------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "?"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=60_000_000, help="lineitem rows (default 60,000,000)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cache folder (default benchmarks/out)")
    parser.add_argument("--regenerate", action="store_true", help="generate the data even when cached")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each contender; the median is kept")
    parser.add_argument("--rows-per-file", type=int, default=ROWS_PER_FILE)
    parser.add_argument("--overhead-runs", type=int, default=9)
    parser.add_argument("--skip-dcli", action="store_true", help="leave datacontract-cli out")
    parser.add_argument("--skip-cli", action="store_true", help="leave the `andmesh test` process out")
    parser.add_argument(
        "--experiments",
        action="store_true",
        help="also time andmesh's sample queries against one query doing count and samples (dirty data)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each run, wait up to this many seconds for other processes to go quiet (default 120)",
    )
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    print(f"contract checks benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(
        f"andmesh {commit()}, Python {platform.python_version()}, duckdb {metadata.version('duckdb')}, "
        f"ibis {metadata.version('ibis-framework')}"
    )
    usage = shutil.disk_usage(out)
    need = args.rows * BYTES_PER_ROW
    print(
        f"disk: {usage.free / 1e9:.1f} GB free under {out}; {args.rows:,} rows need about {need / 1e9:.1f} GB"
    )
    if not (out / "data" / str(args.rows) / "manifest.json").is_file() and usage.free < 1.2 * need:
        raise SystemExit("not enough free disk space for the data: use --rows or --out")

    rules = contract_rules(CONTRACT)
    print(f"contract: {CONTRACT.relative_to(REPO)} is a valid ODCS contract with {rules} rules on lineitem")
    manifest = ensure_data(out, args.rows, True, args.regenerate, args.rows_per_file)
    tiny = ensure_data(out, TINY_ROWS, False, args.regenerate, args.rows_per_file)
    folder = Path(manifest["folder"])
    rows = int(manifest["rows"])
    print(
        f"data: {rows:,} lineitem rows in {manifest['lineitem_files']} files, {manifest['orders']:,} orders; {sizes(manifest)}"
    )

    contenders = [HAND, ANDMESH]
    dcli = None
    if not args.skip_dcli:
        dcli, version = ensure_dcli(out)
        if dcli is None:
            print(f"datacontract-cli: NOT RUN: {version}")
        else:
            print(f"datacontract-cli: {version} in {dcli.parent.parent}")
            contenders.append(DCLI)
    if not args.skip_cli:
        contenders.append(CLI)

    warm_page_cache(folder)
    runs: dict[tuple[str, str], list[Outcome]] = {}
    for attempt in range(args.repeat):
        for dataset in ("clean", "dirty"):
            for contender in contenders:
                if contender == CLI and attempt > 0:
                    continue  # the command adds start-up to andmesh's run: once is enough
                # datacontract-cli holds the whole table in memory (16 GB at 60 M rows), which
                # evicts the files from the page cache: every contender starts from a warm cache.
                warm_page_cache(folder / dataset)
                waited = wait_for_quiet(args.quiet_wait)
                if waited >= args.quiet_wait:
                    print(f"  (the machine did not go quiet in {waited:.0f} s: measuring anyway)")
                outcome = run_contender(contender, dataset, folder, dcli, out)
                runs.setdefault((contender, dataset), []).append(outcome)
                print(
                    f"  run {attempt + 1}/{args.repeat} {dataset:<6}{contender:<22}{describe(outcome)}",
                    flush=True,
                )
                if contender == DCLI and outcome.seconds is None:
                    print(f"datacontract-cli failed, going on without it: {outcome.error}")
                    contenders.remove(DCLI)
    results = {key: median_outcome(outcomes) for key, outcomes in runs.items()}

    print(
        f"\n=== {rows:,} lineitem rows, {rules} rules; median of {args.repeat} run(s); 'work' excludes interpreter start and imports ==="
    )
    verdicts = print_summary(results, contenders, rows)
    mismatches = compare_counts(manifest["expected"], results, contenders)
    for key, outcome in results.items():
        if outcome.rows is not None and outcome.rows != rows:
            mismatches.append(f"{key[1]}: {key[0]} counted {outcome.rows:,} rows, not {rows:,}")
    if mismatches:
        print("\n" + "!" * 78)
        print("!!! MISMATCH: the contenders do not report the planted violations:")
        for line in mismatches:
            print(f"!!!   {line}")
        print("!" * 78)
    else:
        print("\nall contenders report exactly the planted violations (n/a: the tool has no such measure)")
    print_phases(results)
    experiments = sample_experiments(folder / "dirty", args.repeat) if args.experiments else {}
    fixed = overhead(out, tiny, args.overhead_runs, dcli if DCLI in contenders else None)

    report = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "commit": commit(),
        "rows": rows,
        "repeat": args.repeat,
        "results": {f"{k[1]}/{k[0]}": v.__dict__ for k, v in results.items()},
        "all_runs": {f"{k[1]}/{k[0]}": [o.__dict__ for o in v] for k, v in runs.items()},
        "verdicts": verdicts,
        "mismatches": mismatches,
        "overhead": fixed,
        "sample_experiments": experiments,
    }
    target = out / f"results-{rows}.json"
    target.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"\nresults: {target}")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
