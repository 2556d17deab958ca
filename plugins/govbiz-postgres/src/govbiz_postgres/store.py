"""The PostgreSQL store: the shared `SQLStore` given `PostgresDialect`, what differs on PostgreSQL.

Everything else (tables, queries, optimistic versions, the outbox) is the
shared code in `govbiz.storage.sql`; the dialect is its `Dialect` seam
(`govbiz.storage.sql.dialect`), and nothing here subclasses a govbiz class
to override it.  Here:

* **events in commit order, per county.**  A `bigserial` hands out
  positions when rows are inserted, not when they commit, so two concurrent
  commands could commit positions 8 and 7 in that order, and a reader paging
  the log by position would skip 7 for good.  `PostgresDialect.before_append`
  therefore locks, just before a unit inserts its events, the row of each
  county it writes events for in `commit_locks` (one upsert, counties in
  order, so two units never deadlock); the commit releases them, so each
  county's positions are handed out and made visible in one order.  It used
  to be one fixed advisory lock for the whole database: any role may take any
  advisory lock, so a county's own role (`govbiz db rls grant`) could hold
  it and stall every county's writes.  Row-level security lets a county's
  role lock its own county's row only, and its column-level grant on the
  table does not let it `LOCK TABLE` it (`govbiz_postgres.rls`).  The cost:
  the tail of each write (the event insert, the outbox rows and the `COMMIT`
  with its WAL flush) runs one at a time per county, where it ran one at a
  time across the database.  A reader that tails the log pages each
  county's events by position.
* **counters** are one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, so
  two processes asking for the first number of a new counter cannot collide.
* **the warning sweep** is made into `WarningClock`s by psycopg, in C
  (`PostgresDialect.warning_clocks`).
* **commits** go in one pipeline (`govbiz_postgres.pipeline`).
* **workers are woken** by ``NOTIFY`` in the commit that writes outbox
  entries and ``LISTEN`` on a connection of their own
  (`govbiz_postgres.wakeups`).
* **dead pooled connections** (after a server restart) are discarded at
  checkout by a look at the socket, without a round trip; only connections
  idle for more than `PING_AFTER` seconds are pinged.
* write transactions use PostgreSQL's default `READ COMMITTED`: the
  conditional `UPDATE ... WHERE version = n` waits for a concurrent writer of
  the same row and then re-checks the version, so a stale write is refused
  (`govbiz.errors.ConcurrencyError`), never lost.
"""

from __future__ import annotations

import select
import time
from collections.abc import Collection, Mapping, Sequence
from functools import partial
from typing import Any

import attrs
import psycopg
import sqlalchemy as sa
from psycopg.adapt import Loader
from psycopg.rows import Row, RowMaker
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from govbiz.deadlines.warning import WarningThresholds
from govbiz.domain.events import DomainEvent
from govbiz.ports.storage import WarningClock
from govbiz.storage.sql import json_text
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.dialect import mark_for_writes
from govbiz.storage.sql.driver import StatementCache, StatementRunner
from govbiz.storage.sql.queries import LEVEL_CODES, warning_query
from govbiz.storage.sql.rows import event_row
from govbiz.storage.sql.schema import INDEX_ROW_FUNCTIONS
from govbiz.storage.sql.statements import EVENT_COLUMNS, INSERT_EVENT, IndexStatements
from govbiz.storage.sql.store import SQLStore
from govbiz_postgres.pipeline import PipelinedRunner
from govbiz_postgres.url import PostgresLocation
from govbiz_postgres.wakeups import NOTIFY, ListeningWaiter

__all__ = [
    "PING_AFTER",
    "POSTGRES",
    "SCHEMA_LOCK",
    "STREAM_CHUNK",
    "PostgresDialect",
    "PostgresStore",
    "all_rows",
    "lock_counties",
    "postgres_engine",
]

#: Advisory lock key of schema upgrades (any fixed 64-bit number; it spells "govbiz" + a digit).  The
#: event log's commit order no longer takes a fixed advisory lock (see `lock_counties`).
SCHEMA_LOCK = 0x676F7662697A02

#: The counties' commit-order rows, locked (and made on first use) by one upsert; counties in order.
_LOCK_COUNTIES = (
    insert(t.commit_locks)
    .values(county=sa.bindparam("county"))
    .on_conflict_do_update(index_elements=[t.commit_locks.c.county], set_={"county": sa.bindparam("county")})
)


def _forget(function: str) -> sa.Select[Any]:
    names = sa.bindparam("names", type_=postgresql.ARRAY(sa.Text()))
    return sa.select(getattr(sa.func, function)(sa.bindparam("problem_id", type_=sa.Text()), names))


#: Each index table's function that deletes a problem's rows (migration 0009), as a statement.
_FORGET = {table: _forget(function) for table, (function, _) in INDEX_ROW_FUNCTIONS.items()}


#: A pooled connection idle for longer than this (seconds) is pinged before it is used.
PING_AFTER = 10.0


def postgres_engine(location: PostgresLocation, *, pool_size: int = 5, autocommit: bool = False) -> Engine:
    """A SQLAlchemy engine on psycopg 3 for `location`; connects on first use only.

    With `autocommit` (a `PostgresStore`'s engine) its connections run in
    autocommit unless a writer asks for a transaction
    (`PostgresDialect.prepare_write`): most checkouts are a unit of work's
    single-statement reads and its commit, which begins its own transaction,
    and switching every checkout into autocommit and back cost more than the
    read itself.  Without it, `engine.begin()` means a transaction, as usual.
    """
    engine = sa.create_engine(
        location.engine_url,
        pool_size=pool_size,
        json_serializer=json_text.dumps_bytes,
        json_deserializer=json_text.loads,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    sa.event.listen(engine, "checkin", _note_idle)
    sa.event.listen(engine, "checkout", partial(_refuse_dead, engine.dialect))
    return engine


def _note_idle(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _refuse_dead(dialect: Dialect, dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    """Pool checkout: a dead pooled connection is discarded, and the pool hands out a fresh one."""
    idle_since = record.info.pop("idle_since", None)
    if idle_since is not None and not _alive(dialect, dbapi_connection, idle_since):
        raise sa.exc.DisconnectionError("the pooled connection is closed")


def _alive(dialect: Dialect, dbapi_connection: Any, idle_since: float) -> bool:
    """Whether a pooled connection still works, with a round trip only after a long idle.

    A restarted or crashed server closes its connections: its goodbye (or the
    end of the stream) then waits on the socket, which a non-blocking
    `select` sees at once.  Only a connection idle for longer than
    `PING_AFTER`, which a firewall may have dropped without a word, is
    pinged, where SQLAlchemy's `pool_pre_ping` pings every checkout: a round
    trip per command.
    """
    try:
        if select.select([dbapi_connection.fileno()], [], [], 0)[0]:
            return False  # nothing is due to arrive on an idle connection but a goodbye
        return time.monotonic() - idle_since <= PING_AFTER or bool(dialect.do_ping(dbapi_connection))
    except dialect.loaded_dbapi.Error:
        return False


@attrs.frozen(slots=True)
class PostgresDialect:
    """How a `SQLStore` runs on PostgreSQL (a `govbiz.storage.sql.dialect.Dialect`).

    Read connections run in autocommit (the engine's default, see
    `postgres_engine`): every read of a unit of work is a single statement,
    which PostgreSQL runs on its own consistent snapshot anyway, and the
    ``BEGIN`` and ``ROLLBACK`` round trips around each would add up.  A
    unit's commit begins its own transaction, at PostgreSQL's default
    READ COMMITTED, as the first statement of its pipeline.
    """

    name: str = "postgresql"
    begin: str | None = "BEGIN"
    #: A pooled connection is a socket a server restart or a firewall may drop: units
    #: check one out of the pool each, whose checkout looks at it (`_refuse_dead`).
    keep_connection: bool = False

    def prepare_write(self, conn: Connection) -> None:
        """Out of autocommit, into transactions at the server's default level (READ COMMITTED).

        The pool puts the connection back into autocommit when it is returned.
        """
        conn.execution_options(isolation_level=conn.default_isolation_level)
        mark_for_writes(conn)

    def new_runner(self, conn: Connection) -> StatementRunner:
        """A unit's writes go in one pipeline (see `govbiz_postgres.pipeline`), where libpq has it."""
        return PipelinedRunner(conn) if PipelinedRunner.supported() else StatementRunner(conn)

    def before_append(
        self, run: StatementRunner, statements: StatementCache, counties: Collection[str] = ()
    ) -> None:
        """Hold each county's commit-order row until this transaction commits (see the module docs)."""
        lock_counties(run, statements, counties)

    def append_events(
        self, run: StatementRunner, statements: StatementCache, events: Sequence[DomainEvent]
    ) -> None:
        """Insert the events under their counties' commit-order locks.

        A commit with no events (notifications only) takes no lock: it draws no position.
        """
        if events:
            lock_counties(run, statements, {e.county for e in events})
            run.executemany(statements.get(INSERT_EVENT, EVENT_COLUMNS), map(event_row, events))

    def forget_rows(
        self,
        run: StatementRunner,
        statements: StatementCache,
        index: IndexStatements,
        problem_id: str,
        keys: Sequence[str] | None,
    ) -> None:
        """Through the table's function (migration 0009), so that no county role needs DELETE.

        DELETE would also let a county's role ``LOCK TABLE`` the whole table
        and stall every county.  The function refuses unless this
        transaction has written the problem's row, which row security lets
        only the problem's own county (or the owner) do.
        """
        statement = _FORGET[index.key.table.name]
        run.execute(statements.get(statement), {"problem_id": problem_id, "names": keys})
    def announce_work(
        self, run: StatementRunner, statements: StatementCache, counties: Collection[str]
    ) -> None:
        """``pg_notify`` per county in the commit's pipeline: listening workers wake when it commits."""
        for county in sorted(counties):
            run.execute(statements.get(NOTIFY), {"county": county})

    def outbox_waiter(self, engine: Engine) -> ListeningWaiter:
        """A waiter that listens for those notices on a connection of its own (`govbiz_postgres.wakeups`)."""
        return ListeningWaiter(engine)

    def next_number(self, conn: Connection, counter: str) -> int:
        """One atomic upsert: two processes starting a new counter cannot collide."""
        c = t.counters.c
        bump = (
            insert(t.counters)
            .values(name=counter, value=1)
            .on_conflict_do_update(index_elements=[c.name], set_={"value": c.value + 1})
            .returning(c.value)
        )
        return int(conn.execute(bump).scalar_one())

    def warning_clocks(
        self, conn: Connection, thresholds: Mapping[str, WarningThresholds]
    ) -> list[WarningClock]:
        """The shared sweep query, each row made a `WarningClock` by psycopg with no Python per row.

        A province's sweep returns up to a row per open assignment, over a
        million on a bad day, and a Python call per row cost as much as the
        query.  So the query gives each level as a small-integer code, which
        `_LevelLoader` maps to its `WarningLevel` with a dictionary lookup,
        and the row is made by `tuple.__new__`: both run in C.  The rows are
        streamed (`all_rows`), so they are made while the server still
        scans.  The unit of work merges its staged problems in.
        """
        compiled = warning_query(thresholds, coded=True).compile(
            dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
        )
        driver = conn.connection.driver_connection
        assert driver is not None  # a live psycopg connection, held by the unit
        with driver.cursor(row_factory=_warning_clocks) as cursor:
            cursor.adapters.register_loader("int2", _LevelLoader)  # this cursor's only int2: the level
            return all_rows(cursor, str(compiled), compiled.params)


def lock_counties(run: StatementRunner, statements: StatementCache, counties: Collection[str]) -> None:
    """Lock the commit-order row of each of `counties` (created on first use) until the commit.

    One statement per county, in code order: two units locking overlapping
    counties take them in the same order and never deadlock.
    """
    for county in sorted(counties):
        run.execute(statements.get(_LOCK_COUNTIES), {"county": county})


#: The dialect every `PostgresStore` is given.
POSTGRES = PostgresDialect()


class PostgresStore(SQLStore):
    """A `SQLStore` on PostgreSQL (dialect `POSTGRES`); open one with `govbiz_postgres.open_postgres`."""

    def __init__(self, engine: Engine, *, location: str | None = None, serialize: bool = False) -> None:
        super().__init__(engine, dialect=POSTGRES, location=location, serialize=serialize)


#: Rows per chunk when a result is streamed (see `all_rows`).
STREAM_CHUNK = 1000


def all_rows(cursor: psycopg.Cursor[Row], sql: str, params: Mapping[str, Any]) -> list[Row]:
    """Every row of a large result, made while the server is still sending the rest.

    A plain `fetchall` waits for the whole result before it makes the first
    row: the server's scan and the client's work add up.  In libpq 17's
    chunked rows mode (psycopg's `stream` with a `size`) the rows arrive
    `STREAM_CHUNK` at a time, and the server goes on scanning on one core
    while they are made on the other.  Measured on the half-way sweep over
    1,000,000 assignments (1,325,866 rows, `benchmarks/bench_postgres.py`):
    1.8-2.0 s with `fetchall`, 1.3 s streamed, for the same CPU time.  An
    older libpq has no such mode and gets `fetchall`.
    """
    if psycopg.capabilities.has_stream_chunked():
        return list(cursor.stream(sql, params, size=STREAM_CHUNK))
    cursor.execute(sql, params)
    return cursor.fetchall()


#: A row of the sweep (a tuple of its five columns) as a `WarningClock`, made in C.
_new_warning_clock = partial(tuple.__new__, WarningClock)


def _warning_clocks(cursor: Any) -> RowMaker[WarningClock]:
    """psycopg row factory: every row of the cursor made by `_new_warning_clock`."""
    return _new_warning_clock


class _LevelLoader(Loader):
    """Loads a sweep level code (``SMALLINT``, text format: ``b"3"``) as its `WarningLevel`.

    `load` is a dictionary's own lookup rather than a method, so psycopg's
    C fetch loop calls C for each row.  It receives a read-only buffer,
    which hashes and compares like the bytes keys.
    """

    load = {str(code).encode(): level for level, code in LEVEL_CODES.items()}.__getitem__  # type: ignore[assignment]
