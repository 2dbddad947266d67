"""One suite, every engine: each test runs once per engine in ``ANDMESH_TEST_ENGINES``.

Default: ``duckdb,spark`` when PySpark and a Java runtime are present, else ``duckdb`` (the
reason is printed in the test header). A known gap is marked on the test, the way Ibis marks
its backends' gaps, and xfails *strictly* on the engines it names (so a gap that closes fails
the suite until its marker goes):

    @pytest.mark.notimpl(["spark"], "andmesh does not do this on Spark yet")
    @pytest.mark.notyet(["spark"], "Spark itself cannot do this")

Spark starts once per test session (a JVM, seconds), on ``local[2]`` with two shuffle partitions.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator

import pytest

from andmesh.engine.base import Engine

ENGINES_VAR = "ANDMESH_TEST_ENGINES"
GAP_MARKERS = ("notimpl", "notyet")


def spark_missing() -> str | None:
    """Why the Spark engine cannot run here (None: it can)."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'andmesh[spark]')"
    if shutil.which("java") is None:
        return "no `java` on PATH (Spark needs a Java 17 runtime: apt-get install default-jre-headless)"
    return None


def selected_engines() -> tuple[list[str], str | None]:
    """The engines to run, and why Spark was left out by default (None if it was not)."""
    wanted = os.environ.get(ENGINES_VAR, "").strip()
    if wanted:
        return [e.strip() for e in wanted.split(",") if e.strip()], None
    missing = spark_missing()
    return (["duckdb"], missing) if missing else (["duckdb", "spark"], None)


def pytest_report_header() -> str:
    engines, missing = selected_engines()
    line = f"engine conformance: {', '.join(engines)}"
    return line + (f" (spark skipped: {missing})" if missing else "")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_name" in metafunc.fixturenames:
        engines, _ = selected_engines()
        params = [
            pytest.param(name, id=name, marks=[pytest.mark.spark] if name == "spark" else [])
            for name in engines
        ]
        metafunc.parametrize("engine_name", params, scope="session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("engine_name") if callspec is not None else None
        if engine is None:
            continue
        for marker in item.iter_markers():
            if marker.name not in GAP_MARKERS:
                continue
            engines, reason = marker.args
            if engine in engines:
                item.add_marker(pytest.mark.xfail(strict=True, reason=f"{marker.name} on {engine}: {reason}"))


@pytest.fixture(scope="session")
def engine(engine_name: str) -> Iterator[Engine]:
    """The engine under test, shared by every test of the session."""
    if engine_name == "duckdb":
        from andmesh.engine.duckdb import DuckDBEngine

        yield DuckDBEngine()
        return
    if engine_name != "spark":
        pytest.fail(f"{ENGINES_VAR}: unknown engine `{engine_name}` (duckdb, spark)")
    missing = spark_missing()
    if missing:
        pytest.skip(missing)
    from andmesh.engine import spark_conf
    from andmesh.engine.spark import SparkEngine

    with pytest.MonkeyPatch.context() as patch:
        # Also read by `get_engine("spark")`, which the facade-level tests go through.
        patch.setenv(spark_conf.MASTER, "local[2]")
        patch.setenv(spark_conf.CONF, "spark.sql.shuffle.partitions=2,spark.default.parallelism=2")
        yield SparkEngine()
        spark_conf.stop()
