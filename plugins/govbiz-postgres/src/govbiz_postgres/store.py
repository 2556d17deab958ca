"""The PostgreSQL store: the shared `SQLStore` plus what differs on PostgreSQL.

Everything else (tables, queries, optimistic versions, the outbox) is the
dialect-neutral code in `govbiz.storage.sql`.  Here:

* **events in commit order.**  A `bigserial` hands out positions when rows
  are inserted, not when they commit, so two concurrent commands could commit
  positions 8 and 7 in that order, and a reader paging the log by position
  would skip 7 for good.  `PostgresStore.before_append` therefore takes a
  transaction-level advisory lock just before a unit inserts its events; it is
  released by the commit itself, so positions are handed out and made visible
  in one order.  The cost: the tail of every write (the event insert, the
  outbox rows and the `COMMIT` with its WAL flush) runs one at a time across
  the database.  The version checks and state writes before it still run in
  parallel, and a refused unit never takes the lock.
* **counters** are one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, so
  two processes asking for the first number of a new counter cannot collide.
* write transactions use PostgreSQL's default `READ COMMITTED`: the
  conditional `UPDATE ... WHERE version = n` waits for a concurrent writer of
  the same row and then re-checks the version, so a stale write is refused
  (`govbiz.errors.ConcurrencyError`), never lost.
"""

from __future__ import annotations

import json
from functools import partial

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine

from govbiz.storage.sql import schema as t
from govbiz.storage.sql.store import SQLStore, SQLUnitOfWork
from govbiz_postgres.url import PostgresLocation

__all__ = ["EVENT_LOG_LOCK", "SCHEMA_LOCK", "PostgresStore", "PostgresUnitOfWork", "postgres_engine"]

#: Advisory lock keys (any fixed 64-bit numbers; these spell "govbiz" + a digit).
EVENT_LOG_LOCK = 0x676F7662697A01
SCHEMA_LOCK = 0x676F7662697A02

_LOCK_EVENT_LOG = sa.select(sa.func.pg_advisory_xact_lock(EVENT_LOG_LOCK))  # built once, run every commit


def postgres_engine(location: PostgresLocation, *, pool_size: int = 5) -> Engine:
    """A SQLAlchemy engine on psycopg 3 for `location`; connects on first use only."""
    return sa.create_engine(
        location.engine_url,
        pool_size=pool_size,
        pool_pre_ping=True,  # a restarted server leaves dead pooled connections behind
        json_serializer=partial(json.dumps, ensure_ascii=False),
    )


class PostgresStore(SQLStore):
    """A `SQLStore` on PostgreSQL; open one with `govbiz_postgres.open_postgres`."""

    def unit_of_work(self) -> PostgresUnitOfWork:
        """A new unit of work over this store."""
        return PostgresUnitOfWork(self)

    def connect_for_reads(self) -> Connection:
        """A connection for reads, in autocommit: no BEGIN and ROLLBACK round trips.

        Every read of a unit of work is a single statement, which PostgreSQL
        runs on its own consistent snapshot anyway; a command makes several
        such reads, so the two round trips saved per read add up.
        """
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def prepare_write(self, conn: Connection) -> None:
        """Back from autocommit (a connection held for reads) to transactions at the default level."""
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            conn.execution_options(isolation_level=conn.default_isolation_level)
        super().prepare_write(conn)

    def before_append(self, conn: Connection) -> None:
        """Hold the event-log lock until this transaction commits (see the module docs)."""
        conn.execute(_LOCK_EVENT_LOG)


class PostgresUnitOfWork(SQLUnitOfWork):
    """A unit of work whose counters are a single atomic upsert."""

    def next_number(self, counter: str) -> int:
        c = t.counters.c
        bump = (
            insert(t.counters)
            .values(name=counter, value=1)
            .on_conflict_do_update(index_elements=[c.name], set_={"value": c.value + 1})
            .returning(c.value)
        )
        with self._store.writing() as conn:  # its own transaction: a number is never handed out twice
            return int(conn.execute(bump).scalar_one())
