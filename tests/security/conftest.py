"""Metadata stores for the security tests: a SQLite file, or a database of its own on the test
PostgreSQL server (copied from a migrated template, so each test pays no migration)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from andmesh.store import MetadataStore

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def pg_database(server: str, template: str = "template0") -> Iterator[str]:
    name = f"sec_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"create database {name} template {template}"))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f"drop database {name} with (force)"))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_template(postgres_url: str) -> Iterator[str]:
    """A database migrated to head once per session, the template of every test's own."""
    with pg_database(postgres_url) as url:
        MetadataStore(url).engine.dispose()
        yield url.rsplit("/", 1)[1]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A metadata store at the newest revision, empty."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'andmesh.db'}"
        return
    with pg_database(request.getfixturevalue("postgres_url"), request.getfixturevalue("pg_template")) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (to build an older revision in)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'andmesh.db'}"
        return
    with pg_database(request.getfixturevalue("postgres_url")) as url:
        yield url
