"""Data stewards' decisions on entity matches: who confirmed or rejected which pair, when.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entity_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(100), nullable=False, index=True),
        sa.Column("pair_id", sa.String(16), nullable=False, index=True),
        sa.Column("left_source", sa.String(200), nullable=False),
        sa.Column("left_record", sa.String(200), nullable=False),
        sa.Column("right_source", sa.String(200), nullable=False),
        sa.Column("right_record", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("probability", sa.Float),
        sa.Column("model_version", sa.String(32)),
        sa.Column("run_id", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("entity_decisions")
