"""Fenced outbox claims: the token of each entry's latest claim.

A dispatcher whose delivery outlasted its lease could mark an entry that
another dispatcher had claimed since; marks now name the claim's token.
Existing rows get an empty token: an entry claimed before the upgrade is
claimed again when its lease runs out.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claim_token")
