"""A SQL store's unit of work (工作单元): one command's reads and staged writes.

A unit stages its writes in memory and reads the committed state overlaid
with them, exactly like `govbiz.storage.MemoryStore`.  Only
`SQLUnitOfWork.commit` writes, in one short transaction
(`govbiz.storage.sql.connections.Connections.committing`):

1. the versions are checked by conditional writes (`UPDATE ... WHERE version
   = expected`, or an `INSERT` that must not find the row), so two units
   that decided on the same version cannot both win, on any isolation level;
2. the state rows, their index rows (departments, running clocks) and the
   events go in together, or nothing does.

What it stages is public (`staged_problems`, `staged_records`,
`staged_events`, `staged_outbox`), for a store plugin that writes it its own
way (`govbiz_postgres.bulk`); the ledger itself only calls the
`govbiz.ports.storage.UnitOfWork` methods.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from govbiz.deadlines.warning import WarningThresholds
from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import STREAM as PROBLEM_STREAM
from govbiz.domain.problem import Problem
from govbiz.errors import ConcurrencyError
from govbiz.ports.outbox import OutboxEntry
from govbiz.ports.storage import (
    ProblemQuery,
    Record,
    RecordKind,
    StoredProblem,
    StoredRecord,
    UnitOfWork,
    WarningClock,
)
from govbiz.storage import codec
from govbiz.storage.sql import schema as t
from govbiz.storage.sql import stored
from govbiz.storage.sql.driver import StatementCache, StatementRunner, first_row, scalar
from govbiz.storage.sql.outbox import queued, write_entries
from govbiz.storage.sql.queries import gc_paused, problem_conditions
from govbiz.storage.sql.rows import (
    Rows,
    clock_rows,
    department_rows,
    event_from_row,
    problem_row,
    record_county,
    record_row,
)
from govbiz.storage.sql.statements import (
    CLOCK_INDEX,
    DEPARTMENT_INDEX,
    GET_PROBLEM,
    GET_RECORD,
    PROBLEM_STATE,
    RECORD_STATE,
    IndexStatements,
)

if TYPE_CHECKING:
    from govbiz.storage.sql.dialect import Dialect
    from govbiz.storage.sql.store import SQLStore

__all__ = ["ProblemIndex", "SQLUnitOfWork"]

#: A problem's department rows and clock rows.
ProblemIndex = tuple[Rows, Rows]


class SQLUnitOfWork(UnitOfWork):
    """One command's reads and staged writes on a `SQLStore` (`store`)."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store
        #: What this unit will write at commit: problems and records by key, their events in
        #: order, notifications by key.  Cleared when the unit ends.
        self.staged_problems: dict[str, Problem] = {}
        self.staged_records: dict[tuple[RecordKind, str], Record] = {}
        self.staged_events: list[DomainEvent] = []
        self.staged_outbox: dict[str, OutboxEntry] = {}
        self._connections = store.connections
        self._conn: Connection | None = None
        self._loaded: dict[str, Problem] = {}  # as read from the database, to diff index rows against
        self._encoded: dict[str, dict[str, Any]] = {}  # problem snapshots as encoded for the commit

    # -- reads ----------------------------------------------------------------------
    def get_problem(self, problem_id: str) -> Problem | None:
        if problem_id in self.staged_problems:
            return self.staged_problems[problem_id]
        snapshots = self.store.snapshots
        known = snapshots.get(problem_id)
        values = {"id": problem_id, "known": known.version if known is not None else 0}
        with self._reading() as conn:
            row = first_row(conn, self.store.statements.get(GET_PROBLEM), values)
        if row is None:
            return None
        version, data = row
        if data is None and known is not None and known.version == version:
            problem = known  # unchanged since this process last saw it
        else:
            problem = codec.decode_problem(data)
            snapshots.put(problem)
        self._loaded[problem_id] = problem
        return problem

    def find_problems(self, query: ProblemQuery) -> Iterator[Problem]:
        statement = sa.select(t.problems.c.data).where(*problem_conditions(query)).order_by(t.problems.c.id)
        with self._reading() as conn:
            rows = conn.execute(statement).scalars().all()
        staged = self.staged_problems
        found = {p.id: p for p in map(codec.decode_problem, rows) if p.id not in staged}
        found.update({key: p for key, p in staged.items() if query.matches(p)})
        for key in sorted(found):
            yield found[key]

    def warning_clocks(self, thresholds: Mapping[str, WarningThresholds]) -> Iterator[WarningClock]:
        """The stored clocks as the dialect reads them (`Dialect.warning_clocks`), with this unit's staged."""
        if not thresholds:
            return
        with self._reading() as conn, gc_paused():
            found = self.store.dialect.warning_clocks(conn, thresholds)
        staged = self.staged_problems
        if not staged:
            yield from found
            return
        # This unit's staged problems replace their stored rows (as in find_problems).
        mine = [c for c in super().warning_clocks(thresholds) if c.problem_id in staged]
        kept = [c for c in found if c.problem_id not in staged]
        yield from sorted(kept + mine, key=lambda c: (c.problem_id, c.clock))

    def get_record(self, kind: RecordKind, key: str) -> Record | None:
        if (kind, key) in self.staged_records:
            return self.staged_records[(kind, key)]
        registry = self.store.registry
        known = registry.get(kind, key)
        if known is not None:
            return known
        with self._reading() as conn:
            data = scalar(conn, self.store.statements.get(GET_RECORD), {"kind": kind.value, "key": key})
        if data is None:
            return None
        record = codec.decode_record(kind, data)
        registry.put(kind, key, record)
        return record

    def list_records(self, kind: RecordKind, counties: frozenset[str] | None = None) -> list[Record]:
        statement = sa.select(t.records.c.key, t.records.c.data).where(t.records.c.kind == kind.value)
        if counties is not None:
            statement = statement.where(t.records.c.county.in_(sorted(counties)))
        with self._reading() as conn:
            rows = {key: codec.decode_record(kind, data) for key, data in conn.execute(statement)}
        for (staged_kind, key), record in self.staged_records.items():
            if staged_kind is kind and (counties is None or record_county(record) in counties):
                rows[key] = record
        return [rows[key] for key in sorted(rows)]

    def events(self, stream: str | None = None, stream_id: str | None = None) -> list[DomainEvent]:
        statement = sa.select(t.events).order_by(t.events.c.position)
        if stream is not None:
            statement = statement.where(t.events.c.stream == stream)
        if stream_id is not None:
            statement = statement.where(t.events.c.stream_id == stream_id)
        with self._reading() as conn:
            return [event_from_row(row) for row in conn.execute(statement).mappings()]

    def stored_problems(self) -> Iterator[StoredProblem]:
        with self._connections.reading() as conn:
            return iter(list(stored.stored_problems(conn)))

    def stored_records(self) -> Iterator[StoredRecord]:
        with self._connections.reading() as conn:
            return iter(list(stored.stored_records(conn)))

    def next_number(self, counter: str) -> int:
        # Its own transaction, committed at once: the number stays used even if
        # this unit rolls back, so no other unit can ever be handed it.
        with self._connections.writing() as conn:
            return self.store.dialect.next_number(conn, counter)

    # -- writes ---------------------------------------------------------------------
    def save_problem(self, problem: Problem, event: DomainEvent) -> None:
        self.staged_problems[problem.id] = problem
        self.staged_events.append(event)

    def save_record(self, kind: RecordKind, key: str, record: Record, event: DomainEvent) -> None:
        self.staged_records[(kind, key)] = record
        self.staged_events.append(event)

    def enqueue(self, entry: OutboxEntry) -> bool:
        if entry.key in self.staged_outbox:
            return False
        with self._reading() as conn:
            if queued(conn, entry.key):
                return False
        self.staged_outbox[entry.key] = entry
        return True

    def enqueue_new(self, entry: OutboxEntry) -> None:
        # No read: a key already stored is skipped by the INSERT at commit.
        self.staged_outbox.setdefault(entry.key, entry)

    def commit(self) -> None:
        events = self.staged_events
        if events or self.staged_outbox:
            store = self.store
            held, self._conn = self._conn, None
            statements = store.statements
            with self._connections.committing(held) as run:
                for (stream, stream_id), (first, last) in _stream_versions(events).items():
                    self.write_state(run, stream, stream_id, first, last)
                store.dialect.append_events(run, statements, events)
                # The notifications go in the events' transaction, and waiting workers hear of them.
                staged = list(self.staged_outbox.values())
                write_entries(run, statements, staged)
                if staged:
                    store.dialect.announce_work(run, statements, {e.county for e in staged})
            registry, snapshots = store.registry, store.snapshots
            for kind, key in self.staged_records:  # written here: whatever was remembered is stale
                registry.forget(kind, key)
            for problem in self.staged_problems.values():  # committed: the next command may start from it
                snapshots.put(problem, self._encoded.get(problem.id))
        self.rollback()

    def rollback(self) -> None:
        """Forget everything staged and give back this unit's connection."""
        self.staged_problems.clear()
        self.staged_records.clear()
        self.staged_events.clear()
        self.staged_outbox.clear()
        self._loaded.clear()
        self._encoded.clear()
        held, self._conn = self._conn, None
        if held is not None:
            self._connections.release(held)

    def _reading(self) -> AbstractContextManager[Connection]:
        """This unit's connection, for one read.

        Checked out at the first read and kept until the commit writes on it or
        the unit ends: one checkout (on PostgreSQL one pre-ping round trip) per
        command rather than one per read.
        """
        if self._conn is None:
            self._conn = self._connections.hold()
        return self._connections.reading_on(self._conn)

    def write_state(self, run: StatementRunner, stream: str, stream_id: str, first: int, last: int) -> None:
        """Write the staged state of one record at version `last` if its stored version is still `first - 1`.

        `stream` and `stream_id` name a staged problem (with its department
        and clock rows) or registry record; `first` is the first version this
        unit staged of it.  A version stored meanwhile raises
        `govbiz.errors.ConcurrencyError` naming it.  The commit calls it per
        record, in its transaction on `run`; so may a store plugin that writes
        the staged events its own way (`govbiz_postgres.bulk`).
        """
        statements = self.store.statements
        if stream == PROBLEM_STREAM:
            state, key = PROBLEM_STATE, {"key_id": stream_id}
            like = self.store.snapshots.encoded(stream_id)
            row = problem_row(self.staged_problems[stream_id], like=like)
            self._encoded[stream_id] = row["data"]
        else:
            kind = RecordKind(stream)
            state, key = RECORD_STATE, {"key_kind": kind.value, "key_key": stream_id}
            row = record_row(kind, stream_id, self.staged_records[(kind, stream_id)])
        row["version"] = last
        expected = first - 1
        version = statements.get(state.version)
        if expected == 0:
            stored = run.scalar(version, key)
            if stored is not None:
                raise ConcurrencyError(stream, stream_id, expected, stored)
            try:
                run.execute(statements.get(state.insert, tuple(row)), row)
                run.flush()
            except sa.exc.IntegrityError as error:  # created meanwhile by another unit
                raise ConcurrencyError(stream, stream_id, expected, 1) from error
        else:
            changes = {column: value for column, value in row.items() if column not in state.fixed}
            if stream == PROBLEM_STREAM:
                _leave_unchanged(changes, self._loaded.get(stream_id), expected)

            def refuse() -> None:  # another unit's version won: name the version it stored
                raise ConcurrencyError(stream, stream_id, expected, run.scalar(version, key))

            update = statements.get(state.update, tuple(changes))
            run.expect_one(update, {**changes, **key, "expected": expected}, refuse)
        if stream == PROBLEM_STREAM:
            _write_problem_index(
                run,
                statements,
                self.store.dialect,
                self.staged_problems[stream_id],
                self._stored(stream_id, expected),
            )

    def _stored(self, problem_id: str, version: int) -> Problem | ProblemIndex | None:
        """What this unit knows of the index rows stored with `version` of a problem.

        The rows themselves for a new problem (none: foreign keys leave no
        rows behind), the problem as loaded at that version (its rows derive
        from it), or `None` when this unit does not know that version.
        """
        if version == 0:
            return [], []
        loaded = self._loaded.get(problem_id)
        if loaded is None or loaded.version != version:
            return None
        return loaded


def _stream_versions(events: Sequence[DomainEvent]) -> dict[tuple[str, str], tuple[int, int]]:
    """First and last version staged per record; versions within a unit must follow on."""
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for event in events:
        key = (event.stream, event.stream_id)
        if key in spans and event.version != spans[key][1] + 1:
            raise ConcurrencyError(event.stream, event.stream_id, event.version - 1, spans[key][1])
        spans[key] = (spans[key][0] if key in spans else event.version, event.version)
    return spans


def _leave_unchanged(changes: dict[str, Any], loaded: Problem | None, version: int) -> None:
    """Drop from a problem's `changes` the indexed columns equal in `loaded`, the `version` it replaces.

    SQLite and PostgreSQL rewrite an index entry for every column in the
    ``SET`` list, changed or not; most commands change the state and
    nothing else a query filters on, so the session, category and lead
    indexes are left alone (each one fewer page in the commit's WAL).
    """
    if loaded is None or loaded.version != version:
        return  # not known: set them all
    unchanged = (
        ("session_id", loaded.session_id),
        ("category", loaded.category),
        ("lead", loaded.lead_department),
        ("state", loaded.state.value),
    )
    for column, value in unchanged:
        if changes[column] == value:
            del changes[column]


def _write_problem_index(
    run: StatementRunner,
    statements: StatementCache,
    dialect: Dialect,
    problem: Problem,
    stored: Problem | ProblemIndex | None,
) -> None:
    """Bring the department and running-clock rows of `problem` up to date.

    `stored` is the version this commit replaces (or the rows stored with
    it): the version check has just confirmed that version, and each
    version's rows are written in its own transaction, so only rows that
    differ from them are deleted and inserted (most commands change one
    clock, or none).  Without it, every row is replaced.  Rows are not even
    derived where the version replaced shares what they derive from: the
    department rows come from the assignment alone (most commands keep
    the very object), the clock rows from it, the state and the suspension.
    """
    pid = problem.id
    if isinstance(stored, Problem):
        if problem.assignment is not stored.assignment:
            before, after = department_rows(stored), department_rows(problem)
            _write_rows(run, statements, dialect, DEPARTMENT_INDEX, pid, before=before, after=after)
        if not _same_clocks(stored, problem):
            before, after = clock_rows(stored), clock_rows(problem)
            _write_rows(run, statements, dialect, CLOCK_INDEX, pid, before=before, after=after)
        return
    departments, clocks = stored or (None, None)
    _write_rows(
        run, statements, dialect, DEPARTMENT_INDEX, pid, before=departments, after=department_rows(problem)
    )
    _write_rows(run, statements, dialect, CLOCK_INDEX, pid, before=clocks, after=clock_rows(problem))


def _same_clocks(old: Problem, new: Problem) -> bool:
    """Whether two versions of a problem have the same clock rows (`clock_rows`), without deriving them."""
    return (
        old.assignment is new.assignment
        and old.state is new.state
        and old.county == new.county
        and old.suspended == new.suspended
    )


def _write_rows(
    run: StatementRunner,
    statements: StatementCache,
    dialect: Dialect,
    index: IndexStatements,
    problem_id: str,
    *,
    before: Rows | None,
    after: Rows,
) -> None:
    """Turn a problem's rows in `index`'s table from `before` (`None`: unknown) into `after`."""
    if before is None:
        dialect.forget_rows(run, statements, index, problem_id, None)
        before = []
    name = index.key.name
    old = {row[name]: row for row in before}
    new = {row[name]: row for row in after}
    stale = [key for key, row in old.items() if new.get(key) != row]
    fresh = [row for key, row in new.items() if old.get(key) != row]
    if stale:
        dialect.forget_rows(run, statements, index, problem_id, stale)
    if fresh:
        run.executemany(statements.get(index.insert, index.columns), fresh)
