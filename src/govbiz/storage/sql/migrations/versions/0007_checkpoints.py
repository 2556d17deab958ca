"""Signed checkpoints of the anchored audit trail (锚定检查点).

One row per checkpoint: the exact body text its signature covers, the
signature, the algorithm and the fingerprint of the key.  The private key
is never stored; `govbiz verify` checks these rows with a public key from
configuration.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("sequence", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(200), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name="pk_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("checkpoints")
