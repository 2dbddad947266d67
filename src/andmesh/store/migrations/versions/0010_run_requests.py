"""Runs requested through the service (`andmesh serve`): a queue its workers claim from.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("principal", sa.JSON, nullable=False),
        sa.Column("selection", sa.JSON),
        sa.Column("force", sa.Boolean, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("progress", sa.JSON),
        sa.Column("run_id", sa.String(64)),
        sa.Column("exit_code", sa.Integer),
        sa.Column("summary", sa.JSON),
        sa.Column("message", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("run_requests")
