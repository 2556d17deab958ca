"""The in-memory store: a complete adapter with no I/O, for tests and demos.

It keeps the same promises as a database adapter (atomic commit of state and
events, optimistic versions, isolation of uncommitted writes), so code and
tests written against it behave the same on SQLite or PostgreSQL.
"""

from __future__ import annotations

import secrets
import threading
from bisect import insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import chain, count

import attrs

from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import STREAM as PROBLEM_STREAM
from govbiz.domain.problem import Problem
from govbiz.errors import ConcurrencyError
from govbiz.ports.checkpoints import CheckpointLog, SignedCheckpoint
from govbiz.ports.outbox import ONCE_PER_CLOCK, Outbox, OutboxEntry, OutboxStats, OutboxStatus
from govbiz.ports.storage import (
    ProblemQuery,
    Record,
    RecordKind,
    Store,
    StoredProblem,
    StoredRecord,
    UnitOfWork,
    derived_index,
)

__all__ = ["MemoryStore"]


@attrs.define
class _State:
    """What is committed: versioned rows and the append-only event log."""

    problems: dict[str, Problem] = attrs.Factory(dict)
    records: dict[tuple[RecordKind, str], tuple[Record, int]] = attrs.Factory(dict)
    events: list[DomainEvent] = attrs.Factory(list)
    counters: dict[str, Iterator[int]] = attrs.Factory(dict)
    outbox: dict[str, OutboxEntry] = attrs.Factory(dict)
    # Keys in order per stream ("problem" or a record kind) and county: listing a county's
    # records or problems needs no sort of the whole province (a county never changes).
    ordered: dict[str, dict[str, list[str]]] = attrs.Factory(dict)
    # Each record's events in commit order, so a problem's history is not a scan of the log.
    streams: dict[tuple[str, str], list[DomainEvent]] = attrs.Factory(dict)
    checkpoints: list[SignedCheckpoint] = attrs.Factory(list)

    def add_keys(self, stream: str, keyed: Iterable[tuple[str, str]]) -> None:
        """Put new `(key, county)` pairs of `stream` in their place."""
        by_county = self.ordered.setdefault(stream, {})
        for key, county in keyed:
            insort(by_county.setdefault(county, []), key)


class MemoryStore(Store):
    """A store held in this process's memory; gone when the process ends."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.Lock()

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work over this store."""
        return _MemoryUnitOfWork(self._state, self._lock)

    def outbox(self) -> Outbox:
        """The store's outbox, for dispatchers and `govbiz outbox`."""
        return _MemoryOutbox(self._state, self._lock)

    def checkpoints(self) -> CheckpointLog:
        """The signed checkpoints kept in this store."""
        return _MemoryCheckpoints(self._state, self._lock)

    def redact_events(self, redacted: Sequence[DomainEvent]) -> None:
        """Swap the stored events for their redacted copies (see `Store.redact_events`)."""
        with self._lock:
            state = self._state
            where = {(e.stream, e.stream_id, e.version): n for n, e in enumerate(state.events)}
            for event in redacted:
                key = (event.stream, event.stream_id, event.version)
                stored = state.events[where[key]] if key in where else None
                if stored is None or stored.hash != event.hash:
                    raise ConcurrencyError(event.stream, event.stream_id, event.version, 0)
            for event in redacted:
                state.events[where[(event.stream, event.stream_id, event.version)]] = event
                stream = state.streams[(event.stream, event.stream_id)]
                stream[[e.version for e in stream].index(event.version)] = event


class _MemoryUnitOfWork(UnitOfWork):
    def __init__(self, state: _State, lock: threading.Lock) -> None:
        self._state = state
        self._lock = lock
        self._problems: dict[str, Problem] = {}
        self._records: dict[tuple[RecordKind, str], tuple[Record, int]] = {}
        self._events: list[DomainEvent] = []
        self._outbox: dict[str, OutboxEntry] = {}

    # -- reads ----------------------------------------------------------------------
    def get_problem(self, problem_id: str) -> Problem | None:
        return self._problems.get(problem_id) or self._state.problems.get(problem_id)

    def find_problems(self, query: ProblemQuery) -> Iterator[Problem]:
        staged = ((key, problem.county) for key, problem in self._problems.items())
        for key in self._keys(PROBLEM_STREAM, query.counties, staged):
            problem = self._problems.get(key) or self._state.problems[key]
            if query.matches(problem):
                yield problem

    def get_record(self, kind: RecordKind, key: str) -> Record | None:
        row = self._records.get((kind, key)) or self._state.records.get((kind, key))
        return row[0] if row else None

    def list_records(self, kind: RecordKind, counties: frozenset[str] | None = None) -> list[Record]:
        staged = {key: record for (row_kind, key), (record, _) in self._records.items() if row_kind is kind}
        keys = self._keys(kind.value, counties, ((key, _county(r)) for key, r in staged.items()))
        return [staged[key] if key in staged else self._state.records[(kind, key)][0] for key in keys]

    def _keys(
        self, stream: str, counties: frozenset[str] | None, staged: Iterable[tuple[str, str]]
    ) -> list[str]:
        """The keys of `stream` in `counties` (all if `None`), committed or staged here, in order."""
        with self._lock:  # a snapshot: a concurrent commit may be inserting keys
            by_county = self._state.ordered.get(stream, {})
            wanted = by_county.values() if counties is None else (by_county.get(c, ()) for c in counties)
            keys = sorted(chain.from_iterable(wanted))  # sorted runs: merged in linear time
        fresh = [key for key, county in staged if counties is None or county in counties]
        return sorted({*keys, *fresh}) if fresh else keys

    def events(self, stream: str | None = None, stream_id: str | None = None) -> list[DomainEvent]:
        if stream is not None and stream_id is not None:
            with self._lock:
                return list(self._state.streams.get((stream, stream_id), ()))
        return [
            e
            for e in self._state.events
            if (stream is None or e.stream == stream) and (stream_id is None or e.stream_id == stream_id)
        ]

    def stored_problems(self) -> Iterator[StoredProblem]:
        with self._lock:
            problems = sorted(self._state.problems.items())
        for key, problem in problems:  # nothing is derived apart from the problem: derive it here
            yield StoredProblem(key, problem, derived_index(problem))

    def stored_records(self) -> Iterator[StoredRecord]:
        with self._lock:
            records = sorted(self._state.records.items(), key=lambda item: (item[0][0].value, item[0][1]))
        for (kind, key), (record, version) in records:
            yield StoredRecord(kind, key, _county(record), version, record)

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

    def enqueue(self, entry: OutboxEntry) -> bool:
        if entry.key in self._outbox or entry.key in self._state.outbox:
            return False
        self._outbox[entry.key] = entry
        return True

    def commit(self) -> None:
        with self._lock:
            self._check_versions()
            state = self._state
            state.add_keys(
                PROBLEM_STREAM, ((k, p.county) for k, p in self._problems.items() if k not in state.problems)
            )
            for (kind, key), (record, _) in self._records.items():
                if (kind, key) not in state.records:
                    state.add_keys(kind.value, [(key, _county(record))])
            state.problems.update(self._problems)
            state.records.update(self._records)
            state.events.extend(self._events)
            for event in self._events:
                state.streams.setdefault((event.stream, event.stream_id), []).append(event)
            for key, entry in self._outbox.items():
                state.outbox.setdefault(key, entry)  # a concurrent unit may have queued it first
        self.rollback()

    def rollback(self) -> None:
        self._problems.clear()
        self._records.clear()
        self._events.clear()
        self._outbox.clear()

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


class _MemoryOutbox(Outbox):
    """The outbox of a `MemoryStore`: claims are atomic under the store's lock."""

    def __init__(self, state: _State, lock: threading.Lock) -> None:
        self._state = state
        self._lock = lock

    def claim(self, now: datetime, *, limit: int, lease: timedelta, worker: str) -> list[OutboxEntry]:
        token = secrets.token_hex(16)
        with self._lock:
            due = sorted(
                (e for e in self._state.outbox.values() if e.due(now)), key=lambda e: (e.created_at, e.key)
            )
            claimed = [
                attrs.evolve(e, claimed_until=now + lease, claimed_by=worker, claim_token=token)
                for e in due[:limit]
            ]
            for entry in claimed:
                self._state.outbox[entry.key] = entry
            return claimed

    def renew(self, key: str, *, token: str, until: datetime) -> bool:
        return self._fenced(key, token, lambda e: attrs.evolve(e, claimed_until=until))

    def mark_sent(self, key: str, at: datetime, *, worker: str, token: str) -> bool:
        return self._fenced(
            key,
            token,
            lambda e: attrs.evolve(
                e, status=OutboxStatus.SENT, sent_at=at, claimed_until=None, last_error="",
                attempts=e.attempts + 1,  # the attempt that succeeded counts too
            ),
        )

    def mark_failed(
        self, key: str, error: str, *, retry_at: datetime | None, worker: str, token: str
    ) -> bool:
        status = OutboxStatus.PENDING if retry_at is not None else OutboxStatus.DEAD
        return self._fenced(
            key,
            token,
            lambda e: attrs.evolve(
                e,
                attempts=e.attempts + 1,
                last_error=error,
                claimed_until=None,
                next_attempt_at=retry_at,
                status=status,
            ),
        )

    def mark_superseded(self, key: str, reason: str, *, worker: str, token: str) -> bool:
        return self._fenced(
            key,
            token,
            lambda e: attrs.evolve(e, status=OutboxStatus.SUPERSEDED, last_error=reason, claimed_until=None),
        )

    def release(self, key: str, *, token: str) -> bool:
        return self._fenced(key, token, lambda e: attrs.evolve(e, claimed_until=None, claim_token=""))

    def stats(self, now: datetime) -> OutboxStats:
        with self._lock:
            everything = list(self._state.outbox.values())
        counts = {status: sum(e.status is status for e in everything) for status in OutboxStatus}
        return OutboxStats(counts, min((e.created_at for e in everything if e.due(now)), default=None))

    def entries(self, status: OutboxStatus | None = None, *, limit: int = 100) -> list[OutboxEntry]:
        with self._lock:
            found = [e for e in self._state.outbox.values() if status is None or e.status is status]
        return sorted(found, key=lambda e: (e.created_at, e.key), reverse=True)[:limit]

    def retry(self, keys: Sequence[str] | None = None) -> int:
        with self._lock:
            dead = [e for e in self._state.outbox.values() if e.status is OutboxStatus.DEAD]
            chosen = [e for e in dead if keys is None or e.key in keys]
            for entry in chosen:
                self._state.outbox[entry.key] = attrs.evolve(
                    entry,
                    status=OutboxStatus.PENDING,
                    attempts=0,
                    next_attempt_at=None,
                    claimed_until=None,
                    claim_token="",  # a mark of the claim that killed it cannot touch it again
                )
            return len(chosen)

    def purge(self, status: OutboxStatus, before: datetime) -> int:
        with self._lock:
            old = [
                k
                for k, e in self._state.outbox.items()
                if e.status is status and e.created_at < before and not _due_from(e, before)
                and not k.startswith(ONCE_PER_CLOCK)
            ]
            for key in old:
                del self._state.outbox[key]
            return len(old)

    def _fenced(self, key: str, token: str, change: Callable[[OutboxEntry], OutboxEntry]) -> bool:
        """Apply `change` to `key` if `token` is its current claim; `False` if not."""
        with self._lock:
            entry = self._state.outbox.get(key)
            if entry is None or not _holds(entry, token):
                return False
            self._state.outbox[key] = change(entry)
            return True


def _holds(entry: OutboxEntry, token: str) -> bool:
    """True if `token` is `entry`'s current claim and the entry still waits for its outcome."""
    return bool(token) and entry.claim_token == token and entry.status is OutboxStatus.PENDING


class _MemoryCheckpoints(CheckpointLog):
    """The checkpoints of a `MemoryStore`, in a list under its lock."""

    def __init__(self, state: _State, lock: threading.Lock) -> None:
        self._state = state
        self._lock = lock

    def append(self, signed: SignedCheckpoint) -> None:
        with self._lock:
            stored = self._state.checkpoints
            sequence = signed.checkpoint.sequence
            if any(c.checkpoint.sequence == sequence for c in stored):
                raise ConcurrencyError("checkpoint", sequence, sequence - 1, None)
            stored.append(signed)
            stored.sort(key=lambda c: c.checkpoint.sequence)

    def all(self) -> list[SignedCheckpoint]:
        with self._lock:
            return list(self._state.checkpoints)


def _county(record: Record) -> str:
    return record.county if hasattr(record, "county") else record.code


def _due_from(entry: OutboxEntry, instant: datetime) -> bool:
    """Whether `entry` was queued for `instant` or later (a reminder for a later day)."""
    return entry.next_attempt_at is not None and entry.next_attempt_at >= instant
