"""The reference mesh on Spark publishes what it publishes on DuckDB, product by product.

Order-to-Cash on 1,000 generated customers (seed 7) is run once on each engine, each in a
workspace of its own, and compared: every output port has the same status, version and row
count, every contract check the same verdict and the same measured value, the same Parquet
columns (names, types, nullability), and the enterprise entities (customers, locations) the same
clusters.

**Entity resolution's pair work runs on the engine in use**: under Spark, Splink's SparkAPI trains
the model and Spark finds and scores the candidate pairs (``enterprise/entities/spark_linkage.py``);
the records, identity tuples and clustering stay in the resolution's own DuckDB (per tuple, in the
andmesh process: the documented exception of the import rules, docs/engines.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from andmesh.facade import Andmesh
from andmesh.pipeline.results import PortOutcome, RunResult
from andmesh.workspace import Workspace
from tests.engine.conformance.conftest import spark_missing

pytestmark = pytest.mark.spark

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "order_to_cash"
XREFS = ("enterprise.customer_xref", "enterprise.location_xref")


@pytest.fixture(scope="module")
def spark_linkages() -> list[str]:
    """The entities whose pairs Spark linked (filled while ``both`` runs)."""
    return []


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory, spark_linkages: list[str]
) -> Iterator[dict[str, tuple[Andmesh, RunResult]]]:
    missing = spark_missing()
    if missing:
        pytest.skip(missing)
    from andmesh.engine import spark_conf
    from andmesh.generate import generate_order_to_cash

    root = tmp_path_factory.mktemp("o2c_engines")
    generate_order_to_cash(root / "data", customers=1000, seed=7)
    out: dict[str, tuple[Andmesh, RunResult]] = {}
    from andmesh.enterprise.entities import spark_linkage

    real = spark_linkage.link

    def recorded(con: Any, spec: Any, columns: Any, spark: Any) -> Any:
        spark_linkages.append(spec.name)  # and the real linkage does the work
        return real(con, spec, columns, spark)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spark_linkage, "link", recorded)
        for var in ("ANDMESH_WORKSPACE", "ANDMESH_STORE_URL", "ANDMESH_CATALOG_URL", "ANDMESH_DATA"):
            patch.delenv(var, raising=False)
        # The conformance suite's Spark settings: one session serves both (a second master is refused).
        patch.setenv(spark_conf.MASTER, "local[2]")
        patch.setenv(spark_conf.CONF, "spark.sql.shuffle.partitions=2,spark.default.parallelism=2")
        for engine in ("duckdb", "spark"):
            facade = Andmesh(Workspace.resolve(root / f"ws_{engine}"))
            out[engine] = (facade, facade.run(REFERENCE, data=root / "data", engine=engine))
        yield out


def _by_port(result: RunResult) -> dict[str, PortOutcome]:
    return {o.table_id: o for o in result.outcomes}


def _same(value: Any) -> Any:
    """A measured value as both engines must agree on it: floats to 9 significant digits (the two
    engines sum in different orders)."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _same(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_same(v) for v in value]
    return value


def test_every_product_publishes_the_same_rows(both: dict[str, tuple[Andmesh, RunResult]]) -> None:
    duck, spark = (_by_port(both[e][1]) for e in ("duckdb", "spark"))
    assert both["duckdb"][1].exit_code == 0, [o.message for o in duck.values() if o.message]
    assert sorted(spark) == sorted(duck)
    differ = {
        port: (
            (d.status.value, d.version, d.rows),
            (spark[port].status.value, spark[port].version, spark[port].rows),
        )
        for port, d in duck.items()
        if (d.status, d.version, d.rows) != (spark[port].status, spark[port].version, spark[port].rows)
    }
    assert differ == {}, {p: spark[p].message for p in differ}
    assert both["spark"][1].exit_code == 0
    assert len(duck) >= 20


def test_every_check_has_the_same_verdict_and_measure(both: dict[str, tuple[Andmesh, RunResult]]) -> None:
    duck, spark = (_by_port(both[e][1]) for e in ("duckdb", "spark"))
    differ: dict[str, tuple[Any, Any]] = {}
    compared = 0
    for port, outcome in duck.items():
        assert outcome.checks is not None, port
        other = spark[port].checks
        assert other is not None, port
        mine = {c.id: (c.status.value, _same(c.measured)) for c in outcome.checks.checks}
        theirs = {c.id: (c.status.value, _same(c.measured)) for c in other.checks}
        assert sorted(theirs) == sorted(mine), port
        differ.update({f"{port}:{i}": (v, theirs[i]) for i, v in mine.items() if theirs[i] != v})
        compared += len(mine)
    assert differ == {}
    assert compared > 1000


def _published(facade: Andmesh, table_id: str) -> pa.Table:
    version = facade.warehouse.current(table_id)
    assert version is not None, table_id
    return pa.concat_tables([pq.read_table(f) for f in version.files])


def _schemas(both: dict[str, tuple[Andmesh, RunResult]], *, nullable: bool) -> dict[str, tuple[str, str]]:
    """Ports whose published Parquet columns differ (names and types; with ``nullable``, also
    whether a column may be null)."""
    differ = {}
    for port in _by_port(both["duckdb"][1]):
        duck, spark = (_published(both[e][0], port).schema for e in ("duckdb", "spark"))
        if not nullable:
            duck, spark = (pa.schema([f.with_nullable(True) for f in s]) for s in (duck, spark))
        if duck.remove_metadata() != spark.remove_metadata():
            differ[port] = (str(duck.remove_metadata()), str(spark.remove_metadata()))
    return differ


def test_published_columns_have_the_same_names_and_types(both: dict[str, tuple[Andmesh, RunResult]]) -> None:
    assert _schemas(both, nullable=False) == {}


def test_published_columns_have_the_same_nullability(both: dict[str, tuple[Andmesh, RunResult]]) -> None:
    assert _schemas(both, nullable=True) == {}


@pytest.mark.parametrize("xref", XREFS)
def test_entity_clusters_are_equal(both: dict[str, tuple[Andmesh, RunResult]], xref: str) -> None:
    clusters = {}
    for engine in ("duckdb", "spark"):
        table = _published(both[engine][0], xref).select(["entity_id", "source", "record_id"]).to_pylist()
        members: dict[str, set[tuple[str, str]]] = {}
        for row in table:
            members.setdefault(row["entity_id"], set()).add((row["source"], row["record_id"]))
        clusters[engine] = {frozenset(m) for m in members.values()}
    if clusters["spark"] != clusters["duckdb"]:
        duck_pairs, spark_pairs = _pairs(clusters["duckdb"]), _pairs(clusters["spark"])
        precision, recall = _bcubed(clusters["spark"], clusters["duckdb"])
        pytest.fail(
            f"{xref}: {len(clusters['spark'])} clusters on Spark, {len(clusters['duckdb'])} on DuckDB; "
            f"linked pairs only on Spark {len(spark_pairs - duck_pairs)}, only on DuckDB "
            f"{len(duck_pairs - spark_pairs)} (of {len(duck_pairs)}); B-cubed of Spark against DuckDB: "
            f"precision {precision:.4f}, recall {recall:.4f}"
        )
    assert len(clusters["duckdb"]) > 900


def test_entity_resolution_pairs_run_on_the_engine_in_use(
    both: dict[str, tuple[Andmesh, RunResult]], spark_linkages: list[str]
) -> None:
    # One Spark linkage per entity (customer, location), on the Spark run only.
    assert sorted(spark_linkages) == ["customer", "location"]


def _bcubed(mine: set[frozenset[Any]], theirs: set[frozenset[Any]]) -> tuple[float, float]:
    """B-cubed precision and recall of ``mine`` against ``theirs`` (1.0, 1.0: the same clusters).

    >>> _bcubed({frozenset("ab"), frozenset("c")}, {frozenset("abc")})
    (1.0, 0.5555555555555555)
    """
    of_theirs = {item: cluster for cluster in theirs for item in cluster}
    items = [(item, cluster) for cluster in mine for item in cluster]
    precision = sum(len(c & of_theirs[i]) / len(c) for i, c in items) / len(items)
    recall = sum(len(c & of_theirs[i]) / len(of_theirs[i]) for i, c in items) / len(items)
    return precision, recall


def _pairs(clusters: set[frozenset[Any]]) -> set[frozenset[Any]]:
    return {frozenset((a, b)) for c in clusters for a in c for b in c if a < b}
