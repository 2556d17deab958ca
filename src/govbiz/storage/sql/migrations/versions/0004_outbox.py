"""The outbox: notifications stored with the events that cause them.

Revision ID: 0004
Revises: 0003
Create Date: 2025-07-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEY = sa.String(200)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("county", KEY, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column(
            "recipients", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "data", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", KEY, nullable=False, server_default=""),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_outbox"),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
