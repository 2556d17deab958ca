"""The storage port: what the Ledger needs from any store.

A store hands out units of work (Cosmic Python's Unit of Work pattern): one
per command.  Everything a command reads and writes goes through its unit of
work, and `UnitOfWork.commit` makes the new state *and* its events
durable together, or raises and keeps nothing.  A write based on a stale
version raises `govbiz.errors.ConcurrencyError` at commit.

Adapters (the in-memory one here, SQLite and PostgreSQL as plugins) implement
these two classes; the storage contract tests in `govbiz.testing` check any
adapter against the same expectations.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Any, NamedTuple, Self

import attrs

from govbiz.deadlines.warning import WarningLevel, WarningThresholds
from govbiz.domain.circular import Circular
from govbiz.domain.county_config import KeptCountyConfig
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.events import DomainEvent
from govbiz.domain.handling import DueDate
from govbiz.domain.holiday_notice import KeptNotice
from govbiz.domain.lasting_rule import LastingRule
from govbiz.domain.lifecycle import ProblemState
from govbiz.domain.problem import Problem
from govbiz.domain.session import ReceptionSession
from govbiz.domain.tenancy import Department, Division
from govbiz.ports.checkpoints import CheckpointLog
from govbiz.ports.cipher import ClearContacts
from govbiz.ports.outbox import Outbox, OutboxEntry

__all__ = [
    "ProblemQuery",
    "Record",
    "RecordKind",
    "Store",
    "StoredProblem",
    "StoredRecord",
    "UnitOfWork",
    "WarningClock",
    "derived_index",
    "problem_columns",
]

#: The registry records a ledger keeps besides problems.
Record = (
    Division | Department | Enterprise | ReceptionSession | LastingRule | Circular | KeptNotice
    | KeptCountyConfig
)  # fmt: skip


class RecordKind(StrEnum):
    """Kinds of registry record; each is also the name of its event stream."""

    DIVISION = "division"
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"
    SESSION = "session"
    LASTING_RULE = "lasting_rule"
    CIRCULAR = "circular"
    #: A State Council holiday notice kept in the ledger (nationwide: county `000000`).
    HOLIDAY_NOTICE = "holiday_notice"
    #: A county configuration file applied with `govbiz county apply` (the file's first division).
    COUNTY_CONFIG = "county_config"


@attrs.frozen(slots=True)
class ProblemQuery:
    """Which problems to list.  Every field left `None` matches everything.

    `department` matches the lead or a co-handling department of the
    current assignment, `lead` only the lead; `due_before` matches
    problems with a running clock whose cutoff is at or before that instant
    (the basis of the daily reminder sweep).  `matches` is the
    reference meaning that every adapter's query must agree with.
    """

    counties: frozenset[str] | None = None
    states: frozenset[ProblemState] | None = None
    department: str | None = None
    lead: str | None = None
    enterprise_id: str | None = None
    session_id: str | None = None
    category: str | None = None
    due_before: datetime | None = None

    def matches(self, problem: Problem) -> bool:
        """True if `problem` satisfies every condition of this query."""
        assignment = problem.assignment
        checks = (
            self.counties is None or problem.county in self.counties,
            self.states is None or problem.state in self.states,
            self.department is None or (assignment is not None and assignment.involves(self.department)),
            self.lead is None or (assignment is not None and assignment.lead == self.lead),
            self.enterprise_id is None or problem.enterprise_id == self.enterprise_id,
            self.session_id is None or problem.session_id == self.session_id,
            self.category is None or problem.category == self.category,
            self.due_before is None or any(due.cutoff <= self.due_before for due in problem.open_deadlines()),
        )
        return all(checks)


class WarningClock(NamedTuple):
    """A running clock at a warning level (预警期限): which problem, which clock, how urgent.

    What `UnitOfWork.warning_clocks` lists for the daily reminder sweep.  A
    named tuple rather than an attrs class: a province's sweep builds
    hundreds of thousands of them straight from database rows, and a tuple
    is made in half the time of a frozen attrs instance.
    """

    problem_id: str
    county: str
    clock: str
    last_day: date
    level: WarningLevel


#: A problem's indexed columns, its (department, role) pairs and its clocks (clock -> (cutoff, last day)).
DerivedIndex = tuple[dict[str, object], frozenset[tuple[str, str]], dict[str, tuple[datetime, date]]]


def problem_columns(problem: Problem) -> dict[str, Any]:
    """The columns a store keeps beside a problem's snapshot to query it by (the SQL `problems` row's)."""
    return {
        "county": problem.county,
        "enterprise_id": problem.enterprise_id,
        "session_id": problem.session_id,
        "category": problem.category,
        "state": problem.state.value,
        "lead": problem.lead_department,
        "version": problem.version,
        "last_hash": problem.last_hash,
    }


def derived_index(problem: Problem) -> DerivedIndex:
    """What a store derives from a problem to query it by: its columns, departments and running clocks.

    `govbiz verify` compares what a store holds (`UnitOfWork.stored_problems`) with this,
    computed from the problem replayed from its events.
    """
    columns: dict[str, object] = problem_columns(problem)
    departments: set[tuple[str, str]] = set()
    if problem.assignment is not None:
        departments = {(d, "co") for d in problem.assignment.co_handlers if d != problem.assignment.lead}
        departments.add((problem.assignment.lead, "lead"))
    clocks = {due.clock: (due.cutoff, due.last_day) for due in earliest_deadlines(problem)}
    return columns, frozenset(departments), clocks


@attrs.frozen(slots=True)
class StoredProblem:
    """A problem as a store holds it (存储的问题): the decoded snapshot and what was derived from it.

    `problem` is `None` when the stored snapshot cannot be decoded (`error` says why).
    """

    id: str
    problem: Problem | None
    index: DerivedIndex
    error: str = ""


@attrs.frozen(slots=True)
class StoredRecord:
    """A registry record as a store holds it: its kind, key, county column and version."""

    kind: RecordKind
    key: str
    county: str
    version: int
    record: Record | None
    error: str = ""


class UnitOfWork(ABC):
    """One command's reads and writes, committed together or not at all.

    Use it as a context manager: leaving the block without `commit`
    rolls back.  Reads see the committed state plus this unit's own writes.
    """

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    # -- reads ----------------------------------------------------------------------
    @abstractmethod
    def get_problem(self, problem_id: str) -> Problem | None:
        """The problem with this id, or `None`."""

    @abstractmethod
    def find_problems(self, query: ProblemQuery) -> Iterator[Problem]:
        """Problems matching `query`, ordered by id."""

    def warning_clocks(self, thresholds: Mapping[str, WarningThresholds]) -> Iterator[WarningClock]:
        """Running clocks at a warning level (not normal), by problem id, then clock name.

        `thresholds` maps each county to sweep to its dates as of the sweep
        (`govbiz.deadlines.DeadlinePolicy.thresholds`); problems of other
        counties are left out.  A clock running twice (it should not) is
        listed once, with its earliest deadline.  This default classifies
        the deadlines of the problems `find_problems` returns; SQL adapters
        compare the dates in the database instead.
        """
        if not thresholds:
            return
        # Any cutoff of a last day up to the latest threshold falls before this instant.
        latest = max(th.approaching_through for th in thresholds.values()) + timedelta(days=2)
        query = ProblemQuery(
            counties=frozenset(thresholds), due_before=datetime.combine(latest, time(), tzinfo=UTC)
        )
        for problem in self.find_problems(query):
            for due in sorted(earliest_deadlines(problem), key=lambda due: due.clock):
                level = thresholds[problem.county].level(due.last_day)
                if level is not WarningLevel.NORMAL:
                    yield WarningClock(problem.id, problem.county, due.clock, due.last_day, level)

    @abstractmethod
    def get_record(self, kind: RecordKind, key: str) -> Record | None:
        """The registry record of `kind` with this key, or `None`."""

    @abstractmethod
    def list_records(self, kind: RecordKind, counties: frozenset[str] | None = None) -> list[Record]:
        """Registry records of `kind` (in `counties` if given), ordered by key."""

    @abstractmethod
    def events(self, stream: str | None = None, stream_id: str | None = None) -> list[DomainEvent]:
        """Committed events, oldest first: all, one stream, or one record's."""

    @abstractmethod
    def next_number(self, counter: str) -> int:
        """The next number (1, 2, ...) of a named counter, for human-readable ids.

        Numbers may have gaps (a rolled-back command still uses its number)
        but are never handed out twice.
        """

    def stored_problems(self) -> Iterator[StoredProblem]:
        """Every stored problem as it is stored, with the columns and rows derived from it (for verify).

        Stores that keep derived columns (SQL: `state`, `lead`, department
        and clock rows) return those as read, not as recomputed.  This default
        says the store cannot list them.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot list its stored problems")

    def stored_records(self) -> Iterator[StoredRecord]:
        """Every stored registry record as it is stored (for verify); see `stored_problems`."""
        raise NotImplementedError(f"{type(self).__name__} cannot list its stored records")

    # -- writes ---------------------------------------------------------------------
    @abstractmethod
    def save_problem(self, problem: Problem, event: DomainEvent) -> None:
        """Stage `problem` at `event.version` together with `event`.

        At commit the stored version must be `event.version - 1` (no row
        for version 1), else `govbiz.errors.ConcurrencyError`.
        """

    @abstractmethod
    def save_record(self, kind: RecordKind, key: str, record: Record, event: DomainEvent) -> None:
        """Stage a registry record with its event (same version rule as problems)."""

    @abstractmethod
    def enqueue(self, entry: OutboxEntry) -> bool:
        """Stage a notification for the outbox, committed with this unit's events.

        Returns `False` (and stages nothing) when an entry with the same key
        is already queued, committed or staged: queuing is idempotent.
        """

    def enqueue_new(self, entry: OutboxEntry) -> None:
        """Stage a notification whose key names an event this unit commits.

        Called by the Ledger for the notifications of a command's own
        events: their keys (``<stream>:<id>:v<version>:...``) are new unless
        the command itself is refused, so a store need not look the key up
        the way `enqueue` does; a key found at commit is still stored once.
        This default calls `enqueue`.
        """
        self.enqueue(entry)

    @abstractmethod
    def commit(self) -> None:
        """Make every staged write durable atomically, or raise and keep none."""

    @abstractmethod
    def rollback(self) -> None:
        """Discard every staged write (harmless after commit)."""


class Store(ABC):
    """A storage adapter: a factory of units of work over one database.

    `clear_contacts` says what a ledger without a contact key ring does with
    enterprise contacts on this store (`govbiz.ports.cipher.ClearContacts`):
    a store that keeps nothing at rest allows them in clear; a SQL store on a
    shared server refuses them.
    """

    clear_contacts: ClearContacts = ClearContacts.ALLOW

    @abstractmethod
    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work for one command."""

    @abstractmethod
    def outbox(self) -> Outbox:
        """The outbox of notifications waiting for delivery (see `govbiz.ports.outbox`)."""

    def checkpoints(self) -> CheckpointLog:
        """The signed checkpoints of the anchored audit trail (锚定检查点) kept in this store."""
        raise NotImplementedError(f"{type(self).__name__} keeps no checkpoints")

    def redact_events(self, redacted: Sequence[DomainEvent]) -> None:
        """Replace stored events' payloads by `redacted`'s, all or none (历史事件脱敏, `govbiz.redaction`).

        Each event of `redacted` names a stored one by stream, id and version
        and keeps its hash; only the payload changes.  One not stored with
        that hash raises `govbiz.errors.ConcurrencyError` and nothing is
        changed.  Only for personal data a signed checkpoint has vouched for
        (`Redaction`): anything else would be what `govbiz verify` reports.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot redact its events")

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing
        """Release connections; the store is unusable afterwards."""

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold the lock `name` (互斥) while the block runs: one holder at a time.

        For work that reads, decides and then writes many records, which a
        unit's per-record conflicts do not cover: `govbiz import` holds
        `import:<county>` so two imports of one file register nothing twice.
        This default holds across the threads of this process, which is all
        an in-memory store has; a store shared by processes holds it across
        them (`govbiz.storage.sql.store.SQLStore.exclusive`).
        """
        with _process_lock(self, name):
            yield


_PROCESS_LOCKS: dict[tuple[int, str], threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(store: object, name: str) -> threading.Lock:
    """The lock of `name` for `store` in this process (created on first use)."""
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault((id(store), name), threading.Lock())


def earliest_deadlines(problem: Problem) -> list[DueDate]:
    """The open deadline of each running clock of `problem` (the earliest, should one run twice)."""
    earliest: dict[str, DueDate] = {}
    for due in problem.open_deadlines():
        if due.clock not in earliest or due.cutoff < earliest[due.clock].cutoff:
            earliest[due.clock] = due
    return list(earliest.values())
