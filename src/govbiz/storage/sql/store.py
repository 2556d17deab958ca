"""The SQL store: units of work over a SQLAlchemy engine, for any dialect.

A unit of work stages its writes in memory and reads the committed state
overlaid with them, exactly like `govbiz.storage.MemoryStore`.  Only
`SQLUnitOfWork.commit` writes, in one short transaction:

1. the versions are checked by conditional writes (`UPDATE ... WHERE version
   = expected`, or an `INSERT` that must not find the row), so two units
   that decided on the same version cannot both win, on any isolation level;
2. the state rows, their index rows (departments, running clocks) and the
   events go in together, or nothing does.

Holding no transaction while the command thinks keeps write locks short, which
matters most on SQLite, where there is one writer at a time.  A unit does
keep one pooled connection, from its first read until it ends: each read
ends its own transaction at once, and the commit writes on the same
connection, so a command checks out one connection, not one per read.

Dialect-specific set-up (connection pragmas, how a write transaction begins)
lives with the dialect's adapter, e.g. `govbiz.storage.sql.sqlite`; it only
has to honour `WRITE_OPTION`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from govbiz.deadlines.warning import WarningLevel, WarningThresholds
from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import STREAM as PROBLEM_STREAM
from govbiz.domain.problem import Problem
from govbiz.errors import ConcurrencyError, StorageError
from govbiz.ports.outbox import Outbox, OutboxEntry
from govbiz.ports.storage import (
    ProblemQuery,
    Record,
    RecordKind,
    Store,
    UnitOfWork,
    WarningClock,
    earliest_deadlines,
)
from govbiz.storage import codec
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.driver import StatementCache, StatementRunner, first_row, scalar
from govbiz.storage.sql.outbox import SQLOutbox, queued, write_entries

__all__ = [
    "EVENT_COLUMNS",
    "LEVELS",
    "LEVEL_CODES",
    "WRITE_OPTION",
    "SQLStore",
    "SQLUnitOfWork",
    "SnapshotCache",
    "gc_paused",
    "problem_conditions",
    "warning_query",
]

#: Rows of one index table for one problem, and a problem's department and clock rows.
Rows = list[dict[str, Any]]
ProblemIndex = tuple[Rows, Rows]

#: Execution option set on connections that will write.  A dialect adapter may
#: begin their transactions differently (SQLite: ``BEGIN IMMEDIATE``).
WRITE_OPTION = "govbiz_write"


class SQLStore(Store):
    """A store on a SQLAlchemy engine whose database has the govbiz schema.

    Use a dialect's opener (`govbiz.storage.sql.sqlite.open_sqlite`, or a
    plugin's) rather than this constructor: it checks and upgrades the
    schema first.  `location` names the database in error messages;
    `serialize` makes every database call take a lock, for engines that
    share one connection between threads (an in-memory SQLite database).
    """

    #: The statement that begins a unit's write transaction on the driver connection, for
    #: dialects whose pooled connections run in autocommit (``None``: SQLAlchemy begins it).
    BEGIN: str | None = None

    #: Whether a unit of work's connection is kept for the next unit (see `release`) rather
    #: than returned to the pool: for dialects whose connections never go stale unseen.
    KEEP_CONNECTION = False

    def __init__(self, engine: Engine, *, location: str | None = None, serialize: bool = False) -> None:
        self.engine = engine
        self.location = location or engine.url.render_as_string(hide_password=True)
        self._lock: threading.RLock | None = threading.RLock() if serialize else None
        self._registry = RegistryCache()
        self._snapshots = SnapshotCache()
        self.statements = StatementCache(engine.dialect)
        self._kept: Connection | None = None  # see `release`
        self._keeping = threading.Lock()

    def unit_of_work(self) -> SQLUnitOfWork:
        """A new unit of work over this store."""
        return SQLUnitOfWork(self)

    def outbox(self) -> Outbox:
        """The outbox of queued notifications (see `govbiz.storage.sql.outbox`)."""
        return SQLOutbox(self)

    def close(self) -> None:
        """Close every pooled connection (and the one kept for the next unit of work)."""
        with self._keeping:
            kept, self._kept = self._kept, None
        if kept is not None:
            kept.close()
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A pooled connection for reads, returned on exit; its transaction is rolled back."""
        with self._serialized(), self._errors(), self.connect_for_reads() as conn:
            yield conn

    @contextmanager
    def reading_on(self, conn: Connection) -> Iterator[Connection]:
        """Read on `conn`, a connection a unit of work holds; its transaction ends on exit.

        Ending it at once means a unit holds no snapshot and no lock while its
        command thinks, only the connection.
        """
        with self._serialized(), self._errors():
            try:
                yield conn
            finally:
                conn.rollback()

    def connect_for_reads(self) -> Connection:
        """A new pooled connection set up for reads (a dialect may set it to autocommit)."""
        return self.engine.connect()

    def hold(self) -> Connection:
        """A connection for a unit of work to keep for its reads; give it back with `release`."""
        with self._keeping:
            kept, self._kept = self._kept, None
        if kept is not None:
            return kept
        with self._serialized(), self._errors():
            return self.connect_for_reads()

    def release(self, conn: Connection) -> None:
        """Give back a connection from `hold`: kept for the next unit, or returned to the pool.

        With `KEEP_CONNECTION`, one idle connection is kept as it is, so the
        next unit skips the pool's checkout and check-in (16 µs on SQLite,
        a twentieth of a command's Python).  Only a clean one is kept: open,
        valid, outside a transaction and not set up for writes.
        """
        if self.KEEP_CONNECTION and _clean(conn):
            with self._keeping:
                if self._kept is None:
                    self._kept = conn
                    return
        with self._serialized(), self._errors():
            conn.close()

    @contextmanager
    def writing(self, conn: Connection | None = None) -> Iterator[Connection]:
        """A connection in a write transaction: committed on success, rolled back on error.

        `conn`, a connection from `hold` that a unit of work kept for its
        reads, is written on (saving a checkout) and returned to the pool on exit.
        """
        with self._serialized(), self._errors(), conn or self.engine.connect() as writer:
            self.prepare_write(writer)
            with writer.begin():
                yield writer

    def prepare_write(self, conn: Connection) -> None:
        """Dialect hook: make `conn` (new, or held for reads) ready for a write transaction."""
        conn.execution_options(**{WRITE_OPTION: True})

    @contextmanager
    def committing(self, held: Connection | None = None) -> Iterator[StatementRunner]:
        """A unit of work's write transaction: a `StatementRunner`, committed on success.

        On `held` (the unit's connection, returned to the pool on exit) or a
        new one.  Where the dialect names its `BEGIN`, the transaction is
        begun and ended on the driver connection, outside SQLAlchemy's
        transaction bookkeeping (on PostgreSQL the ``BEGIN`` then travels in
        the commit's pipeline); otherwise it is `writing`'s.
        """
        if self.BEGIN is None:
            with self.writing(held) as conn, self.runner(conn) as run:
                yield run
            return
        conn = held or self.hold()
        try:
            with self._serialized(), self._errors():
                run = self.new_runner(conn)
                try:
                    run.begin(self.BEGIN)
                    yield run
                    run.commit()
                except BaseException:
                    run.rollback()
                    raise
                finally:
                    run.close()
        finally:
            self.release(conn)

    def new_runner(self, conn: Connection) -> StatementRunner:
        """Dialect hook: the `StatementRunner` a unit's writes use (this one runs each at once)."""
        return StatementRunner(conn)

    @contextmanager
    def runner(self, conn: Connection) -> Iterator[StatementRunner]:
        """Dialect hook: the `StatementRunner` for a unit's writes on `conn`, flushed on exit.

        This one runs each write at once; a dialect may queue them (see
        `govbiz.storage.sql.driver`).
        """
        run = self.new_runner(conn)
        try:
            yield run
            run.flush()
        finally:
            run.close()

    def before_append(self, run: StatementRunner) -> None:
        """Dialect hook: called in a unit's write transaction just before its events go in.

        Event positions must follow commit order (readers page the log by
        position).  SQLite has one writer at a time, so nothing is needed here;
        a dialect with concurrent writers (PostgreSQL) serialises this step
        until commit, e.g. with a transaction-level lock.
        """

    def append_events(self, run: StatementRunner, events: Sequence[DomainEvent]) -> None:
        """Dialect hook: insert a unit's events, in its write transaction, after its state writes.

        This one calls `before_append`, then inserts them; a dialect may do
        both in one statement.
        """
        self.before_append(run)  # after the version checks: a refused unit never takes it
        if events:
            run.executemany(self.statements.get(_INSERT_EVENT, EVENT_COLUMNS), map(event_row, events))

    def _serialized(self) -> AbstractContextManager[Any]:
        return self._lock if self._lock is not None else nullcontext()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database failures become `StorageError` naming this database."""
        try:
            yield
        except sa.exc.OperationalError as error:
            raise StorageError(self.location, _reason(error)) from error


def _clean(conn: Connection) -> bool:
    """Whether `conn` can serve another unit of work as it is."""
    if conn.closed or conn.invalidated or conn.in_transaction():
        return False
    if getattr(conn.connection.driver_connection, "in_transaction", False):  # begun on the driver (sqlite3)
        return False
    return not conn.get_execution_options().get(WRITE_OPTION, False)


def _reason(error: sa.exc.DBAPIError) -> str:
    text = str(error.orig)
    if "locked" in text or "busy" in text:
        return f"the database stayed busy (locked by another writer) for too long: {text}"
    return text


class RegistryCache:
    """Registry records (登记信息) a store has read, so a command reads each at most once per process.

    The Ledger registers a division, department, enterprise, session,
    lasting rule or circular once and never writes a second version of it, so a
    record found is the record for good: an assignment reads its session, its
    departments and the enterprise without a round trip once they are known.
    Only records found are kept (one missing now may be registered by another
    process), a unit that writes a record drops it, and the oldest go first
    beyond `limit`.
    """

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._records: dict[tuple[RecordKind, str], Record] = {}

    def get(self, kind: RecordKind, key: str) -> Record | None:
        return self._records.get((kind, key))

    def put(self, kind: RecordKind, key: str, record: Record) -> None:
        if len(self._records) >= self.limit:
            self._records.pop(next(iter(self._records)), None)
        self._records[(kind, key)] = record

    def forget(self, kind: RecordKind, key: str) -> None:
        self._records.pop((kind, key), None)


class SnapshotCache:
    """The latest problem snapshots (问题快照) a store has read or committed, by problem id.

    A version of a problem is written once, with its version check, so the
    snapshot of a given version never changes: a unit that knows one asks
    the database for the problem's version and gets the snapshot only if it
    has moved on.  Most commands on a problem follow one another in the same
    process, so they skip sending, parsing and decoding the JSON document.
    A snapshot this process encoded is kept with it: the next version
    reuses the parts it shares (`govbiz.storage.codec.encode_problem`).
    The oldest go first beyond `limit`.
    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._problems: dict[str, tuple[Problem, dict[str, Any] | None]] = {}

    def get(self, problem_id: str) -> Problem | None:
        found = self._problems.get(problem_id)
        return None if found is None else found[0]

    def encoded(self, problem_id: str) -> tuple[Problem, dict[str, Any]] | None:
        """The known version of a problem with the snapshot this process encoded of it, if any."""
        found = self._problems.get(problem_id)
        if found is None or found[1] is None:
            return None
        return found[0], found[1]

    def put(self, problem: Problem, data: dict[str, Any] | None = None) -> None:
        """Remember `problem`, with `data`, its snapshot as encoded here (never to be changed)."""
        self._problems.pop(problem.id, None)  # re-inserted last: the most recently seen go last
        if len(self._problems) >= self.limit:
            self._problems.pop(next(iter(self._problems)), None)
        self._problems[problem.id] = (problem, data)


class SQLUnitOfWork(UnitOfWork):
    """One command's reads and staged writes on a `SQLStore`."""

    def __init__(self, store: SQLStore) -> None:
        self._store = store
        self._conn: Connection | None = None
        self._problems: dict[str, Problem] = {}
        self._records: dict[tuple[RecordKind, str], Record] = {}
        self._events: list[DomainEvent] = []
        self._outbox: dict[str, OutboxEntry] = {}
        self._loaded: dict[str, Problem] = {}  # as read from the database, to diff index rows against
        self._encoded: dict[str, dict[str, Any]] = {}  # problem snapshots as encoded for the commit

    # -- reads ----------------------------------------------------------------------
    def get_problem(self, problem_id: str) -> Problem | None:
        if problem_id in self._problems:
            return self._problems[problem_id]
        known = self._store._snapshots.get(problem_id)
        values = {"id": problem_id, "known": known.version if known is not None else 0}
        with self._reading() as conn:
            row = first_row(conn, self._store.statements.get(_GET_PROBLEM), values)
        if row is None:
            return None
        version, data = row
        if data is None and known is not None and known.version == version:
            problem = known  # unchanged since this process last saw it
        else:
            problem = codec.decode_problem(data)
            self._store._snapshots.put(problem)
        self._loaded[problem_id] = problem
        return problem

    def find_problems(self, query: ProblemQuery) -> Iterator[Problem]:
        statement = sa.select(t.problems.c.data).where(*problem_conditions(query)).order_by(t.problems.c.id)
        with self._reading() as conn:
            rows = conn.execute(statement).scalars().all()
        found = {p.id: p for p in map(codec.decode_problem, rows) if p.id not in self._problems}
        found.update({key: p for key, p in self._problems.items() if query.matches(p)})
        for key in sorted(found):
            yield found[key]

    def warning_clocks(self, thresholds: Mapping[str, WarningThresholds]) -> Iterator[WarningClock]:
        """Classified in SQL: `problem_clocks.last_day` against each county's dates (see `warning_query`)."""
        if not thresholds:
            return
        with self._reading() as conn, gc_paused():
            rows = conn.execute(warning_query(thresholds)).all()
            level = LEVELS
            found = [WarningClock(p, county, clock, day, level[name]) for p, county, clock, day, name in rows]
        if not self._problems:
            yield from found
            return
        # This unit's staged problems replace their stored rows (as in find_problems).
        staged = [c for c in super().warning_clocks(thresholds) if c.problem_id in self._problems]
        kept = [c for c in found if c.problem_id not in self._problems]
        yield from sorted(kept + staged, key=lambda c: (c.problem_id, c.clock))

    def get_record(self, kind: RecordKind, key: str) -> Record | None:
        if (kind, key) in self._records:
            return self._records[(kind, key)]
        known = self._store._registry.get(kind, key)
        if known is not None:
            return known
        with self._reading() as conn:
            data = scalar(conn, self._store.statements.get(_GET_RECORD), {"kind": kind.value, "key": key})
        if data is None:
            return None
        record = codec.decode_record(kind, data)
        self._store._registry.put(kind, key, record)
        return record

    def list_records(self, kind: RecordKind, counties: frozenset[str] | None = None) -> list[Record]:
        statement = sa.select(t.records.c.key, t.records.c.data).where(t.records.c.kind == kind.value)
        if counties is not None:
            statement = statement.where(t.records.c.county.in_(sorted(counties)))
        with self._reading() as conn:
            rows = {key: codec.decode_record(kind, data) for key, data in conn.execute(statement)}
        for (staged_kind, key), record in self._records.items():
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

    def next_number(self, counter: str) -> int:
        # Its own transaction, committed at once: the number stays used even if
        # this unit rolls back, so no other unit can ever be handed it.
        c = t.counters.c
        with self._store.writing() as conn:
            bumped = conn.execute(sa.update(t.counters).where(c.name == counter).values(value=c.value + 1))
            if bumped.rowcount == 0:
                conn.execute(sa.insert(t.counters).values(name=counter, value=1))
                return 1
            return int(conn.execute(sa.select(c.value).where(c.name == counter)).scalar_one())

    # -- writes ---------------------------------------------------------------------
    def save_problem(self, problem: Problem, event: DomainEvent) -> None:
        self._problems[problem.id] = problem
        self._events.append(event)

    def save_record(self, kind: RecordKind, key: str, record: Record, event: DomainEvent) -> None:
        self._records[(kind, key)] = record
        self._events.append(event)

    def enqueue(self, entry: OutboxEntry) -> bool:
        if entry.key in self._outbox:
            return False
        with self._reading() as conn:
            if queued(conn, entry.key):
                return False
        self._outbox[entry.key] = entry
        return True

    def enqueue_new(self, entry: OutboxEntry) -> None:
        # No read: a key already stored is skipped by the INSERT at commit.
        self._outbox.setdefault(entry.key, entry)

    def commit(self) -> None:
        if self._events or self._outbox:
            held, self._conn = self._conn, None
            statements = self._store.statements
            with self._store.committing(held) as run:
                for (stream, stream_id), (first, last) in _stream_versions(self._events).items():
                    self._write_state(run, stream, stream_id, first, last)
                self._store.append_events(run, self._events)
                write_entries(run, statements, list(self._outbox.values()))  # in the events' transaction
            for kind, key in self._records:  # written here: whatever was remembered is stale
                self._store._registry.forget(kind, key)
            for problem in self._problems.values():  # committed: the next command may start from it
                self._store._snapshots.put(problem, self._encoded.get(problem.id))
        self.rollback()

    def rollback(self) -> None:
        self._problems.clear()
        self._records.clear()
        self._events.clear()
        self._outbox.clear()
        self._loaded.clear()
        self._encoded.clear()
        self._release()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """This unit's connection, for one read.

        Checked out at the first read and kept until the commit writes on it or
        the unit ends: one checkout (on PostgreSQL one pre-ping round trip) per
        command rather than one per read.
        """
        if self._conn is None:
            self._conn = self._store.hold()
        with self._store.reading_on(self._conn) as conn:
            yield conn

    def _release(self) -> None:
        held, self._conn = self._conn, None
        if held is not None:
            self._store.release(held)

    def _write_state(self, run: StatementRunner, stream: str, stream_id: str, first: int, last: int) -> None:
        """Write one record's new state if its stored version is still `first - 1`."""
        if stream == PROBLEM_STREAM:
            state, key = _PROBLEM_STATE, {"key_id": stream_id}
            row = problem_row(self._problems[stream_id], like=self._store._snapshots.encoded(stream_id))
            self._encoded[stream_id] = row["data"]
        else:
            kind = RecordKind(stream)
            state, key = _RECORD_STATE, {"key_kind": kind.value, "key_key": stream_id}
            row = record_row(kind, stream_id, self._records[(kind, stream_id)])
        row["version"] = last
        expected = first - 1
        statements = self._store.statements
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
            stored_index = self._stored_index(stream_id, expected)
            _write_problem_index(run, statements, self._problems[stream_id], stored_index)

    def _stored_index(self, problem_id: str, version: int) -> ProblemIndex | None:
        """The index rows stored with `version` of a problem, if this unit knows them."""
        if version == 0:
            return [], []  # a new problem: foreign keys leave no rows behind
        loaded = self._loaded.get(problem_id)
        if loaded is None or loaded.version != version:
            return None
        return department_rows(loaded), clock_rows(loaded)


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


def _stream_versions(events: Sequence[DomainEvent]) -> dict[tuple[str, str], tuple[int, int]]:
    """First and last version staged per record; versions within a unit must follow on."""
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for event in events:
        key = (event.stream, event.stream_id)
        if key in spans and event.version != spans[key][1] + 1:
            raise ConcurrencyError(event.stream, event.stream_id, event.version - 1, spans[key][1])
        spans[key] = (spans[key][0] if key in spans else event.version, event.version)
    return spans


def _write_problem_index(
    run: StatementRunner, statements: StatementCache, problem: Problem, stored: ProblemIndex | None
) -> None:
    """Bring the department and running-clock rows of `problem` up to date.

    `stored` are the rows stored with the version this commit replaces: the
    version check has just confirmed that version, and each version's rows
    are written in its own transaction, so only rows that differ from them are
    deleted and inserted (most commands change one clock, or none).  Without
    them, every row is replaced.
    """
    departments, clocks = stored or (None, None)
    department = t.problem_departments.c.department
    clock = t.problem_clocks.c.clock
    _write_rows(run, statements, department, problem.id, before=departments, after=department_rows(problem))
    _write_rows(run, statements, clock, problem.id, before=clocks, after=clock_rows(problem))


def _write_rows(
    run: StatementRunner,
    statements: StatementCache,
    key: sa.Column[str],
    problem_id: str,
    *,
    before: Rows | None,
    after: Rows,
) -> None:
    """Turn a problem's rows in `key`'s table from `before` (`None`: unknown) into `after`."""
    index = _INDEX[key.table.name]
    if before is None:
        run.execute(statements.get(index.delete_all), {"problem_id": problem_id})
        before = []
    old = {row[key.name]: row for row in before}
    new = {row[key.name]: row for row in after}
    stale = [{"problem_id": problem_id, "key": name} for name, row in old.items() if new.get(name) != row]
    fresh = [row for name, row in new.items() if old.get(name) != row]
    if stale:
        run.executemany(statements.get(index.delete), stale)
    if fresh:
        run.executemany(statements.get(index.insert, index.columns), fresh)


# --- statements ---------------------------------------------------------------------------
# Built once: building a statement and computing its cache key on every call cost more
# Python time than the database took to run it.

# A problem's version, and its snapshot unless the version is the one already known.
_GET_PROBLEM = sa.select(
    t.problems.c.version,
    sa.type_coerce(
        sa.case((t.problems.c.version == sa.bindparam("known"), sa.null()), else_=t.problems.c.data),
        t.JSONDocument,
    ),
).where(t.problems.c.id == sa.bindparam("id"))
_GET_RECORD = sa.select(t.records.c.data).where(
    t.records.c.kind == sa.bindparam("kind"), t.records.c.key == sa.bindparam("key")
)
_INSERT_EVENT = sa.insert(t.events).inline()  # no RETURNING of the position
#: The columns of an `events` row as `event_row` gives them (the position is the database's).
EVENT_COLUMNS = tuple(c.name for c in t.events.columns if c.name != "position")


class _StateStatements(NamedTuple):
    """A state table's statements: its key bound as ``key_<column>``, the version as ``expected``."""

    version: sa.Select[int]
    insert: sa.Insert
    update: sa.Update  # the SET clause comes from the row given to execute
    fixed: frozenset[str]  # columns an update never sets: the key and what never changes


def _state_statements(table: sa.Table, *key: str, fixed: tuple[str, ...] = ()) -> _StateStatements:
    where = [table.c[name] == sa.bindparam(f"key_{name}") for name in key]
    return _StateStatements(
        version=sa.select(table.c.version).where(*where),
        insert=sa.insert(table),
        update=sa.update(table).where(*where, table.c.version == sa.bindparam("expected")),
        fixed=frozenset((*key, *fixed)),
    )


# A problem never moves to another county or enterprise: an update leaves those columns
# (and their indexes) alone, which keeps the statement and its WAL record smaller.
_PROBLEM_STATE = _state_statements(t.problems, "id", fixed=("county", "enterprise_id"))
_RECORD_STATE = _state_statements(t.records, "kind", "key", fixed=("county",))


class _IndexStatements(NamedTuple):
    """An index table's statements, bound by ``problem_id`` (and ``key``, one row's key to delete)."""

    delete_all: sa.Delete
    delete: sa.Delete
    insert: sa.Insert
    columns: tuple[str, ...]


def _index_statements(key: sa.Column[str]) -> _IndexStatements:
    table = key.table
    mine = table.c.problem_id == sa.bindparam("problem_id")
    return _IndexStatements(
        delete_all=sa.delete(table).where(mine),
        delete=sa.delete(table).where(mine, key == sa.bindparam("key")),
        insert=sa.insert(table),
        columns=tuple(c.name for c in table.columns),
    )


_INDEX = {
    key.table.name: _index_statements(key)
    for key in (t.problem_departments.c.department, t.problem_clocks.c.clock)
}


# --- rows ---------------------------------------------------------------------------------


def problem_row(problem: Problem, *, like: tuple[Problem, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The `problems` row of a problem: its snapshot and the columns queries filter on.

    `like`: another version of it and its snapshot, whose shared parts the
    snapshot reuses (see `govbiz.storage.codec.encode_problem`).
    """
    return {
        "id": problem.id,
        "county": problem.county,
        "enterprise_id": problem.enterprise_id,
        "session_id": problem.session_id,
        "category": problem.category,
        "state": problem.state.value,
        "lead": problem.lead_department,
        "version": problem.version,
        "updated_at": problem.updated_at,
        "last_hash": problem.last_hash,
        "data": codec.encode_problem(problem, like=like),
    }


def department_rows(problem: Problem) -> list[dict[str, Any]]:
    """The lead (主办) and co-handling (协办) departments of the current assignment."""
    if problem.assignment is None:
        return []
    roles = dict.fromkeys(problem.assignment.co_handlers, "co")
    roles[problem.assignment.lead] = "lead"
    return [{"problem_id": problem.id, "department": d, "role": r} for d, r in roles.items()]


def clock_rows(problem: Problem) -> list[dict[str, Any]]:
    """One row per running clock, with its earliest cutoff (what `due_before` compares) and last day."""
    return [
        {
            "problem_id": problem.id,
            "clock": due.clock,
            "county": problem.county,
            "cutoff": due.cutoff,
            "last_day": due.last_day,
        }
        for due in earliest_deadlines(problem)
    ]


def record_row(kind: RecordKind, key: str, record: Record) -> dict[str, Any]:
    """The `records` row of a registry record."""
    return {
        "kind": kind.value,
        "key": key,
        "county": record_county(record),
        "version": 1,
        "data": codec.encode_record(record),
    }


def record_county(record: Record) -> str:
    """The division a record belongs to (a division belongs to itself)."""
    return str(getattr(record, "county", None) or getattr(record, "code", ""))


def event_row(event: DomainEvent) -> dict[str, Any]:
    """The `events` row of an event (`occurred_at` as exact text: the hash covers it)."""
    return {
        "stream": event.stream,
        "stream_id": event.stream_id,
        "version": event.version,
        "kind": event.kind,
        "county": event.county,
        "occurred_at": event.occurred_at.isoformat(),
        "occurred_utc": event.occurred_at,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "actor_department": event.actor_department,
        "state_before": event.state_before,
        "state_after": event.state_after,
        "payload": dict(event.payload),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def event_from_row(row: Mapping[Any, Any]) -> DomainEvent:
    """Inverse of `event_row`."""
    return DomainEvent(
        stream=row["stream"],
        stream_id=row["stream_id"],
        version=row["version"],
        kind=row["kind"],
        county=row["county"],
        occurred_at=datetime.fromisoformat(row["occurred_at"]),
        actor_id=row["actor_id"],
        actor_role=row["actor_role"],
        actor_department=row["actor_department"],
        state_before=row["state_before"],
        state_after=row["state_after"],
        payload=row["payload"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


# --- queries ------------------------------------------------------------------------------


def warning_query(thresholds: Mapping[str, WarningThresholds], *, coded: bool = False) -> sa.Select[Any]:
    """The running clocks at a warning level: one range scan per distinct set of dates.

    Counties sharing a calendar and policy share their dates, so a province
    sweep is usually a single `WHERE county IN (...) AND last_day <= ...`
    on `ix_problem_clocks_county_last_day`, with the level as a `CASE` over
    the same dates as `WarningThresholds.level`: its name, or with `coded`
    its `LEVEL_CODES` code as a ``SMALLINT`` (a driver can map a code to a
    `WarningLevel` without Python per row, see `govbiz_postgres.store`).
    """
    k = t.problem_clocks.c
    counties_by_dates: dict[WarningThresholds, list[str]] = {}
    for county, dates in sorted(thresholds.items()):
        counties_by_dates.setdefault(dates, []).append(county)
    parts = [
        sa.select(
            k.problem_id, k.county, k.clock, k.last_day, _level_case(dates, coded).label("level")
        ).where(k.county.in_(counties), k.last_day <= dates.approaching_through)
        for dates, counties in counties_by_dates.items()
    ]
    if len(parts) == 1:
        return parts[0].order_by(k.problem_id, k.clock)
    union = sa.union_all(*parts).subquery()
    return sa.select(union).order_by(union.c.problem_id, union.c.clock)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large result is turned into tuples.

    A province's sweep builds hundreds of thousands of rows and tuples of
    strings and dates, none of which can be part of a reference cycle; each
    few hundred allocations still start a collection that walks the growing
    list.  Measured over 89,669 clocks: 400 ms with the collector, 200 ms
    paused.  The previous state is restored afterwards (a caller that had
    paused it keeps it paused).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Warning levels by the names the SQL `CASE` gives.
LEVELS = {level.value: level for level in WarningLevel}
#: The small-integer code of each warning level, which `warning_query(coded=True)` gives.
LEVEL_CODES = {level: code for code, level in enumerate(WarningLevel)}


def _level_case(dates: WarningThresholds, coded: bool) -> sa.ColumnElement[Any]:
    day = t.problem_clocks.c.last_day

    def given(level: WarningLevel) -> Any:
        return LEVEL_CODES[level] if coded else level.value

    seriously = sa.and_(day <= dates.overdue_through, day < dates.seriously_before)
    case = sa.case(
        (seriously, given(WarningLevel.SERIOUSLY_OVERDUE)),
        (day <= dates.overdue_through, given(WarningLevel.OVERDUE)),
        (day <= dates.today, given(WarningLevel.DUE_TODAY)),
        else_=given(WarningLevel.APPROACHING),
    )
    return sa.cast(case, sa.SmallInteger) if coded else case


def problem_conditions(query: ProblemQuery) -> list[sa.ColumnElement[bool]]:
    """`query` as SQL conditions on `problems`; the same meaning as `ProblemQuery.matches`."""
    p = t.problems.c
    conditions: list[sa.ColumnElement[bool]] = []
    if query.counties is not None:
        conditions.append(p.county.in_(sorted(query.counties)))
    if query.states is not None:
        conditions.append(p.state.in_(sorted(s.value for s in query.states)))
    if query.department is not None:
        d = t.problem_departments.c
        conditions.append(p.id.in_(sa.select(d.problem_id).where(d.department == query.department)))
    if query.lead is not None:
        conditions.append(p.lead == query.lead)
    if query.enterprise_id is not None:
        conditions.append(p.enterprise_id == query.enterprise_id)
    if query.session_id is not None:
        conditions.append(p.session_id == query.session_id)
    if query.category is not None:
        conditions.append(p.category == query.category)
    if query.due_before is not None:
        # Only running clocks have rows, so a range scan on the cutoff index answers it.
        k = t.problem_clocks.c
        conditions.append(p.id.in_(sa.select(k.problem_id).where(k.cutoff <= query.due_before)))
    return conditions
