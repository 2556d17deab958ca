"""Wrappers that pass every call through to another store (委托).

For a store that changes one thing about another: time its commits, meet
other processes at a barrier before committing, stage into a shared unit.
Subclass `DelegatingUnitOfWork` (and `DelegatingStore` for the factory)
and override only what changes; everything else reaches `inner` unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from govbiz.deadlines.warning import WarningThresholds
from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import Problem
from govbiz.ports.checkpoints import CheckpointLog
from govbiz.ports.outbox import Outbox, OutboxEntry
from govbiz.ports.storage import (
    ProblemQuery,
    Record,
    RecordKind,
    Store,
    StoredProblem,
    StoredRecord,
    UnitOfWork,
    WarningClock,
)

__all__ = ["DelegatingStore", "DelegatingUnitOfWork"]


class DelegatingUnitOfWork(UnitOfWork):
    """A unit of work that passes every call to `inner`."""

    def __init__(self, inner: UnitOfWork) -> None:
        self.inner = inner

    def get_problem(self, problem_id: str) -> Problem | None:
        return self.inner.get_problem(problem_id)

    def find_problems(self, query: ProblemQuery) -> Iterator[Problem]:
        return self.inner.find_problems(query)

    def warning_clocks(self, thresholds: Mapping[str, WarningThresholds]) -> Iterator[WarningClock]:
        return self.inner.warning_clocks(thresholds)  # the inner store's (perhaps SQL) answer

    def get_record(self, kind: RecordKind, key: str) -> Record | None:
        return self.inner.get_record(kind, key)

    def list_records(self, kind: RecordKind, counties: frozenset[str] | None = None) -> list[Record]:
        return self.inner.list_records(kind, counties)

    def events(self, stream: str | None = None, stream_id: str | None = None) -> list[DomainEvent]:
        return self.inner.events(stream, stream_id)

    def stored_problems(self) -> Iterator[StoredProblem]:
        return self.inner.stored_problems()

    def stored_records(self) -> Iterator[StoredRecord]:
        return self.inner.stored_records()

    def next_number(self, counter: str) -> int:
        return self.inner.next_number(counter)

    def save_problem(self, problem: Problem, event: DomainEvent) -> None:
        self.inner.save_problem(problem, event)

    def save_record(self, kind: RecordKind, key: str, record: Record, event: DomainEvent) -> None:
        self.inner.save_record(kind, key, record, event)

    def enqueue(self, entry: OutboxEntry) -> bool:
        return self.inner.enqueue(entry)

    def enqueue_new(self, entry: OutboxEntry) -> None:
        self.inner.enqueue_new(entry)

    def commit(self) -> None:
        self.inner.commit()

    def rollback(self) -> None:
        self.inner.rollback()


class DelegatingStore(Store):
    """A store whose units of work wrap `inner`'s; override `wrap` to choose the wrapper."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.clear_contacts = inner.clear_contacts

    def wrap(self, unit: UnitOfWork) -> UnitOfWork:
        """The unit of work handed out for `unit` (by default `unit` itself)."""
        return unit

    def unit_of_work(self) -> UnitOfWork:
        return self.wrap(self.inner.unit_of_work())

    def outbox(self) -> Outbox:
        return self.inner.outbox()

    def checkpoints(self) -> CheckpointLog:
        return self.inner.checkpoints()

    def redact_events(self, redacted: Sequence[DomainEvent]) -> None:
        self.inner.redact_events(redacted)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        # The inner store's lock: a wrapped SQL store must still hold it across processes.
        with self.inner.exclusive(name):
            yield

    def close(self) -> None:
        self.inner.close()
