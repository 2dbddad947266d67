"""Source files' content digests, remembered by where and when they were seen.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

A product is up to date when its inputs' content is unchanged, wherever the files live
(issue 14). Hashing every source file on every run would re-read gigabytes; this table
remembers each file's SHA-256 with the (size, modification time, inode) it had when hashed,
so a file that has not been touched is not read again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_digests",
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("inode", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("hashed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("file_digests")
