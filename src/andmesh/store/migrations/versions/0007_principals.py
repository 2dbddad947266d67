"""Principals: API tokens (only a hash stored); every access grant gets a bounded duration.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Grants recorded before durations were bounded never expired; they now expire a year after the
# owner's decision (or today, if that is already past), so no grant is open-ended.
LEGACY_GRANT_DAYS = 365


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("prefix", sa.String(32), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("username", sa.String(200), nullable=False, index=True),
        sa.Column("label", sa.String(200)),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.String(200)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
    )
    requests = sa.table(
        "access_requests",
        sa.column("id", sa.Integer),
        sa.column("owner_decision_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("status", sa.String),
    )
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    for rid, decided in bind.execute(
        sa.select(requests.c.id, requests.c.owner_decision_at).where(
            requests.c.expires_at.is_(None), requests.c.status.in_(("granted", "awaiting_council"))
        )
    ).all():
        decided = decided or now
        if decided.tzinfo is None:
            decided = decided.replace(tzinfo=dt.UTC)
        expires = max(decided + dt.timedelta(days=LEGACY_GRANT_DAYS), now)
        bind.execute(requests.update().where(requests.c.id == rid).values(expires_at=expires))


def downgrade() -> None:
    op.drop_table("api_tokens")
