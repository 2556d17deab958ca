"""A unit's writes sent to PostgreSQL in one pipeline (libpq pipeline mode).

Each statement of a commit would otherwise wait for its answer before the
next one leaves: five or six round trips for one command.  In pipeline mode
psycopg sends the version-checked `UPDATE`, the index rows, the event-log
lock, the event and the outbox rows together and reads the answers once;
the `UPDATE`'s row count is checked afterwards, before the transaction
commits, so a stale version is refused exactly as before (the transaction is
rolled back and nothing it queued is kept).  A read the unit needs in
between (a new record's version) flushes the pipeline first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import Pipeline
from sqlalchemy.engine import Connection

from govbiz.storage.sql.driver import DriverStatement, StatementRunner, driver_errors

__all__ = ["PipelinedRunner"]


class PipelinedRunner(StatementRunner):
    """A `StatementRunner` that queues writes in a psycopg pipeline until `flush`."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)  # the psycopg dialect's connection
        self._driver = driver
        self._pipeline: contextlib.ExitStack | None = None  # open while in pipeline mode
        self._checks: list[tuple[Any, Callable[[], None]]] = []
        self._sent: list[str] = []  # what went into the pipeline, for an error's message

    @staticmethod
    def supported() -> bool:
        """Whether the libpq psycopg runs on has pipeline mode (libpq 14 or later)."""
        return bool(Pipeline.is_supported())

    def execute(self, statement: DriverStatement, values: Mapping[str, Any]) -> None:
        self._queue(statement)
        super().execute(statement, values)

    def executemany(self, statement: DriverStatement, rows: Iterable[Mapping[str, Any]]) -> None:
        self._queue(statement)
        super().executemany(statement, rows)

    def expect_one(
        self, statement: DriverStatement, values: Mapping[str, Any], otherwise: Callable[[], None]
    ) -> None:
        self._queue(statement)
        cursor = self.conn.connection.cursor()  # its own cursor keeps its row count until the check
        parameters = statement.parameters(values)
        with driver_errors(self.conn, statement.sql, parameters):
            cursor.execute(statement.sql, parameters)
        self._checks.append((cursor, otherwise))

    def flush(self) -> None:
        """Send what is queued, wait for every answer, then check the row counts."""
        pipeline, self._pipeline = self._pipeline, None
        checks, self._checks = self._checks, []
        sent, self._sent = self._sent, []
        try:
            if pipeline is not None:
                try:
                    with driver_errors(self.conn, ";\n".join(sent), None):
                        pipeline.close()  # leaves pipeline mode: sends, then reads every answer
                except sa.exc.DBAPIError:
                    # A stale version usually fails later too (its event's version is taken):
                    # report the refused write, read once the aborted transaction is rolled back.
                    refused = [otherwise for cursor, otherwise in checks if _refused(cursor)]
                    if not refused:
                        raise
                    self._driver.rollback()
                    refused[0]()
                    raise
            for cursor, otherwise in checks:
                if cursor.rowcount != 1:
                    otherwise()
        finally:
            for cursor, _ in checks:
                cursor.close()

    def rollback(self) -> None:
        self._leave_pipeline()
        super().rollback()

    def close(self) -> None:
        self._leave_pipeline()
        super().close()

    def _leave_pipeline(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:  # left by an error: end pipeline mode, the transaction rolls back
            with contextlib.suppress(psycopg.Error):  # the error that stopped the unit is the one to report
                pipeline.close()
        for cursor, _ in self._checks:
            cursor.close()
        self._checks.clear()

    def _queue(self, statement: DriverStatement) -> None:
        if self._pipeline is None:
            self._pipeline = contextlib.ExitStack()
            self._pipeline.enter_context(self._driver.pipeline())
        self._sent.append(statement.sql)


def _refused(cursor: Any) -> bool:
    """Whether a checked write answered and changed no row (one the error cut short did not answer)."""
    return cursor.pgresult is not None and cursor.rowcount == 0
