"""The metadata store: created and upgraded by migrations, history kept across upgrades."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from andmesh.store import MetadataStore


def test_schema_is_created_by_migrations_at_head(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'a.db'}")
    assert store.revision() == MetadataStore.head_revision() == "0001"
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"runs", "product_runs", "check_results", "incidents", "alembic_version"} <= tables


def test_reopening_keeps_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = MetadataStore(url)
    store.start_run("r1", mesh="m", mesh_root="/m", engine="duckdb", selection=None)
    store.finish_run("r1", "succeeded", {"published": 1})
    again = MetadataStore(url)  # runs migrate() again: must be a no-op on data
    assert again.last_run()["summary"] == {"published": 1}  # type: ignore[index]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server on loopback, started and stopped by the test itself."""
    initdb = shutil.which("initdb") or next(iter(Path("/usr/lib/postgresql").glob("*/bin/initdb")), None)
    if initdb is None:
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    bindir = Path(initdb).parent
    # Not under pytest's tmp dir: that one is private to root, and the server may not
    # run as root.
    base = Path(tempfile.mkdtemp(prefix="andmesh-pg-"))
    data = base / "data"
    port = _free_port()
    user = "postgres"
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        run_as = ["runuser", "-u", "nobody", "--"]
        data.parent.chmod(0o777)
        user = "nobody"
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust"],
        check=True,
        capture_output=True,
    )
    log = data.parent / "pg.log"
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        url = f"postgresql+psycopg://{user}@127.0.0.1:{port}/postgres"
        deadline = time.time() + 20
        while True:
            try:
                sa.create_engine(url).connect().close()
                break
            except sa.exc.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.postgres
def test_store_on_a_real_postgresql_server(postgres_url: str) -> None:
    store = MetadataStore(postgres_url)
    assert store.revision() == "0001"
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
