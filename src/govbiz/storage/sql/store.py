"""The SQL store (SQL 存储): units of work over a SQLAlchemy engine, for any database.

`SQLStore` puts together what its neighbours each do:

| module | concern |
| --- | --- |
| `govbiz.storage.sql.dialect` | what differs per database: the `Dialect` a store is given |
| `govbiz.storage.sql.connections` | connections for reads, writes and the one a unit holds |
| `govbiz.storage.sql.unit_of_work` | `SQLUnitOfWork`: one command's reads, staged writes and commit |
| `govbiz.storage.sql.statements` | the command path's statements, built once |
| `govbiz.storage.sql.driver` | those statements compiled once and run on the driver's cursor |
| `govbiz.storage.sql.rows` | the rows of problems, records and events, and back |
| `govbiz.storage.sql.queries` | filtering reads: `ProblemQuery` conditions, the warning sweep |
| `govbiz.storage.sql.caches` | registry records and problem snapshots kept between units |
| `govbiz.storage.sql.outbox` | the outbox table |

A store plugin for another database gives the store its `Dialect` and
uses the public members below (the extension API, described in the
storage reference under "Extending the SQL store"); it never subclasses the
store to override them.  The names this module exported before it was split are
still importable from it.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from govbiz.domain.events import DomainEvent
from govbiz.errors import ConcurrencyError
from govbiz.ports.checkpoints import CheckpointLog
from govbiz.ports.cipher import ClearContacts
from govbiz.ports.outbox import Outbox
from govbiz.ports.storage import Store
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.caches import RegistryCache, SnapshotCache
from govbiz.storage.sql.checkpoints import SQLCheckpointLog
from govbiz.storage.sql.connections import Connections
from govbiz.storage.sql.dialect import GENERIC, WRITE_OPTION, Dialect
from govbiz.storage.sql.driver import StatementCache
from govbiz.storage.sql.outbox import SQLOutbox
from govbiz.storage.sql.queries import LEVEL_CODES, LEVELS, gc_paused, problem_conditions, warning_query
from govbiz.storage.sql.rows import (
    clock_rows,
    department_rows,
    event_from_row,
    event_row,
    problem_row,
    record_county,
    record_row,
)
from govbiz.storage.sql.statements import EVENT_COLUMNS
from govbiz.storage.sql.unit_of_work import SQLUnitOfWork

__all__ = [
    "EVENT_COLUMNS",
    "LEVELS",
    "LEVEL_CODES",
    "WRITE_OPTION",
    "RegistryCache",
    "SQLStore",
    "SQLUnitOfWork",
    "SnapshotCache",
    "clock_rows",
    "department_rows",
    "event_from_row",
    "event_row",
    "gc_paused",
    "problem_conditions",
    "problem_row",
    "record_county",
    "record_row",
    "warning_query",
]


#: A division code: a lock named ``kind:<code>`` belongs to that county.
_COUNTY_CODE = re.compile(r"[0-9]{6}")

#: Lock (creating it on first use) a row of `commit_locks` that is not a county's commit-order row.
_LOCK_ROW = sa.text(
    "INSERT INTO commit_locks (county) VALUES (:county) ON CONFLICT (county) DO UPDATE SET county = :county"
)


class SQLStore(Store):
    """A store on a SQLAlchemy engine whose database has the govbiz schema.

    Use a database's opener (`govbiz.storage.sql.sqlite.open_sqlite`, or a
    plugin's) rather than this constructor: it checks and upgrades the
    schema first.  `dialect` says what differs on this database
    (`govbiz.storage.sql.dialect`; `GENERIC` when not given); `location`
    names the database in error messages; `serialize` makes every database
    call take a lock, for engines that share one connection between threads
    (an in-memory SQLite database).

    For store plugins: `connections` (`govbiz.storage.sql.connections.Connections`),
    `statements` (the engine's compiled `DriverStatement`s), `dialect`,
    `registry` and `snapshots` (the caches its units share) are public, and
    `reading` and `writing` are the connections' own.

    Without a contact key ring, a ledger on a SQL store refuses to keep
    enterprise contacts in clear (`clear_contacts`): the database is a server
    that administrators and county roles read.  SQLite, a file on one
    clerk's machine, only warns.
    """

    clear_contacts: ClearContacts = ClearContacts.REFUSE

    def __init__(
        self,
        engine: Engine,
        *,
        dialect: Dialect = GENERIC,
        location: str | None = None,
        serialize: bool = False,
    ) -> None:
        self.engine = engine
        self.dialect = dialect
        self.location = location or engine.url.render_as_string(hide_password=True)
        self.connections = Connections(engine, dialect, location=self.location, serialize=serialize)
        self.statements = StatementCache(engine.dialect)
        self.registry = RegistryCache()
        self.snapshots = SnapshotCache()

    def unit_of_work(self) -> SQLUnitOfWork:
        """A new unit of work over this store."""
        return SQLUnitOfWork(self)

    def outbox(self) -> Outbox:
        """The outbox of queued notifications (see `govbiz.storage.sql.outbox`)."""
        return SQLOutbox(self)

    def checkpoints(self) -> CheckpointLog:
        """The signed checkpoints in the `checkpoints` table."""
        return SQLCheckpointLog(self.connections)

    def redact_events(self, redacted: Sequence[DomainEvent]) -> None:
        """One ``UPDATE`` of the payload per event, checked by its hash, in one transaction."""
        e = t.events.c
        update = (
            sa.update(t.events)
            .where(
                e.stream == sa.bindparam("b_stream"),
                e.stream_id == sa.bindparam("b_stream_id"),
                e.version == sa.bindparam("b_version"),
                e.hash == sa.bindparam("b_hash"),
            )
            .values(payload=sa.bindparam("b_payload"))
        )
        with self.writing() as conn:
            for event in redacted:
                row = {"b_stream": event.stream, "b_stream_id": event.stream_id, "b_version": event.version}
                row |= {"b_hash": event.hash, "b_payload": dict(event.payload)}
                if conn.execute(update, row).rowcount != 1:
                    raise ConcurrencyError(event.stream, event.stream_id, event.version, 0)

    def reading(self) -> AbstractContextManager[Connection]:
        """A pooled connection for reads, returned on exit (`Connections.reading`)."""
        return self.connections.reading()

    def writing(self, conn: Connection | None = None) -> AbstractContextManager[Connection]:
        """A connection in a write transaction, committed on success (`Connections.writing`)."""
        return self.connections.writing(conn)

    def close(self) -> None:
        """Close every pooled connection (and the one kept for the next unit of work)."""
        self.connections.close()

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold the lock `name` across every process using this database while the block runs.

        PostgreSQL: a lock named for a county (``import:430802``) is that
        county's row ``430802:import`` in `commit_locks`, held by a
        transaction on a connection of its own: row security lets only that
        county's role (or the owner) take it, where any role may take any
        advisory lock and so could hold another county's imports.  Other
        names: a session advisory lock on a connection of its own.  A
        SQLite file: an exclusive `flock` on a lock file beside the database
        (`<database>.<hash>.lock`), since SQLite's own lock cannot be held
        while other connections of this process write.  Otherwise (an
        in-memory database): the lock of this process.
        """
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        kind, _, county = name.partition(":")
        with super().exclusive(name):
            if self.engine.dialect.name == "postgresql" and _COUNTY_CODE.fullmatch(county):
                with self.writing() as conn:  # the row stays locked until this transaction ends
                    conn.execute(_LOCK_ROW, {"county": f"{county}:{kind}"})
                    yield
                return
            if self.engine.dialect.name == "postgresql":
                with self.engine.connect() as conn:
                    conn.execute(sa.select(sa.func.pg_advisory_lock(key)))
                    try:
                        yield
                    finally:
                        conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                        conn.commit()
                return
            database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
            if not database or database == ":memory:" or database.startswith("file::memory:"):
                yield
                return
            with open(f"{database}.{key & 0xFFFFFFFF:08x}.lock", "a+b") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"
