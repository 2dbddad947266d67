"""Keyed, anchored audit log: a gapless sequence number and a scheme per entry; the head in each run.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Entries written before this revision keep their unkeyed SHA-256 chain (scheme ``sha256``) and get
sequence numbers in the order they were written. The migration cannot seal them under the key:
the key lives in the workspace, not in the database the migration sees. The first keyed append
(or ``andmesh council audit``) writes an ``audit.sealed`` entry whose MAC covers their hashes,
and the chain is keyed from that entry on (see docs/security.md, "The audit log").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SQLITE_NO_UPDATE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)
RUN_COLUMNS = ("audit_count", "audit_last_seq", "audit_last_mac", "audit_anchor_mac")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("audit_log", sa.Column("seq", sa.Integer))
    op.add_column("audit_log", sa.Column("scheme", sa.String(16)))
    # Numbering the existing entries is the one UPDATE the append-only log ever sees, here
    # with the trigger lifted inside the migration's own transaction.
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    op.execute(
        "UPDATE audit_log SET scheme = 'sha256', "
        "seq = (SELECT COUNT(*) FROM audit_log AS earlier WHERE earlier.id <= audit_log.id)"
    )
    if dialect == "sqlite":
        op.execute(SQLITE_NO_UPDATE)
    elif dialect == "postgresql":
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
    op.create_index("uq_audit_log_seq", "audit_log", ["seq"], unique=True)
    op.add_column("runs", sa.Column("audit_count", sa.Integer))
    op.add_column("runs", sa.Column("audit_last_seq", sa.Integer))
    op.add_column("runs", sa.Column("audit_last_mac", sa.String(64)))
    op.add_column("runs", sa.Column("audit_anchor_mac", sa.String(64)))


def downgrade() -> None:
    # Keyed entries then look altered to the older andmesh: it only knows the SHA-256 chain.
    op.drop_index("uq_audit_log_seq", table_name="audit_log")
    for column in ("scheme", "seq"):
        op.execute(f"ALTER TABLE audit_log DROP COLUMN {column}")
    for column in RUN_COLUMNS:
        op.execute(f"ALTER TABLE runs DROP COLUMN {column}")
