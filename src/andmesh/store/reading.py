"""Connections for reads: on PostgreSQL in autocommit, so a read is one round trip to the server.

A plain ``engine.connect()`` on PostgreSQL (psycopg) opens a transaction at the first statement
and rolls it back when the connection goes back to the pool: ``BEGIN``, the query, ``ROLLBACK``
are three round trips, and the rollback also drops the connection's prepared statements. Under
load every round trip waits for the database's process to be scheduled, so the service pays
for them in latency. A read that runs in autocommit sees what was committed before each of its
statements — what a transaction at PostgreSQL's READ COMMITTED level (the store's) sees too,
and what SQLite's reads outside a write transaction see already. Writes keep ``engine.begin()``.
"""

from __future__ import annotations

import sqlalchemy as sa


def reading(engine: sa.Engine) -> sa.Connection:
    """A connection for statements that only read (use it as a context manager)."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection
