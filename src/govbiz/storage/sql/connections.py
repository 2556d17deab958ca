"""A SQL store's connections (数据库连接): for reads, for writes, and the one a unit of work holds.

Holding no transaction while the command thinks keeps write locks short,
which matters most on SQLite, where there is one writer at a time.  A unit
of work does keep one pooled connection, from its first read until it ends
(`Connections.hold`, `Connections.release`): each read ends its own
transaction at once (`Connections.reading_on`), and the commit writes on
the same connection (`Connections.committing`), so a command checks out one
connection, not one per read.

Every database call made here is serialised when the store asks for it (an
in-memory SQLite database shares one connection between threads), and a
database failure (any `sqlalchemy.exc.DBAPIError`) becomes a
`govbiz.errors.StorageError` naming the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from govbiz.errors import StorageError
from govbiz.storage.sql.dialect import WRITE_OPTION, Dialect
from govbiz.storage.sql.driver import StatementRunner

__all__ = ["Connections"]


class Connections:
    """The connections of a `SQLStore` on `engine`, used the way `dialect` says.

    `location` names the database in error messages; `serialize` makes
    every database call take a lock.
    """

    def __init__(self, engine: Engine, dialect: Dialect, *, location: str, serialize: bool = False) -> None:
        self.engine = engine
        self.dialect = dialect
        self.location = location
        self._lock: threading.RLock | None = threading.RLock() if serialize else None
        self._kept: Connection | None = None  # see `release`
        self._keeping = threading.Lock()
        # The dialect's choices, looked up once here: every command's path uses them.
        self._begin = dialect.begin
        self._keep = dialect.keep_connection
        self._prepare_write = dialect.prepare_write
        self._new_runner = dialect.new_runner
        self._translating = _Translating(location)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A pooled connection for reads, returned on exit; its transaction is rolled back."""
        with self._serialized(), self._errors(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def reading_on(self, conn: Connection) -> Iterator[Connection]:
        """Read on `conn`, a connection a unit of work holds; its transaction ends on exit.

        Ending it at once means a unit holds no snapshot and no lock while its
        command thinks, only the connection.
        """
        with self._serialized(), self._errors():
            try:
                yield conn
            finally:
                conn.rollback()

    def hold(self) -> Connection:
        """A connection for a unit of work to keep for its reads; give it back with `release`."""
        with self._keeping:
            kept, self._kept = self._kept, None
        if kept is not None:
            return kept
        with self._serialized(), self._errors():
            return self.engine.connect()

    def release(self, conn: Connection) -> None:
        """Give back a connection from `hold`: kept for the next unit, or returned to the pool.

        With the dialect's `keep_connection`, one idle connection is kept as
        it is, so the next unit skips the pool's checkout and check-in (16 µs
        on SQLite, a twentieth of a command's Python).  Only a clean one is
        kept: open, valid, outside a transaction and not set up for writes.
        """
        if self._keep and _clean(conn):
            with self._keeping:
                if self._kept is None:
                    self._kept = conn
                    return
        with self._serialized(), self._errors():
            conn.close()

    @contextmanager
    def writing(self, conn: Connection | None = None) -> Iterator[Connection]:
        """A connection in a write transaction: committed on success, rolled back on error.

        `conn`, a connection from `hold` that a unit of work kept for its
        reads, is written on (saving a checkout) and returned to the pool on exit.
        """
        with self._serialized(), self._errors(), conn or self.engine.connect() as writer:
            self._prepare_write(writer)
            with writer.begin():
                yield writer

    @contextmanager
    def committing(self, held: Connection | None = None) -> Iterator[StatementRunner]:
        """A unit of work's write transaction: the dialect's `StatementRunner`, committed on success.

        On `held` (the unit's connection, given back on exit) or a new one.
        Where the dialect names its `begin`, the transaction is begun and
        ended on the driver connection, outside SQLAlchemy's transaction
        bookkeeping (on PostgreSQL the ``BEGIN`` then travels in the commit's
        pipeline); otherwise it is `writing`'s.
        """
        begin = self._begin
        if begin is None:
            with self.writing(held) as conn, self.runner(conn) as run:
                yield run
            return
        conn = held or self.hold()
        try:
            with self._serialized(), self._errors():
                run = self._new_runner(conn)
                try:
                    run.begin(begin)
                    yield run
                    run.commit()
                except BaseException:
                    run.rollback()
                    raise
                finally:
                    run.close()
        finally:
            self.release(conn)

    @contextmanager
    def runner(self, conn: Connection) -> Iterator[StatementRunner]:
        """The dialect's `StatementRunner` for writes on `conn` (in a transaction), flushed on exit."""
        run = self._new_runner(conn)
        try:
            yield run
            run.flush()
        finally:
            run.close()

    def close(self) -> None:
        """Close every pooled connection (and the one kept for the next unit of work)."""
        with self._keeping:
            kept, self._kept = self._kept, None
        if kept is not None:
            kept.close()
        self.engine.dispose()

    def _serialized(self) -> AbstractContextManager[Any]:
        return self._lock if self._lock is not None else nullcontext()

    def _errors(self) -> AbstractContextManager[None]:
        """Database failures become `StorageError` naming this database.

        Every error the driver raises (a lost connection, a busy file, a
        constraint or a row-security policy refusing a write) reaches the
        caller as a govbiz error; conflicts the unit of work understands were
        already turned into `ConcurrencyError` before they get here.
        """
        return self._translating


class _Translating:
    """`Connections._errors`: a class rather than a generator, since every read and commit enters it."""

    __slots__ = ("location",)

    def __init__(self, location: str) -> None:
        self.location = location

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any
    ) -> Literal[False]:
        if isinstance(error, sa.exc.DBAPIError):
            raise StorageError(self.location, _reason(error)) from error
        return False


def _clean(conn: Connection) -> bool:
    """Whether `conn` can serve another unit of work as it is."""
    if conn.closed or conn.invalidated or conn.in_transaction():
        return False
    if getattr(conn.connection.driver_connection, "in_transaction", False):  # begun on the driver (sqlite3)
        return False
    return not conn.get_execution_options().get(WRITE_OPTION, False)


def _reason(error: sa.exc.DBAPIError) -> str:
    text = str(error.orig)
    if "locked" in text or "busy" in text:
        return f"the database stayed busy (locked by another writer) for too long: {text}"
    return text
