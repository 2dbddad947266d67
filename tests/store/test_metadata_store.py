"""The metadata store: created and upgraded by migrations, history kept across upgrades."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from andmesh.store import MetadataStore


def test_schema_is_created_by_migrations_at_head(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'a.db'}")
    assert store.revision() == MetadataStore.head_revision()
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"runs", "product_runs", "check_results", "incidents", "alembic_version"} <= tables
    assert {"published_contracts", "proposals", "votes", "audit_log", "access_requests"} <= tables


def test_reopening_keeps_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = MetadataStore(url)
    store.start_run("r1", mesh="m", mesh_root="/m", engine="duckdb", selection=None)
    store.finish_run("r1", "succeeded", {"published": 1})
    again = MetadataStore(url)  # runs migrate() again: must be a no-op on data
    assert again.last_run()["summary"] == {"published": 1}  # type: ignore[index]


@pytest.mark.postgres
def test_store_on_a_real_postgresql_server(postgres_url: str) -> None:
    store = MetadataStore(postgres_url)
    assert store.revision() == MetadataStore.head_revision()
    store.start_run("pg1", mesh="m", mesh_root="/m", engine="duckdb", selection=None)
    row = store.start_product("pg1", "a.b", "a.b")
    store.update_product(row, status="published", rows=10, version=1)
    store.record_checks(
        "pg1",
        "a.b",
        "a.b",
        [
            {
                "check_id": "t.c.required",
                "kind": "required",
                "property": "c",
                "status": "passed",
                "severity": "error",
                "measured": 0,
                "threshold": {"mustBe": 0},
                "message": "",
                "query": "select 1",
            }
        ],
    )
    assert MetadataStore(postgres_url).latest_product_runs()["a.b"]["rows"] == 10
    assert store.check_results("pg1")[0]["threshold"] == {"mustBe": 0}


def test_upgrading_an_old_schema_keeps_its_data(tmp_path: Path) -> None:
    """A store created by an older andmesh (revision 0001) is migrated, not rebuilt."""
    from alembic import command

    from andmesh.store.metadata import _alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into runs (id, mesh, mesh_root, engine, status, started_at) "
                "values ('old-run', 'm', '/m', 'duckdb', 'succeeded', '2026-01-01 00:00:00')"
            )
        )
    assert "published_contracts" not in sa.inspect(engine).get_table_names()
    store = MetadataStore(url)
    assert store.revision() == MetadataStore.head_revision()
    assert store.last_run()["id"] == "old-run"  # type: ignore[index]
    store.record_published_contract("a.b", 1, "a.b", "1.0.0", "kind: DataContract", "r1")
    assert store.last_published_contract("a.b")["contract_version"] == "1.0.0"  # type: ignore[index]


def test_the_newest_migration_read_from_the_scripts_is_alembics_head() -> None:
    from andmesh.store.metadata import MIGRATIONS, newest_revision

    numbered = max(f.name[:4] for f in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert newest_revision() == MetadataStore.head_revision() == numbered


def test_a_batch_commits_its_writes_together_or_not_at_all(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'a.db'}")
    store.start_run("r1", mesh="m", mesh_root="/m", engine="duckdb", selection=None)
    row = store.start_product("r1", "a.b", "a.b")
    check = {"check_id": "b.id.not_null", "kind": "not_null", "status": "passed", "severity": "error"}

    def publish_then_fail() -> None:
        with store.batch():
            store.record_checks("r1", "a.b", "a.b", [check])
            store.update_product(row, status="published", version=1)
            raise RuntimeError("killed mid-publish")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert store.check_results("r1") == []
    assert store.product_runs(run_id="r1")[0]["status"] == "building"

    commits = []
    sa.event.listen(store.engine, "commit", lambda _c: commits.append(1))
    with store.batch():
        store.record_checks("r1", "a.b", "a.b", [check])
        with store.batch():  # joins the outer one
            store.record_published_contract("a.b", 1, "c", "1.0.0", "text", "r1")
        store.update_product(row, status="published", version=1)
    assert len(commits) == 1
    assert [r["check_id"] for r in store.check_results("r1")] == ["b.id.not_null"]
    assert store.product_runs(run_id="r1")[0]["status"] == "published"
    assert store.published_contract("a.b", 1) is not None


def test_sqlite_store_syncs_its_log_at_checkpoints(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'a.db'}")
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
