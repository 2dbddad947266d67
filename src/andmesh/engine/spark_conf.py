"""Where andmesh's Spark runs and how it is configured: one process-wide Spark session.

``ANDMESH_SPARK_MASTER``  ``local[*]`` (default: this machine, every core), ``spark://host:7077``,
                          ``yarn``, ``k8s://…``, or a Spark Connect URL ``sc://host:15002``
``ANDMESH_SPARK_CONF``    extra settings, ``key=value`` separated by commas
                          (``spark.executor.memory=8g,spark.sql.shuffle.partitions=400``)
``ANDMESH_MEMORY_LIMIT``  on ``local[…]``, the driver's heap (``spark.driver.memory``)
``ANDMESH_TEMP_DIRECTORY`` on ``local[…]``, where Spark spills (``spark.local.dir``)

A local session binds to loopback only and starts no web UI. The settings in
:data:`SEMANTICS` make Spark SQL mean what the specs (written in DuckDB's dialect) mean:
UTC session time, double-quoted identifiers, Parquet timestamps Iceberg can read.

>>> sorted(settings("local[2]", {"ANDMESH_SPARK_CONF": "spark.sql.shuffle.partitions=2"}).items())[-2:]
[('spark.ui.enabled', 'false'), ('spark.ui.showConsoleProgress', 'false')]
>>> settings("sc://h:15002", {})["spark.sql.session.timeZone"]
'UTC'
>>> parse_conf("a=1, b = x=y")
{'a': '1', 'b': 'x=y'}
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from andmesh.engine.config import EngineConfig
from andmesh.errors import EngineError, UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MASTER = "ANDMESH_SPARK_MASTER"
CONF = "ANDMESH_SPARK_CONF"
DEFAULT_MASTER = "local[*]"

# What every session needs, local or not, so a query means the same as on DuckDB.
SEMANTICS = {
    "spark.sql.session.timeZone": "UTC",
    # The platform's own SQL quotes identifiers with double quotes, as DuckDB does (needs ANSI mode,
    # Spark 4's default).
    "spark.sql.ansi.enabled": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    # Spark's default INT96 timestamps are refused by Iceberg.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    # ``SELECT * FROM parquet.`/any/path` `` would read any file the executors can: off.
    "spark.sql.runSQLOnFiles": "false",
    "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
}
# A local session: loopback only, no UI, few shuffle partitions (AQE coalesces the rest).
LOCAL = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
}
# Not a default, measured (docs/engines.md): the JIT's C1 tier alone (``-XX:TieredStopAtLevel=1``)
# cut the CPU of a small mesh's many small queries, C2 compiling them cost more than running them,
# but made a heavy query 1.6x dearer (11 M order lines at 200,000 customers). A small mesh can opt
# in: ANDMESH_SPARK_CONF=spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1

_lock = threading.Lock()
_session: SparkSession | None = None


def parse_conf(text: str) -> dict[str, str]:
    """``key=value`` pairs separated by commas; a clear error for a pair without ``=``."""
    conf: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"{CONF}: `{item}` is not a setting",
                hint="write key=value pairs separated by commas, e.g. spark.executor.memory=8g",
            )
        conf[key.strip()] = value.strip()
    return conf


def is_connect(master: str) -> bool:
    return master.startswith("sc://")


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def settings(master: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every setting of the session andmesh would start on ``master``."""
    env = os.environ if environ is None else environ
    conf = dict(SEMANTICS)
    if is_local(master):
        conf.update(LOCAL)
        base = EngineConfig.from_env(env)
        if base.memory_limit:
            conf["spark.driver.memory"] = _jvm_size(base.memory_limit)
        if base.temp_directory:
            conf["spark.local.dir"] = base.temp_directory
    jar = splink_jar()
    if jar is not None and not is_connect(master):
        # Splink's similarity functions (jaro_winkler, damerau_levenshtein…) for entity resolution.
        conf["spark.jars"] = jar
    extra = parse_conf(env.get(CONF, ""))
    if "spark.jars" in extra and "spark.jars" in conf:
        extra["spark.jars"] = f"{extra['spark.jars']},{conf['spark.jars']}"
    conf.update(extra)
    return dict(sorted(conf.items()))


def splink_jar() -> str | None:
    """The jar of Splink's Spark similarity functions, shipped in the splink wheel (None without
    splink); found without importing splink (seconds of imports)."""
    import importlib.util
    from pathlib import Path

    found = importlib.util.find_spec("splink")
    if found is None or found.origin is None:
        return None
    jars = sorted((Path(found.origin).parent / "internals" / "files" / "spark_jars").glob("*_spark4.x.jar"))
    return str(jars[-1]) if jars else None


def _jvm_size(size: str) -> str:
    """DuckDB's ``6GB`` as the JVM writes it (``6g``); fractions in megabytes.

    >>> _jvm_size("6GB"), _jvm_size("1.5GB"), _jvm_size("512MiB")
    ('6g', '1536m', '512m')
    """
    units = {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1, "GB": 1024, "TB": 1024**2}
    number = "".join(c for c in size if c.isdigit() or c == ".")
    unit = size[len(number) :].upper().replace("IB", "B")
    megabytes = float(number) * units[unit]
    return f"{int(megabytes // 1024)}g" if megabytes % 1024 == 0 else f"{int(megabytes)}m"


def master_from_env(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(MASTER, "").strip() or DEFAULT_MASTER


def shared_session(master: str) -> SparkSession:
    """The process's Spark session on ``master``, started on first use (a JVM: seconds).

    One JVM serves the whole process; each andmesh session is an isolated child of it
    (its own temporary views and settings). A second, different master in the same
    process is refused: Spark allows one context per JVM.
    """
    global _session
    with _lock:
        if _session is not None:
            running = (
                (_session.conf.get("spark.master", master) or master) if not is_connect(master) else master
            )
            if running != master and not (is_local(running) and is_local(master)):
                raise EngineError(
                    f"Spark already runs on `{running}` in this process; cannot also use `{master}`",
                    hint=f"use one master per process ({MASTER})",
                )
            return _session
        _session = _start(master)
        return _session


def _start(master: str) -> SparkSession:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError(
            "the Spark engine needs PySpark, which is not installed",
            hint="pip install 'andmesh[spark]' (PySpark 4.0 and a Java 17 runtime)",
        ) from None
    conf = settings(master)
    if is_local(master):
        # Spark otherwise binds to the first non-loopback interface it finds.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Python UDFs (entity resolution's similarity functions) run in this interpreter, which has
        # andmesh's dependencies; PySpark's default is whatever `python3` is on the PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("andmesh")
    builder = builder.remote(master) if is_connect(master) else builder.master(master)
    for key, value in conf.items():
        if is_connect(master) and not key.startswith("spark.sql."):
            continue  # a Connect server owns its cluster settings
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:
        raise EngineError(
            f"could not start Spark on `{master}`: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            hint="check that Java 17 is installed (`java -version`) and the master is reachable "
            f"({MASTER}); docs/engines.md shows how to point andmesh at a cluster",
        ) from exc
    if not is_connect(master):
        # Failed queries come back as exceptions with their message; the JVM's log would repeat them.
        session.sparkContext.setLogLevel("OFF")
    return session


def stop() -> None:
    """Stop the process's Spark session (tests, and the end of a long-lived service)."""
    global _session
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None
