"""The SQL schema (数据库表结构), one definition for every SQL dialect.

SQLAlchemy Core tables, so SQLite (built in), PostgreSQL (a plugin) and any
other dialect share it; the migrations in `govbiz.storage.sql.migrations`
build exactly this schema from an empty database (a test compares them).

* `problems`: one row per problem, its JSON snapshot plus the columns
  `ProblemQuery` filters on;
* `problem_departments`: the lead (主办) and co-handling (协办) departments of
  the current assignment, so per-department listings use an index, not JSON;
* `problem_clocks`: one row per *running* clock (期限) with its cutoff and
  last day, so "what is due or overdue as of T" and the warning sweep are
  index range scans;
* `records`: registry records (divisions, departments, enterprises,
  sessions, lasting rules, circulars) as JSON documents;
* `events`: the append-only audit trail (留痕) with its hash chain (防篡改);
* `counters`: named counters for human-readable ids (台账编号), which never
  repeat, even across processes;
* `checkpoints`: the signed checkpoints of the anchored audit trail (锚定检查点),
  each kept as the exact text its signature covers.

Instants that SQL compares (`cutoff`, `updated_at`, `occurred_utc`) are
stored in UTC by `UTCDateTime`; an event's `occurred_at` is also kept as
its exact ISO 8601 text, because the audit hash covers that text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

__all__ = ["INDEX_ROW_FUNCTIONS", "JSONDocument", "UTCDateTime", "metadata"]


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An aware instant stored in UTC; read back aware, in UTC.

    Refuses naive datetimes: a deadline without a time zone is a bug.  On
    dialects without a time-zone type (SQLite) the UTC wall time is stored,
    whose text form sorts in time order, so range scans stay correct.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a stored instant must be aware, got {value.isoformat()}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON documents; JSONB on PostgreSQL, which can index and query them.
JSONDocument: sa.types.TypeEngine[Any] = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

#: Big row counters; SQLite autoincrements only a plain INTEGER PRIMARY KEY.
_Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: Constraint names that every dialect (and alembic) agrees on.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_KEY = 200  # ids and codes: "430800-2025-0001", "430800-zgj" ...
_NAME = 64  # states, kinds, roles, clock names

problems = sa.Table(
    "problems",
    metadata,
    sa.Column("id", sa.String(_KEY), primary_key=True),
    sa.Column("county", sa.String(_KEY), nullable=False),
    sa.Column("enterprise_id", sa.String(_KEY), nullable=False),
    sa.Column("session_id", sa.String(_KEY), nullable=True),
    sa.Column("category", sa.String(_KEY), nullable=False),
    sa.Column("state", sa.String(_NAME), nullable=False),
    sa.Column("lead", sa.String(_KEY), nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=True),
    sa.Column("last_hash", sa.String(_KEY), nullable=False, server_default=""),
    sa.Column("data", JSONDocument, nullable=False),
    sa.Index("ix_problems_county_state", "county", "state"),
    sa.Index("ix_problems_enterprise_id", "enterprise_id"),
    sa.Index("ix_problems_session_id", "session_id"),
    sa.Index("ix_problems_lead", "lead"),
    sa.Index("ix_problems_county_category", "county", "category"),
)

problem_departments = sa.Table(
    "problem_departments",
    metadata,
    sa.Column(
        "problem_id", sa.String(_KEY), sa.ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("department", sa.String(_KEY), primary_key=True),
    sa.Column("role", sa.String(8), nullable=False),  # "lead" (主办) or "co" (协办)
    sa.Index("ix_problem_departments_department", "department", "problem_id"),
)

problem_clocks = sa.Table(
    "problem_clocks",
    metadata,
    sa.Column(
        "problem_id", sa.String(_KEY), sa.ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("clock", sa.String(_NAME), primary_key=True),
    sa.Column("county", sa.String(_KEY), nullable=False),
    sa.Column("cutoff", UTCDateTime, nullable=False),
    sa.Column("last_day", sa.Date, nullable=False),  # the warning sweep compares it (0005)
    sa.Index("ix_problem_clocks_cutoff", "cutoff", "problem_id"),
    sa.Index("ix_problem_clocks_county_cutoff", "county", "cutoff"),
    sa.Index("ix_problem_clocks_county_last_day", "county", "last_day"),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("kind", sa.String(_NAME), primary_key=True),
    sa.Column("key", sa.String(_KEY), primary_key=True),
    sa.Column("county", sa.String(_KEY), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", JSONDocument, nullable=False),
    sa.Index("ix_records_kind_county", "kind", "county"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("position", _Position, primary_key=True, autoincrement=True),
    sa.Column("stream", sa.String(_NAME), nullable=False),
    sa.Column("stream_id", sa.String(_KEY), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(_NAME), nullable=False),
    sa.Column("county", sa.String(_KEY), nullable=False),
    sa.Column("occurred_at", sa.String(64), nullable=False),
    sa.Column("occurred_utc", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.String(_KEY), nullable=False),
    sa.Column("actor_role", sa.String(_NAME), nullable=False),
    sa.Column("actor_department", sa.String(_KEY), nullable=True),
    sa.Column("state_before", sa.String(_NAME), nullable=True),
    sa.Column("state_after", sa.String(_NAME), nullable=True),
    sa.Column("payload", JSONDocument, nullable=False),
    sa.Column("prev_hash", sa.String(_KEY), nullable=False, server_default=""),
    sa.Column("hash", sa.String(_KEY), nullable=False, server_default=""),
    sa.UniqueConstraint("stream", "stream_id", "version", name="uq_events_stream_version"),
    sa.Index("ix_events_county_occurred_utc", "county", "occurred_utc"),
    # Positions must only grow, even if a row were deleted: commit order is the audit order.
    sqlite_autoincrement=True,
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(_KEY), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

#: Signed checkpoints (锚定检查点): the exact body text signed, the signature, who signed (migration 0007).
checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("made_at", UTCDateTime, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("algorithm", sa.String(_NAME), nullable=False),
    sa.Column("key_id", sa.String(_KEY), nullable=False),
    sa.Column("signature", sa.Text, nullable=False),
)

#: One row per county whose commits a database with concurrent writers serialises (提交顺序锁, migration
#: 0008): a unit locks its counties' rows just before inserting its events, so each county's event
#: positions become visible in commit order; no county's role can lock another county's row.
commit_locks = sa.Table(
    "commit_locks",
    metadata,
    sa.Column("county", sa.String(_KEY), primary_key=True),
)

#: On PostgreSQL, the function that deletes a problem's rows of each index table (migration 0009), and
#: the column naming a row: no county role holds DELETE, which would let it lock the whole table.
INDEX_ROW_FUNCTIONS = {
    "problem_clocks": ("govbiz_forget_clocks", "clock"),
    "problem_departments": ("govbiz_forget_departments", "department"),
}

#: The outbox (待发通知): notifications queued with their events, delivered by a dispatcher.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("county", sa.String(_KEY), nullable=False),
    sa.Column("channel", sa.String(_NAME), nullable=False),
    sa.Column("recipients", JSONDocument, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("data", JSONDocument, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=True),
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    sa.Column("claimed_by", sa.String(_KEY), nullable=False, server_default=""),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    # The token of the latest claim: only its holder may renew the lease or mark the entry.
    sa.Column("claim_token", sa.String(64), nullable=False, server_default=""),
    # The dispatcher's claim: pending entries whose next attempt is due, oldest first.
    sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)
