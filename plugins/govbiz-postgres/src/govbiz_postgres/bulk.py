"""Bulk loading (批量导入): many commands' results per transaction, through the Ledger.

A county importing years of paper ledgers, or a benchmark generating a
million problems, pays one transaction (and one WAL flush) per command on
the normal path.  `BulkStore` wraps a `SQLStore` (PostgreSQL or SQLite) so
that a `govbiz.ledger.Ledger` on it runs every command as usual (the same
validation, deadlines, events and audit hashes) while the writes of `batch`
commands go to the database in one transaction::

    bulk = BulkStore(store, batch=1000)
    ledger = Ledger(bulk, clock=clock)
    for actor, command in history:
        ledger.handle(actor, command)
    bulk.flush()  # the last, partial batch

A flush writes each table in a few multi-row statements rather than a few
statements per command: records and problems created in the batch go in
with one `INSERT` per table, as do their events, department and clock rows
and queued notifications.  Those already stored are updated one by one,
with the usual version check.  Ledger numbers (台账编号) are reserved in
blocks of `batch`; numbers a load did not use are handed back at the end
when nobody else took one meanwhile, so a quiet import leaves no gaps.

Only for a ledger nobody else writes meanwhile: a conflict found at a flush
refuses the whole batch (`ConcurrencyError`), a notification whose key was
queued by someone else before the flush is skipped then (not refused at
once), and subscribers hear of a command's events before its batch is
flushed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import STREAM as PROBLEM_STREAM
from govbiz.domain.problem import Problem
from govbiz.errors import ConcurrencyError
from govbiz.ports.outbox import Outbox, OutboxEntry
from govbiz.ports.storage import Record, RecordKind, Store
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.driver import StatementRunner
from govbiz.storage.sql.outbox import write_entries
from govbiz.storage.sql.rows import clock_rows, department_rows, event_row, problem_row, record_row
from govbiz.storage.sql.store import SQLStore
from govbiz.storage.sql.unit_of_work import SQLUnitOfWork

__all__ = ["BulkStore"]

_MISSING = object()


class _NumberBlock:
    """Ledger numbers reserved from a counter, handed out one by one."""

    def __init__(self, store: SQLStore, counter: str, size: int) -> None:
        self.counter = counter
        self.next, self.end = _reserve(store, counter, size)

    def take(self) -> int | None:
        if self.next > self.end:
            return None
        self.next += 1
        return self.next - 1


class _BatchUnit(SQLUnitOfWork):
    """One unit shared by a batch of commands; `commit` accepts, `flush` writes.

    An undo log makes a refused command's `rollback` cheap: it restores only
    what that command staged (`SQLUnitOfWork.staged_problems` ...), whatever
    the size of the batch.
    """

    def __init__(self, store: SQLStore, block: int) -> None:
        super().__init__(store)
        self._block = block
        self._numbers: dict[str, _NumberBlock] = {}
        self._undo: list[tuple[str, Any, Any]] = []
        self._events_mark = 0
        self.accepted = 0

    def next_number(self, counter: str) -> int:
        block = self._numbers.get(counter)
        number = block.take() if block is not None else None
        if number is None:
            block = self._numbers[counter] = _NumberBlock(self.store, counter, self._block)
            number = block.take()
            assert number is not None  # a fresh block holds at least one number
        return number

    def save_problem(self, problem: Problem, event: DomainEvent) -> None:
        self._undo.append(("problem", problem.id, self.staged_problems.get(problem.id, _MISSING)))
        super().save_problem(problem, event)

    def save_record(self, kind: RecordKind, key: str, record: Record, event: DomainEvent) -> None:
        self._undo.append(("record", (kind, key), self.staged_records.get((kind, key), _MISSING)))
        super().save_record(kind, key, record, event)

    def enqueue(self, entry: OutboxEntry) -> bool:
        # Keys already stored are found at the flush, in one query for the batch.
        if entry.key in self.staged_outbox:
            return False
        self.staged_outbox[entry.key] = entry
        self._undo.append(("outbox", entry.key, _MISSING))
        return True

    def enqueue_new(self, entry: OutboxEntry) -> None:
        self.enqueue(entry)  # through the undo log

    def commit(self) -> None:
        """Accept this command's writes into the batch (nothing is written yet)."""
        self._undo.clear()
        self._events_mark = len(self.staged_events)
        self.accepted += 1

    def rollback(self) -> None:
        """Undo what the current command staged; the accepted commands stay."""
        staged: dict[str, dict[Any, Any]] = {
            "problem": self.staged_problems,
            "record": self.staged_records,
            "outbox": self.staged_outbox,
        }
        for table, key, before in reversed(self._undo):
            if before is _MISSING:
                staged[table].pop(key, None)
            else:
                staged[table][key] = before
        self._undo.clear()
        del self.staged_events[self._events_mark :]

    def flush(self) -> None:
        """Write every accepted command in one transaction; a refused batch is dropped whole."""
        self.rollback()
        try:
            if self.staged_events or self.staged_outbox:
                with self.store.writing() as conn:
                    self._write_batch(conn)
        finally:  # written or refused, the batch is over (and its read connection goes back)
            super().rollback()
            self._events_mark = 0
            self.accepted = 0

    def give_back(self) -> None:
        """Return the reserved numbers nobody used, if no one took a number since."""
        for block in self._numbers.values():
            _give_back(self.store, block)
        self._numbers.clear()

    def _write_batch(self, conn: Connection) -> None:
        store, events = self.store, self.staged_events
        spans: dict[tuple[str, str], tuple[int, int]] = {}
        for event in events:  # each command checked that its versions follow on
            key = (event.stream, event.stream_id)
            spans[key] = (spans[key][0] if key in spans else event.version, event.version)
        run = StatementRunner(conn)  # each write at once: the inserts below go through SQLAlchemy
        try:
            for (stream, stream_id), (first, last) in spans.items():
                if first > 1:  # stored before this batch: the usual checked update, one by one
                    self.write_state(run, stream, stream_id, first, last)
            self._insert_created(conn, {key: last for key, (first, last) in spans.items() if first == 1})
            # Events in commit order (PostgreSQL: each county's commit-order row locked).
            store.dialect.before_append(run, store.statements, {e.county for e in events})
            if events:  # one multi-row INSERT through SQLAlchemy
                conn.execute(sa.insert(t.events), [event_row(e) for e in events])
            # Keys stored meanwhile are skipped, as in a unit's commit.
            staged = list(self.staged_outbox.values())
            write_entries(run, store.statements, staged)
            if staged:  # waiting workers hear of them at commit
                store.dialect.announce_work(run, store.statements, {e.county for e in staged})
        finally:
            run.close()

    def _insert_created(self, conn: Connection, created: dict[tuple[str, str], int]) -> None:
        """Insert what this batch created, one statement per table."""
        records = []
        staged = self.staged_records
        for (stream, key), version in created.items():
            if stream != PROBLEM_STREAM:
                kind = RecordKind(stream)
                records.append({**record_row(kind, key, staged[(kind, key)]), "version": version})
        problems = [self.staged_problems[key] for stream, key in created if stream == PROBLEM_STREAM]
        _insert_new(conn, t.records, records, lambda row: (row["kind"], row["key"]))
        _insert_new(
            conn, t.problems, [problem_row(p) for p in problems], lambda row: (PROBLEM_STREAM, row["id"])
        )
        departments = [row for p in problems for row in department_rows(p)]
        if departments:
            conn.execute(sa.insert(t.problem_departments), departments)
        clocks = [row for p in problems for row in clock_rows(p)]
        if clocks:
            conn.execute(sa.insert(t.problem_clocks), clocks)


def _insert_new(
    conn: Connection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    stream_key: Callable[[dict[str, Any]], tuple[str, str]],
) -> None:
    """Insert rows that must not exist yet; a clash refuses the batch, naming the first record found."""
    if not rows:
        return
    try:
        with conn.begin_nested():  # a savepoint, so the clash can be looked up below
            conn.execute(sa.insert(table), rows)
    except sa.exc.IntegrityError as error:
        for row in rows:
            stream, key = stream_key(row)
            where = [column == row[column.name] for column in table.primary_key.columns]
            stored = conn.execute(sa.select(table.c.version).where(*where)).scalar()
            if stored is not None:
                raise ConcurrencyError(stream, key, 0, stored) from error
        raise


def _reserve(store: SQLStore, counter: str, size: int) -> tuple[int, int]:
    """Take `size` numbers of `counter` in one committed step; return the first and the last."""
    c = t.counters.c
    with store.writing() as conn:
        bumped = conn.execute(sa.update(t.counters).where(c.name == counter).values(value=c.value + size))
        if bumped.rowcount == 0:
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(t.counters).values(name=counter, value=size))
                return 1, size
            except sa.exc.IntegrityError:  # created meanwhile by another process
                conn.execute(sa.update(t.counters).where(c.name == counter).values(value=c.value + size))
        last = int(conn.execute(sa.select(c.value).where(c.name == counter)).scalar_one())
    return last - size + 1, last


def _give_back(store: SQLStore, block: _NumberBlock) -> None:
    """Lower the counter to the last number used, unless another unit took numbers since."""
    if block.next > block.end:
        return
    c = t.counters.c
    with store.writing() as conn:
        conn.execute(
            sa.update(t.counters)
            .where(c.name == block.counter, c.value == block.end)
            .values(value=block.next - 1)
        )


class BulkStore(Store):
    """A `SQLStore` seen through batches of `batch` commands (see the module docs)."""

    def __init__(self, store: SQLStore, *, batch: int = 500) -> None:
        self.store = store
        self.batch = batch
        self._unit = _BatchUnit(store, block=batch)

    def unit_of_work(self) -> _BatchUnit:
        """The current batch; flushed when it holds `batch` accepted commands."""
        if self._unit.accepted >= self.batch:
            self._unit.flush()
        return self._unit

    def flush(self) -> None:
        """Write the accepted commands not written yet, and hand back unused ledger numbers."""
        self._unit.flush()
        self._unit.give_back()

    def outbox(self) -> Outbox:
        """The wrapped store's outbox."""
        return self.store.outbox()

    def close(self) -> None:
        """Flush, then leave the wrapped store open (its owner closes it)."""
        self.flush()
