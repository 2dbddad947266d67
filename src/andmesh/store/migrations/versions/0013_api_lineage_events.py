"""OpenLineage events received by the service (`POST /api/v1/lineage/events`): kept whole, with the
job and datasets they name, so external jobs appear in the mesh's lineage graph.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lineage_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_type", sa.String(16)),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("job_namespace", sa.String(400), nullable=False),
        sa.Column("job_name", sa.String(400), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.Column("producer", sa.Text, nullable=False),
        sa.Column("event", sa.JSON, nullable=False),
        sa.Column("received_by", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_lineage_events_job", "lineage_events", ["job_namespace", "job_name"])


def downgrade() -> None:
    op.drop_index("ix_lineage_events_job", table_name="lineage_events")
    op.drop_table("lineage_events")
