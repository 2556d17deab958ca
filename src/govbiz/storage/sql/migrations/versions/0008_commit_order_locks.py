"""Commit-order locks per county (按区县的提交顺序锁), instead of one advisory lock for the database.

On PostgreSQL a unit of work used to take one fixed advisory lock before
inserting its events, so that positions became visible in commit order.
Any role may take any advisory lock, so a county's own role could hold it
and stall every county's writes.  A unit now locks one row per county it
writes events for, in this table; row-level security lets a county's role
lock its own county's row only.  SQLite has one writer at a time and never
reads the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commit_locks",
        sa.Column("county", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("county", name="pk_commit_locks"),
    )


def downgrade() -> None:
    op.drop_table("commit_locks")
