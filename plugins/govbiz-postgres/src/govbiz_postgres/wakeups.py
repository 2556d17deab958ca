"""Workers woken by PostgreSQL's LISTEN/NOTIFY (新通知唤醒) rather than by their poll timer.

A commit that writes outbox entries also runs ``SELECT pg_notify('govbiz_outbox', county)``
once per county, in its own transaction and pipeline (`PostgresDialect.announce_work`):
no extra round trip, no trigger, no migration.  PostgreSQL delivers the notice
to every listening session when that transaction commits, and never if it
rolls back, so a worker never wakes for an entry it cannot see yet.

A worker's `ListeningWaiter` holds one connection of its own, outside the
pool, that has run ``LISTEN govbiz_outbox``; between rounds it waits on that
socket (and on a pipe that a stop request writes to) for at most the poll
interval.  The poll stays as the fallback: a notice is a hint, not a record
(a listener that was reconnecting misses it), so the worker still looks for
due entries when the timer runs out, and entries retried or due later are
found that way.

The channel is one per database, shared by every schema on it: a worker of
another schema that hears a notice only runs one empty claim.  The payload
is the county code, for whoever wants to read it; the worker does not filter.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from govbiz.ports.outbox import OutboxWaiter

__all__ = ["CHANNEL", "NOTIFY", "ListeningWaiter"]

log = logging.getLogger(__name__)

#: The channel commits notify and workers listen on.
CHANNEL = "govbiz_outbox"

#: The statement a commit runs per county of the entries it wrote.
NOTIFY = sa.select(sa.func.pg_notify(CHANNEL, sa.bindparam("county", type_=sa.String())))


class ListeningWaiter(OutboxWaiter):
    """An `OutboxWaiter` on a connection of its own that listens on `CHANNEL` (see the module docs).

    It connects at the first wait, and again after the connection is lost
    (that wait then polls, so a server restart costs nothing but the latency).
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._conn: psycopg.Connection[Any] | None = None
        self._raw: Any = None  # the pool's wrapper of `_conn`, detached: closing it closes the connection
        self._closed = False
        # A stop request writes a byte here (os.write is safe in a signal handler) to end select().
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)

    def listen(self) -> None:
        """Connect and ``LISTEN`` now (a worker does so before its first round, so it misses nothing).

        If the server cannot be reached, the waits poll until it can.
        """
        try:
            self._connect()
        except (psycopg.Error, sa.exc.SQLAlchemyError) as error:
            log.warning("cannot listen for outbox notices, polling: %s", error)

    def _connect(self) -> None:
        if self._conn is None:
            raw = self._engine.raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, psycopg.Connection)
            raw.detach()  # its own session for good: never handed to a unit of work
            driver.autocommit = True
            driver.execute(f"LISTEN {CHANNEL}")
            self._conn, self._raw = driver, raw

    def wait_for_work(self, timeout: float) -> bool:
        if self.interrupted:
            return False
        self.listen()
        if self._conn is None:
            return super().wait_for_work(timeout)
        try:
            ready = select.select([self._conn.fileno(), self._wake_read], [], [], timeout)[0]
            if self._wake_read in ready or self.interrupted:
                return False
            return ready != [] and any(True for _ in self._conn.notifies(timeout=0))
        except (psycopg.Error, OSError) as error:  # the server went away: reconnect at the next wait
            log.warning("outbox listener lost its connection, reconnecting: %s", error)
            self._drop()
            return True  # look for due entries now rather than after a full poll

    def interrupt(self) -> None:
        super().interrupt()
        if self._closed:
            return
        with contextlib.suppress(OSError):  # a full pipe has a wake-up in it already
            os.write(self._wake_write, b"x")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._drop()
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _drop(self) -> None:
        raw, self._conn, self._raw = self._raw, None, None
        if raw is not None:
            with contextlib.suppress(psycopg.Error, sa.exc.SQLAlchemyError):
                raw.close()
