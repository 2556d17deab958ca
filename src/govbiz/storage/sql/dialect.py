"""The dialect seam (方言): what a SQL store does differently on each database.

A `govbiz.storage.sql.SQLStore` is the same code on every database; what
differs is given to it as a `Dialect`, an object it holds (composition, not
subclassing).  govbiz ships `GenericDialect`, right for any database
SQLAlchemy speaks, and `govbiz.storage.sql.sqlite.SQLITE`, a
`GenericDialect` set up for SQLite; the PostgreSQL plugin ships
`govbiz_postgres.store.PostgresDialect`.

Not to be confused with SQLAlchemy's own ``Dialect`` (the engine's
``engine.dialect``, which compiles SQL): this one says how govbiz's store
uses a database, and is handed the engine's connections.

A dialect is asked at these points of a unit of work:

| member | when | `GenericDialect` |
| --- | --- | --- |
| `begin` | a commit begins its write transaction | `None`: SQLAlchemy begins it |
| `keep_connection` | a unit ends | `False`: its connection goes back to the pool |
| `prepare_write` | a connection is about to write | sets `WRITE_OPTION` |
| `new_runner` | a commit starts writing | a `StatementRunner`: each write at once |
| `before_append` | just before the events go in | nothing (one writer at a time) |
| `append_events` | a commit inserts its events | `before_append`, then one insert per event |
| `forget_rows` | a commit deletes a problem's stale department or clock rows | `DELETE` statements |
| `announce_work` | a commit has written outbox entries | nothing (workers poll) |
| `outbox_waiter` | a worker starts (`SQLOutbox.waiter`) | an `OutboxWaiter` that polls |
| `next_number` | a counter is bumped, in its own transaction | update, else insert |
| `warning_clocks` | the warning sweep reads the stored clocks | `warning_query`, a tuple per row |

The store reads `begin`, `keep_connection`, `prepare_write` and
`new_runner` once, when it is made: a dialect is a fixed strategy, and
these sit on every command's path.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from govbiz.deadlines.warning import WarningThresholds
from govbiz.domain.events import DomainEvent
from govbiz.ports.outbox import OutboxWaiter
from govbiz.ports.storage import WarningClock
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.driver import StatementCache, StatementRunner
from govbiz.storage.sql.queries import LEVELS, warning_query
from govbiz.storage.sql.rows import event_row
from govbiz.storage.sql.statements import EVENT_COLUMNS, INSERT_EVENT, IndexStatements

__all__ = ["GENERIC", "WRITE_OPTION", "Dialect", "GenericDialect", "mark_for_writes"]

#: Execution option set on connections that will write.  A dialect may begin their
#: transactions differently (SQLite: ``BEGIN IMMEDIATE``, see `govbiz.storage.sql.sqlite`).
WRITE_OPTION = "govbiz_write"


class Dialect(Protocol):
    """What a `SQLStore` asks of the database it runs on (see the module docs for when)."""

    @property
    def begin(self) -> str | None:
        """The statement that begins a unit's write transaction on the driver connection.

        For dialects whose pooled connections run in autocommit (the driver's
        own transaction handling is off): the store then begins and ends the
        transaction itself, outside SQLAlchemy's bookkeeping.  `None`:
        SQLAlchemy begins it (`Connection.begin`).
        """
        ...

    @property
    def keep_connection(self) -> bool:
        """Whether a unit's connection is kept for the next unit rather than returned to the pool.

        Only for databases whose connections never go stale unseen (a file
        handle, not a socket a server or firewall may drop).
        """
        ...

    def prepare_write(self, conn: Connection) -> None:
        """Make `conn` (new, or held for reads) ready for a write transaction.

        It must call `mark_for_writes` (or set `WRITE_OPTION` itself).
        """
        ...

    def new_runner(self, conn: Connection) -> StatementRunner:
        """The `StatementRunner` a unit's writes on `conn` go through (it may queue them)."""
        ...

    def before_append(
        self, run: StatementRunner, statements: StatementCache, counties: Collection[str] = ()
    ) -> None:
        """In a write transaction, just before its events go in: keep event positions in commit order.

        Readers page a county's log by position, so its positions must become
        visible in the order they were drawn.  With one writer at a time
        (SQLite) nothing is needed; a database with concurrent writers
        serialises this step until commit for each of `counties` (those of
        the events about to go in), e.g. with row locks that a county's own
        role can take for its county only.  Called after the version checks,
        so a refused unit never waits here.  A writer that inserts events its
        own way (`govbiz_postgres.bulk`) calls it first.
        """
        ...

    def append_events(
        self, run: StatementRunner, statements: StatementCache, events: Sequence[DomainEvent]
    ) -> None:
        """Insert a unit's `events` (perhaps none), after its state writes, as `event_row` gives them.

        It must do what `before_append` does first, or the same in its insert.
        """
        ...

    def forget_rows(
        self,
        run: StatementRunner,
        statements: StatementCache,
        index: IndexStatements,
        problem_id: str,
        keys: Sequence[str] | None,
    ) -> None:
        """Delete `problem_id`'s rows of `index`'s table: those whose key is in `keys`, or all (`None`).

        Called in a commit's transaction, after the problem's own row was
        written in it.  A database with roles per county may route this
        through a function, so that no county role holds the DELETE privilege
        that would also let it lock a whole table (`govbiz_postgres`).
        """
        ...

    def announce_work(
        self, run: StatementRunner, statements: StatementCache, counties: Collection[str]
    ) -> None:
        """In a commit that wrote outbox entries for `counties`: tell waiting workers, once it commits.

        E.g. PostgreSQL's ``pg_notify`` in the same transaction, delivered to
        listeners at commit and never if it rolls back.
        """
        ...

    def outbox_waiter(self, engine: Engine) -> OutboxWaiter:
        """A new `OutboxWaiter` for a worker on `engine`'s database (one that hears `announce_work`)."""
        ...

    def next_number(self, conn: Connection, counter: str) -> int:
        """Bump `counter` (creating it at 1) in the write transaction on `conn`; its new value."""
        ...

    def warning_clocks(
        self, conn: Connection, thresholds: Mapping[str, WarningThresholds]
    ) -> list[WarningClock]:
        """The stored running clocks at a warning level, by problem id and clock (see `warning_query`).

        `thresholds` is never empty.  Called with Python's cyclic garbage
        collector paused (`govbiz.storage.sql.queries.gc_paused`).
        """
        ...


def mark_for_writes(conn: Connection) -> None:
    """Set `WRITE_OPTION` on `conn`: it will write (a dialect's `begin` event may look)."""
    conn.execution_options(**{WRITE_OPTION: True})


@attrs.frozen(slots=True)
class GenericDialect:
    """A `Dialect` for any database SQLAlchemy speaks: SQLAlchemy's transactions, one write at a time.

    `begin` and `keep_connection` are the two choices a database without
    concurrent writers may make differently (see `govbiz.storage.sql.sqlite.SQLITE`).
    """

    name: str = "generic"
    begin: str | None = None
    keep_connection: bool = False

    def prepare_write(self, conn: Connection) -> None:
        mark_for_writes(conn)

    def new_runner(self, conn: Connection) -> StatementRunner:
        return StatementRunner(conn)

    def before_append(
        self, run: StatementRunner, statements: StatementCache, counties: Collection[str] = ()
    ) -> None:
        """Nothing: a database with one writer at a time hands out positions in commit order."""

    def append_events(
        self, run: StatementRunner, statements: StatementCache, events: Sequence[DomainEvent]
    ) -> None:
        self.before_append(run, statements, {e.county for e in events})
        if events:
            run.executemany(statements.get(INSERT_EVENT, EVENT_COLUMNS), map(event_row, events))

    def forget_rows(
        self,
        run: StatementRunner,
        statements: StatementCache,
        index: IndexStatements,
        problem_id: str,
        keys: Sequence[str] | None,
    ) -> None:
        if keys is None:
            run.execute(statements.get(index.delete_all), {"problem_id": problem_id})
        elif keys:
            rows = [{"problem_id": problem_id, "key": key} for key in keys]
            run.executemany(statements.get(index.delete), rows)
    def announce_work(
        self, run: StatementRunner, statements: StatementCache, counties: Collection[str]
    ) -> None:
        """Nothing: workers on this database poll."""

    def outbox_waiter(self, engine: Engine) -> OutboxWaiter:
        """One that waits out its timeout (polling)."""
        return OutboxWaiter()

    def next_number(self, conn: Connection, counter: str) -> int:
        c = t.counters.c
        bumped = conn.execute(sa.update(t.counters).where(c.name == counter).values(value=c.value + 1))
        if bumped.rowcount == 0:
            conn.execute(sa.insert(t.counters).values(name=counter, value=1))
            return 1
        return int(conn.execute(sa.select(c.value).where(c.name == counter)).scalar_one())

    def warning_clocks(
        self, conn: Connection, thresholds: Mapping[str, WarningThresholds]
    ) -> list[WarningClock]:
        """Classified in SQL: `problem_clocks.last_day` against each county's dates."""
        rows = conn.execute(warning_query(thresholds)).all()
        level = LEVELS
        return [WarningClock(p, county, clock, day, level[name]) for p, county, clock, day, name in rows]


#: The `GenericDialect` a `SQLStore` uses unless told otherwise.
GENERIC = GenericDialect()
