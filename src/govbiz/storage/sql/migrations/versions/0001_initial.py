"""The first schema: problems with their snapshot, departments, records, events, counters.

Revision ID: 0001
Revises:
Create Date: 2025-04-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Types are spelled out here, not imported from schema.py: a migration must
# build the schema as it was at its revision, whatever the code says today.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY = sa.String(200)
NAME = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "problems",
        sa.Column("id", KEY, nullable=False),
        sa.Column("county", KEY, nullable=False),
        sa.Column("enterprise_id", KEY, nullable=False),
        sa.Column("session_id", KEY, nullable=True),
        sa.Column("category", KEY, nullable=False),
        sa.Column("state", NAME, nullable=False),
        sa.Column("lead", KEY, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_problems"),
    )
    op.create_index("ix_problems_county_state", "problems", ["county", "state"])
    op.create_index("ix_problems_enterprise_id", "problems", ["enterprise_id"])
    op.create_index("ix_problems_session_id", "problems", ["session_id"])
    op.create_index("ix_problems_lead", "problems", ["lead"])
    op.create_index("ix_problems_county_category", "problems", ["county", "category"])

    op.create_table(
        "problem_departments",
        sa.Column("problem_id", KEY, nullable=False),
        sa.Column("department", KEY, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name="fk_problem_departments_problem_id_problems",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("problem_id", "department", name="pk_problem_departments"),
    )
    op.create_index("ix_problem_departments_department", "problem_departments", ["department", "problem_id"])

    op.create_table(
        "records",
        sa.Column("kind", NAME, nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("county", KEY, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_records"),
    )
    op.create_index("ix_records_kind_county", "records", ["kind", "county"])

    op.create_table(
        "events",
        sa.Column("position", POSITION, autoincrement=True, nullable=False),
        sa.Column("stream", NAME, nullable=False),
        sa.Column("stream_id", KEY, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", NAME, nullable=False),
        sa.Column("county", KEY, nullable=False),
        sa.Column("occurred_at", sa.String(64), nullable=False),
        sa.Column("occurred_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", KEY, nullable=False),
        sa.Column("actor_role", NAME, nullable=False),
        sa.Column("actor_department", KEY, nullable=True),
        sa.Column("state_before", NAME, nullable=True),
        sa.Column("state_after", NAME, nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_events"),
        sa.UniqueConstraint("stream", "stream_id", "version", name="uq_events_stream_version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_county_occurred_utc", "events", ["county", "occurred_utc"])

    op.create_table(
        "counters",
        sa.Column("name", KEY, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )


def downgrade() -> None:
    for table in ("counters", "events", "records", "problem_departments", "problems"):
        op.drop_table(table)
