"""The reuse ledger: every read of a published version, by whom and why.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("table_id", sa.String(200), nullable=False, index=True),
        sa.Column("version", sa.Integer),
        sa.Column("consumer", sa.String(200), nullable=False, index=True),
        sa.Column("purpose", sa.Text),
        sa.Column("run_id", sa.String(64), index=True),
        sa.Column("bytes", sa.BigInteger),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reads")
