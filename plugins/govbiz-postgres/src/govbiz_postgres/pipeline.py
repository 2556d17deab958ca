"""A unit's commit sent to PostgreSQL in one pipeline (libpq pipeline mode), COMMIT included.

Each statement of a commit would otherwise wait for its answer before the
next one leaves: six or seven round trips for one command.  In pipeline mode
psycopg sends ``BEGIN``, the version-checked `UPDATE`, the index rows, the
event-log lock, the event, the outbox rows and ``COMMIT`` together, and reads
the answers once: one round trip.

Sending ``COMMIT`` before the `UPDATE`'s answer is back is only safe if a
refused version stops the transaction *in the database*.  So each checked
write runs as::

    WITH checked AS (UPDATE ... WHERE id = ... AND version = ... RETURNING 1)
    SELECT 1 / count(*) FROM checked

Plain SQL has no assertion; dividing by the number of rows the `UPDATE`
changed raises ``division_by_zero`` when it changed none, PostgreSQL then
skips every later statement of the pipeline (``COMMIT`` too) and the
transaction is rolled back.  The runner recognises that error on a checked
write and reports the refusal (`govbiz.errors.ConcurrencyError`, naming the
version stored); any other error propagates as SQLAlchemy's.  A read the unit
needs in between (a new record's version) flushes the pipeline first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import psycopg
from psycopg import Pipeline
from sqlalchemy.engine import Connection

from govbiz.storage.sql.driver import DriverStatement, StatementRunner

__all__ = ["PipelinedRunner"]

#: The SQLSTATE a checked write raises when it changed no row (see the module docs).
REFUSED = "22012"  # division_by_zero

_COMMIT = DriverStatement("COMMIT", (), positional=False, processors=())


class PipelinedRunner(StatementRunner):
    """A `StatementRunner` that queues writes in a psycopg pipeline until `flush` or `commit`."""

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
        checked = _checked(statement)
        self._queue(checked)
        cursor = self.conn.connection.cursor()  # its own cursor keeps its answer until the check
        self._checks.append((cursor, otherwise))
        self.send(checked.sql, checked.parameters(values), cursor)

    def commit(self) -> None:
        """``COMMIT`` at the end of the pipeline: the whole commit in one round trip."""
        if self._pipeline is None:
            super().commit()
            return
        self.execute(_COMMIT, {})
        self.flush()

    def flush(self) -> None:
        """Send what is queued and wait for every answer; a refused checked write calls its `otherwise`."""
        if self._pipeline is not None:
            try:
                self._pipeline.close()  # leaves pipeline mode: sends, then reads every answer
            except psycopg.Error as error:
                raise self.failed(error, ";\n".join(self._sent), None) from error
            self._pipeline = None
        checks, self._checks, self._sent = self._checks, [], []
        try:
            for cursor, otherwise in checks:
                if cursor.fetchone() != (1,):  # never without an error first; kept as a guard
                    otherwise()
        finally:
            for cursor, _ in checks:
                cursor.close()

    def failed(self, error: Exception, sql: str, parameters: Any) -> Exception:
        """A refused checked write, whenever psycopg reads its answer, becomes its `otherwise`."""
        if getattr(error, "sqlstate", None) == REFUSED:
            # Answers are read in order: the first checked write without one is the refused one.
            # Its `otherwise` reads the version stored, once the aborted transaction is rolled back.
            refused = next((otherwise for cursor, otherwise in self._checks if cursor.pgresult is None), None)
            if refused is not None:
                self._leave_pipeline()
                self._driver.rollback()
                refused()
        return super().failed(error, sql, parameters)

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


_CHECKED: dict[DriverStatement, DriverStatement] = {}


def _checked(statement: DriverStatement) -> DriverStatement:
    """`statement` (an `UPDATE`) made to fail when it changes no row (see the module docs)."""
    found = _CHECKED.get(statement)
    if found is None:
        sql = f"WITH checked AS ({statement.sql} RETURNING 1) SELECT 1 / count(*) FROM checked"
        found = _CHECKED[statement] = attrs.evolve(statement, sql=sql, results=())
    return found
