"""The reuse ledger: reads recorded in the store, who uses each asset, orphans; `andmesh value`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from andmesh.cli.cmd_value import value
from andmesh.facade import Andmesh
from andmesh.governance.reuse import reuse_ledger, use_case_assets
from andmesh.governance.value_service import reuse_report
from andmesh.spec import load_mesh
from andmesh.store import MetadataStore
from andmesh.store.ledger import Ledger, Read
from tests.governance.test_economics import write_value_mesh


@pytest.fixture
def value_mesh(mesh_dir: Path) -> Path:
    return write_value_mesh(mesh_dir)


# --- the ledger in the store ------------------------------------------------------------------


def test_ledger_round_trip(tmp_path: Path) -> None:
    ledger = Ledger(MetadataStore(f"sqlite:///{tmp_path / 'a.db'}").engine)
    at = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    ledger.record_read("sales.customers", 3, "user:alice", "campaign list", at)
    ledger.record_read("sales.customers", 4, "user:alice", at=at + dt.timedelta(days=1))
    ledger.record_reads(
        [
            Read(table_id="sales.customers", version=4, consumer="tool:powerbi", at=at, bytes=100),
            Read(
                table_id="finance.rates", version=1, consumer="product:finance.exposure", run_id="r1", at=at
            ),
        ]
    )
    reads = ledger.reads("sales.customers")
    assert [(r.version, r.consumer, r.purpose) for r in reads] == [
        (3, "user:alice", "campaign list"),
        (4, "user:alice", None),
        (4, "tool:powerbi", None),
    ]
    assert reads[0].at == at  # time zone kept
    assert [r.table_id for r in ledger.reads(run_id="r1")] == ["finance.rates"]
    assert len(ledger.reads(since=at + dt.timedelta(hours=1))) == 1
    summary = ledger.reads_by_asset()
    assert list(summary) == ["finance.rates", "sales.customers"]
    customers = summary["sales.customers"]
    assert (customers.reads, customers.consumers, customers.bytes) == (3, ["tool:powerbi", "user:alice"], 100)
    assert customers.last_read_at == at + dt.timedelta(days=1)


def test_a_read_without_consumer_names_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger(MetadataStore(f"sqlite:///{tmp_path / 'a.db'}").engine)
    monkeypatch.setenv("ANDMESH_CONSUMER", "tool:notebook")
    assert ledger.record_read("a.b", None).consumer == "tool:notebook"
    monkeypatch.delenv("ANDMESH_CONSUMER")
    assert ledger.record_read("a.b", 1).consumer.startswith("user:")


def test_upgrading_to_the_ledger_keeps_the_data(tmp_path: Path) -> None:
    """A store made before the reads table (its previous revision) is migrated, not rebuilt."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from andmesh.store.metadata import _alembic_config

    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    reads_revision = next(r for r in script.walk_revisions() if "reuse ledger" in (r.doc or ""))
    assert reads_revision.down_revision is not None
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, str(reads_revision.down_revision))
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into runs (id, mesh, mesh_root, engine, status, started_at) "
                "values ('old-run', 'm', '/m', 'duckdb', 'succeeded', '2026-01-01 00:00:00')"
            )
        )
    assert "reads" not in sa.inspect(engine).get_table_names()
    store = MetadataStore(url)
    assert store.revision() == MetadataStore.head_revision()
    assert store.last_run()["id"] == "old-run"  # type: ignore[index]
    Ledger(store.engine).record_read("a.b", 1, "user:x")
    assert Ledger(store.engine).reads_by_asset()["a.b"].reads == 1


# --- who uses what ---------------------------------------------------------------------------


def test_what_a_use_case_uses(value_mesh: Path) -> None:
    used = use_case_assets(load_mesh(value_mesh))
    assert used == {
        "grow_segments": {
            "sales.customers": ["requirement sales.customers.segment"],
            "sales.segments": ["rated 3/5"],
        },
        "manage_exposure": {"finance.exposure": ["requirement finance.exposure.exposure_eur"]},
    }


def test_ledger_of_the_mesh_and_its_orphans(value_mesh: Path) -> None:
    ledger = reuse_ledger(load_mesh(value_mesh))
    assets = {a.asset: a for a in ledger.assets}
    customers = assets["sales.customers"]
    assert customers.consumer_products == ["finance.exposure", "sales.segments"]
    assert customers.use_cases == ["grow_segments"]
    assert customers.reached_by == ["grow_segments", "manage_exposure"]
    assert (customers.consumers, customers.cross_domain) == (3, 1)
    assert customers.consumer_domains == ["finance", "sales"]
    assert {u.consumer: u.via for u in customers.uses}["product:finance.exposure"] == ["input port customers"]
    assert assets["finance.rates"].reached_by == ["manage_exposure"]
    assert assets["finance.rates"].use_cases == []
    assert ledger.orphans == ["finance.ledger"]
    assert assets["finance.ledger"].consumers == 0 and assets["finance.ledger"].orphan


def test_a_recorded_read_is_a_use(value_mesh: Path, andmesh: Andmesh) -> None:
    andmesh.run(value_mesh)
    before = reuse_report(andmesh.mesh(value_mesh), andmesh.store, andmesh.warehouse)
    assert before.orphans == ["finance.ledger"] and all(a.published for a in before.assets)
    ledger = Ledger(andmesh.store.engine)
    ledger.record_read("finance.ledger", 1, "user:auditor", "year-end audit")
    ledger.record_read("finance.ledger", 1, "user:auditor")
    ledger.record_read("sales.customers", 1, "product:sales.segments", run_id="r")
    reads = ledger.reads_by_asset()
    ledger_row = {a.asset: a for a in reuse_ledger(andmesh.mesh(value_mesh), reads).assets}
    audited = ledger_row["finance.ledger"]
    assert (audited.orphan, audited.readers, audited.reads, audited.consumers) == (
        False,
        ["user:auditor"],
        2,
        1,
    )
    # A build's read is the same consumer as its input port: counted once.
    assert ledger_row["sales.customers"].consumers == 3


def test_a_data_source_that_is_no_product_is_reported(value_mesh: Path) -> None:
    path = value_mesh / "enterprise/use_cases/grow_segments.yaml"
    path.write_text(path.read_text().replace("{sales.segments: 3}", "{sales.segments: 3, sales.segmnts: 2}"))
    assert reuse_ledger(load_mesh(value_mesh)).problems == [
        "use case `grow_segments`: dataSources names `sales.segmnts`, which is not a product of the mesh"
    ]


def test_a_product_the_use_case_names_is_used_not_an_orphan(value_mesh: Path) -> None:
    """A use case about a product that no requirement, KPI or rating names lists it in `products`."""
    path = value_mesh / "enterprise/use_cases/manage_exposure.yaml"
    path.write_text(path.read_text() + "products: [finance.ledger]\n")
    mesh = load_mesh(value_mesh)
    assert use_case_assets(mesh)["manage_exposure"]["finance.ledger"] == ["named by the use case"]
    ledger = reuse_ledger(mesh)
    assert ledger.orphans == []
    assert {a.asset: a.use_cases for a in ledger.assets}["finance.ledger"] == ["manage_exposure"]


def test_a_product_the_use_case_names_must_exist(value_mesh: Path) -> None:
    from andmesh.spec import lint_mesh

    path = value_mesh / "enterprise/use_cases/manage_exposure.yaml"
    path.write_text(path.read_text() + "products: [finance.ledgr]\n")
    problems = [p for p in lint_mesh(value_mesh).problems if "finance.ledgr" in p.message]
    assert len(problems) == 1
    lines = path.read_text().splitlines()
    assert problems[0].file.name == "manage_exposure.yaml" and problems[0].line == len(lines)
    assert "did you mean `finance.ledger`?" in (problems[0].hint or "")


# --- `andmesh value` ----------------------------------------------------------------------------


def _app(facade: Andmesh) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = facade

    app.command("value")(value)
    return app


def test_value_command(value_mesh: Path, andmesh: Andmesh) -> None:
    andmesh.run(value_mesh)
    runner = CliRunner()
    as_json = runner.invoke(_app(andmesh), ["value", "--json"], catch_exceptions=False)
    assert as_json.exit_code == 0
    report = json.loads(as_json.stdout)
    assert report["total_value"] == 240_000.0 and report["currency"] == "EUR"
    assert report["orphans"] == ["finance.ledger"]
    rois = [a["roi"] for a in report["assets"]]
    assert rois == sorted(rois, reverse=True) and report["assets"][-1]["asset"] == "finance.ledger"
    human = runner.invoke(_app(andmesh), ["value", "--mesh", str(value_mesh)], catch_exceptions=False)
    assert human.exit_code == 0
    assert "sales.customers" in human.stdout and "orphan" in human.stdout
    assert "240,000 EUR" in human.stdout


def test_value_command_without_a_run_says_what_to_do(andmesh: Andmesh) -> None:
    result = CliRunner().invoke(_app(andmesh), ["value"])
    assert result.exit_code == 2
    assert "andmesh run" in result.stderr
