"""Enterprise score runs: what each run of a score version read, fitted and produced.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_runs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("score", sa.String(100), nullable=False, index=True),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("method", sa.String(100), nullable=False),
        sa.Column("method_version", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False, index=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float),
        sa.Column("customers", sa.Integer),
        sa.Column("scored", sa.Integer),
        sa.Column("inputs", sa.JSON),
        sa.Column("entity_model_version", sa.String(64)),
        sa.Column("code_version", sa.String(64)),
        sa.Column("spec_hash", sa.String(64)),
        sa.Column("parameters", sa.JSON),
        sa.Column("fit_path", sa.Text),
        sa.Column("fit_sha256", sa.String(64)),
        sa.Column("baseline", sa.JSON),
        sa.Column("output_path", sa.Text),
        sa.Column("mesh_run_id", sa.String(64)),
        sa.Column("error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("score_runs")
