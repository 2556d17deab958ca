"""Bulk loading (批量导入): many commands' results per transaction, through the Ledger.

A county importing years of paper ledgers, or a benchmark generating a
million problems, pays one transaction (and one WAL flush) per command on
the normal path.  `BulkStore` wraps a `SQLStore` (PostgreSQL or SQLite) so
that a `govbiz.ledger.Ledger` on it runs every command as usual (the same
validation, deadlines, events and audit hashes) while the writes of `batch`
commands go to the database in one `SQLUnitOfWork.commit`::

    bulk = BulkStore(store, batch=1000)
    ledger = Ledger(bulk, clock=clock)
    for actor, command in history:
        ledger.handle(actor, command)
    bulk.flush()  # the last, partial batch

Only for a ledger nobody else writes meanwhile: a conflict found at a flush
refuses the whole batch (`ConcurrencyError`), and subscribers hear of a
command's events before its batch is flushed.
"""

from __future__ import annotations

from typing import Any

from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import Problem
from govbiz.notify.outbox import Outbox, OutboxEntry
from govbiz.storage.port import Record, RecordKind, Store
from govbiz.storage.sql.store import SQLStore, SQLUnitOfWork

__all__ = ["BulkStore"]

_MISSING = object()


class _BatchUnit(SQLUnitOfWork):
    """One unit shared by a batch of commands; `commit` accepts, `flush` writes.

    An undo log makes a refused command's `rollback` cheap: it restores only
    what that command staged, whatever the size of the batch.
    """

    def __init__(self, store: SQLStore) -> None:
        super().__init__(store)
        self._store_ref = store
        self._undo: list[tuple[str, Any, Any]] = []
        self._events_mark = 0
        self.accepted = 0

    def next_number(self, counter: str) -> int:
        return self._store_ref.unit_of_work().next_number(counter)  # the dialect's own, committed at once

    def save_problem(self, problem: Problem, event: DomainEvent) -> None:
        self._undo.append(("problem", problem.id, self._problems.get(problem.id, _MISSING)))
        super().save_problem(problem, event)

    def save_record(self, kind: RecordKind, key: str, record: Record, event: DomainEvent) -> None:
        self._undo.append(("record", (kind, key), self._records.get((kind, key), _MISSING)))
        super().save_record(kind, key, record, event)

    def enqueue(self, entry: OutboxEntry) -> bool:
        queued = super().enqueue(entry)
        if queued:
            self._undo.append(("outbox", entry.key, _MISSING))
        return queued

    def commit(self) -> None:
        """Accept this command's writes into the batch (nothing is written yet)."""
        self._undo.clear()
        self._events_mark = len(self._events)
        self.accepted += 1

    def rollback(self) -> None:
        """Undo what the current command staged; the accepted commands stay."""
        staged: dict[str, dict[Any, Any]] = {
            "problem": self._problems,
            "record": self._records,
            "outbox": self._outbox,
        }
        for table, key, before in reversed(self._undo):
            if before is _MISSING:
                staged[table].pop(key, None)
            else:
                staged[table][key] = before
        self._undo.clear()
        del self._events[self._events_mark :]

    def flush(self) -> None:
        """Write every accepted command in one transaction."""
        self.rollback()
        SQLUnitOfWork.commit(self)  # ends by calling rollback(): nothing is left to undo
        SQLUnitOfWork.rollback(self)
        self._events_mark = 0
        self.accepted = 0


class BulkStore(Store):
    """A `SQLStore` seen through batches of `batch` commands (see the module docs)."""

    def __init__(self, store: SQLStore, *, batch: int = 500) -> None:
        self.store = store
        self.batch = batch
        self._unit = _BatchUnit(store)

    def unit_of_work(self) -> _BatchUnit:
        """The current batch; flushed when it holds `batch` accepted commands."""
        if self._unit.accepted >= self.batch:
            self.flush()
        return self._unit

    def flush(self) -> None:
        """Write the accepted commands not written yet."""
        self._unit.flush()

    def outbox(self) -> Outbox:
        """The wrapped store's outbox."""
        return self.store.outbox()

    def close(self) -> None:
        """Flush, then leave the wrapped store open (its owner closes it)."""
        self.flush()
