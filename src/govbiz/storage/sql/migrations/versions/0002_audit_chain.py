"""The tamper-evident audit chain: prev_hash and hash on events, last_hash on problems.

Events written before the chain existed are sealed here, stream by stream in
version order, with SHA-256, so `govbiz verify` holds for the whole history
from this upgrade on and new events continue each stream's chain.

Revision ID: 0002
Revises: 0001
Create Date: 2025-05-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from govbiz.audit import SHA256, seal
from govbiz.storage.sql.store import event_from_row

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEY = sa.String(200)


def upgrade() -> None:
    op.add_column("events", sa.Column("prev_hash", KEY, nullable=False, server_default=""))
    op.add_column("events", sa.Column("hash", KEY, nullable=False, server_default=""))
    op.add_column("problems", sa.Column("last_hash", KEY, nullable=False, server_default=""))
    _seal_existing_events()


def _seal_existing_events() -> None:
    # The hash covers the canonical event text (govbiz.audit.canonical_bytes),
    # a format that can never change without breaking every stored chain, so
    # using the library's own sealing here is as stable as a copy would be.
    conn = op.get_bind()
    events = sa.table(
        "events",
        *(sa.column(name) for name in _EVENT_COLUMNS),
        sa.column("payload", sa.JSON()),
        sa.column("position"),
        sa.column("prev_hash"),
        sa.column("hash"),
    )
    problems = sa.table("problems", sa.column("id"), sa.column("last_hash"), sa.column("data", sa.JSON()))
    heads: dict[tuple[str, str], str] = {}
    rows = conn.execute(sa.select(events).order_by(events.c.stream, events.c.stream_id, events.c.version))
    for row in rows.mappings().all():
        key = (row["stream"], row["stream_id"])
        sealed = seal(event_from_row({**row, "prev_hash": "", "hash": ""}), heads.get(key, ""), SHA256)
        heads[key] = sealed.hash
        conn.execute(
            sa.update(events)
            .where(events.c.position == row["position"])
            .values(prev_hash=sealed.prev_hash, hash=sealed.hash)
        )
    for (stream, stream_id), head in heads.items():
        if stream != "problem":
            continue
        data = conn.execute(sa.select(problems.c.data).where(problems.c.id == stream_id)).scalar()
        if data is not None:
            conn.execute(
                sa.update(problems)
                .where(problems.c.id == stream_id)
                .values(last_hash=head, data={**data, "last_hash": head})
            )


_EVENT_COLUMNS = (
    "stream",
    "stream_id",
    "version",
    "kind",
    "county",
    "occurred_at",
    "actor_id",
    "actor_role",
    "actor_department",
    "state_before",
    "state_after",
)


def downgrade() -> None:
    with op.batch_alter_table("problems") as batch:
        batch.drop_column("last_hash")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
