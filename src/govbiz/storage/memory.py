"""The in-memory store: a complete adapter with no I/O, for tests and demos.

It keeps the same promises as a database adapter (atomic commit of state and
events, optimistic versions, isolation of uncommitted writes), so code and
tests written against it behave the same on SQLite or PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import count

import attrs

from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import STREAM as PROBLEM_STREAM
from govbiz.domain.problem import Problem
from govbiz.errors import ConcurrencyError
from govbiz.storage.port import ProblemQuery, Record, RecordKind, Store, UnitOfWork

__all__ = ["MemoryStore"]


@attrs.define
class _State:
    """What is committed: versioned rows and the append-only event log."""

    problems: dict[str, Problem] = attrs.Factory(dict)
    records: dict[tuple[RecordKind, str], tuple[Record, int]] = attrs.Factory(dict)
    events: list[DomainEvent] = attrs.Factory(list)
    counters: dict[str, Iterator[int]] = attrs.Factory(dict)


class MemoryStore(Store):
    """A store held in this process's memory; gone when the process ends."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.Lock()

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work over this store."""
        return _MemoryUnitOfWork(self._state, self._lock)


class _MemoryUnitOfWork(UnitOfWork):
    def __init__(self, state: _State, lock: threading.Lock) -> None:
        self._state = state
        self._lock = lock
        self._problems: dict[str, Problem] = {}
        self._records: dict[tuple[RecordKind, str], tuple[Record, int]] = {}
        self._events: list[DomainEvent] = []

    # -- reads ----------------------------------------------------------------------
    def get_problem(self, problem_id: str) -> Problem | None:
        return self._problems.get(problem_id) or self._state.problems.get(problem_id)

    def find_problems(self, query: ProblemQuery) -> Iterator[Problem]:
        merged = {**self._state.problems, **self._problems}
        for key in sorted(merged):
            if query.matches(merged[key]):
                yield merged[key]

    def get_record(self, kind: RecordKind, key: str) -> Record | None:
        row = self._records.get((kind, key)) or self._state.records.get((kind, key))
        return row[0] if row else None

    def list_records(self, kind: RecordKind, counties: frozenset[str] | None = None) -> list[Record]:
        merged = {**self._state.records, **self._records}
        rows = [
            record
            for (row_kind, _), (record, _version) in sorted(merged.items(), key=lambda item: item[0][1])
            if row_kind is kind
        ]
        return [r for r in rows if counties is None or _county(r) in counties]

    def events(self, stream: str | None = None, stream_id: str | None = None) -> list[DomainEvent]:
        return [
            e
            for e in self._state.events
            if (stream is None or e.stream == stream) and (stream_id is None or e.stream_id == stream_id)
        ]

    def next_number(self, counter: str) -> int:
        with self._lock:
            numbers = self._state.counters.setdefault(counter, count(1))
            return next(numbers)

    # -- writes ---------------------------------------------------------------------
    def save_problem(self, problem: Problem, event: DomainEvent) -> None:
        self._problems[problem.id] = problem
        self._events.append(event)

    def save_record(self, kind: RecordKind, key: str, record: Record, event: DomainEvent) -> None:
        self._records[(kind, key)] = (record, event.version)
        self._events.append(event)

    def commit(self) -> None:
        with self._lock:
            self._check_versions()
            self._state.problems.update(self._problems)
            self._state.records.update(self._records)
            self._state.events.extend(self._events)
        self.rollback()

    def rollback(self) -> None:
        self._problems.clear()
        self._records.clear()
        self._events.clear()

    def _check_versions(self) -> None:
        """Refuse the whole commit if any event was decided on a stale version."""
        current: dict[tuple[str, str], int] = {}
        for event in self._events:
            key = (event.stream, event.stream_id)
            if key not in current:
                current[key] = self._stored_version(event) or 0
            if current[key] != event.version - 1:
                actual = self._stored_version(event)
                raise ConcurrencyError(event.stream, event.stream_id, event.version - 1, actual)
            current[key] = event.version

    def _stored_version(self, event: DomainEvent) -> int | None:
        if event.stream == PROBLEM_STREAM:
            stored = self._state.problems.get(event.stream_id)
            return stored.version if stored else None
        row = self._state.records.get((RecordKind(event.stream), event.stream_id))
        return row[1] if row else None


def _county(record: Record) -> str:
    return record.county if hasattr(record, "county") else record.code
