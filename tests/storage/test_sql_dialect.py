"""The dialect seam: a `SQLStore` does what the `Dialect` it holds says, at the documented points."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from govbiz import commands as c
from govbiz.deadlines.warning import WarningThresholds
from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import Problem
from govbiz.ledger import Ledger
from govbiz.ports.channel import Notification
from govbiz.ports.outbox import OutboxEntry, OutboxWaiter
from govbiz.ports.storage import WarningClock, earliest_deadlines
from govbiz.storage.sql import migrate
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.dialect import GENERIC, WRITE_OPTION, Dialect, GenericDialect
from govbiz.storage.sql.driver import StatementCache, StatementRunner
from govbiz.storage.sql.sqlite import SQLITE, open_sqlite, parse_sqlite_url, sqlite_engine
from govbiz.storage.sql.statements import IndexStatements
from govbiz.storage.sql.store import SQLStore
from govbiz.testing.contract import CONTACT_KEYS
from tests.conftest import CITY, build_world

FIXED = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


class Recording:
    """`inner` in everything; each call the store makes noted in `calls`, with the events appended."""

    def __init__(self, inner: Dialect) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.appended: list[list[str]] = []
        self.announced: list[list[str]] = []

    @property
    def begin(self) -> str | None:
        return self.inner.begin

    @property
    def keep_connection(self) -> bool:
        return self.inner.keep_connection

    def prepare_write(self, conn: Connection) -> None:
        self.calls.append("prepare_write")
        self.inner.prepare_write(conn)

    def new_runner(self, conn: Connection) -> StatementRunner:
        self.calls.append("new_runner")
        return self.inner.new_runner(conn)

    def before_append(
        self, run: StatementRunner, statements: StatementCache, counties: Collection[str] = ()
    ) -> None:
        self.calls.append("before_append")
        self.inner.before_append(run, statements, counties)

    def append_events(
        self, run: StatementRunner, statements: StatementCache, events: Sequence[DomainEvent]
    ) -> None:
        self.calls.append("append_events")
        self.appended.append([e.kind for e in events])
        self.inner.append_events(run, statements, events)

    def forget_rows(
        self,
        run: StatementRunner,
        statements: StatementCache,
        index: IndexStatements,
        problem_id: str,
        keys: Sequence[str] | None,
    ) -> None:
        self.calls.append("forget_rows")
        self.inner.forget_rows(run, statements, index, problem_id, keys)

    def announce_work(
        self, run: StatementRunner, statements: StatementCache, counties: Collection[str]
    ) -> None:
        self.calls.append("announce_work")
        self.announced.append(sorted(counties))
        self.inner.announce_work(run, statements, counties)

    def outbox_waiter(self, engine: Engine) -> OutboxWaiter:
        self.calls.append("outbox_waiter")
        return self.inner.outbox_waiter(engine)

    def next_number(self, conn: Connection, counter: str) -> int:
        self.calls.append("next_number")
        return self.inner.next_number(conn, counter)

    def warning_clocks(
        self, conn: Connection, thresholds: Mapping[str, WarningThresholds]
    ) -> list[WarningClock]:
        self.calls.append("warning_clocks")
        return self.inner.warning_clocks(conn, thresholds)


def recorded(tmp_path: Path, inner: Dialect) -> tuple[SQLStore, Recording]:
    """A store on a new SQLite file whose dialect is `inner`, recorded."""
    location = parse_sqlite_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    dialect = Recording(inner)
    store = SQLStore(sqlite_engine(location), dialect=dialect, location=location.name)
    with store.writing() as conn:
        migrate.prepare(conn, location.name)
    return store, dialect


@pytest.fixture(params=[SQLITE, GENERIC], ids=["sqlite", "generic"])
def inner(request: pytest.FixtureRequest) -> Dialect:
    dialect: Dialect = request.param
    return dialect


@pytest.fixture
def pair(tmp_path: Path, inner: Dialect) -> Iterator[tuple[SQLStore, Recording]]:
    store, dialect = recorded(tmp_path, inner)
    yield store, dialect
    store.close()


def test_the_stores_hold_their_databases_dialects(tmp_path: Path) -> None:
    opened = open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert opened.dialect is SQLITE
    assert opened.connections.dialect is SQLITE
    assert GenericDialect(name="sqlite", begin="BEGIN IMMEDIATE", keep_connection=True) == SQLITE
    plain = SQLStore(opened.engine)
    assert plain.dialect is GENERIC
    assert (GENERIC.begin, GENERIC.keep_connection) == (None, False)
    opened.close()


def test_a_command_asks_the_dialect_for_its_runner_and_its_events(pair: tuple[SQLStore, Recording]) -> None:
    store, dialect = pair
    world = build_world(Ledger(store, contact_keys=CONTACT_KEYS))  # a plain SQLStore keeps none in clear
    dialect.calls.clear()
    dialect.appended.clear()
    problem = world.collect()
    # A ledger number first, in its own write transaction; then the commit.
    assert dialect.calls[:2] == ["prepare_write", "next_number"]
    if dialect.begin is None:  # SQLAlchemy's transaction: the connection is made ready to write
        assert dialect.calls[2:] == ["prepare_write", "new_runner", "append_events"]
    else:  # begun on the driver connection, with the dialect's statement
        assert dialect.calls[2:] == ["new_runner", "append_events"]
    assert dialect.appended == [["collect"]]
    dialect.calls.clear()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    assert dialect.calls[-2:] == ["new_runner", "append_events"]
    assert "next_number" not in dialect.calls


def test_a_clock_that_stops_is_forgotten_through_the_dialect(pair: tuple[SQLStore, Recording]) -> None:
    store, dialect = pair
    world = build_world(Ledger(store, contact_keys=CONTACT_KEYS))
    problem = world.assigned()
    dialect.calls.clear()
    world.ledger.handle(world.zgj, c.SignAssignment(problem_id=problem.id))  # the sign clock stops
    assert dialect.calls.count("forget_rows") == 1
    clocks = t.problem_clocks.c
    with store.reading() as conn:
        stored = set(conn.execute(sa.select(clocks.clock).where(clocks.problem_id == problem.id)).scalars())
    assert "sign" not in stored and "result" in stored


def test_a_unit_with_nothing_staged_asks_the_dialect_nothing(pair: tuple[SQLStore, Recording]) -> None:
    store, dialect = pair
    build_world(Ledger(store, contact_keys=CONTACT_KEYS))
    dialect.calls.clear()
    with store.unit_of_work() as uow:
        assert uow.get_problem("none") is None
        uow.commit()
    assert dialect.calls == []


def test_the_sweep_reads_through_the_dialect_and_merges_the_units_own(
    pair: tuple[SQLStore, Recording],
) -> None:
    store, dialect = pair
    world = build_world(Ledger(store, contact_keys=CONTACT_KEYS))
    other = world.assigned()
    assigned = world.assigned("第二件")  # its sign clock runs
    signed = world.ledger.handle(world.zgj, c.SignAssignment(problem_id=assigned.id))  # now the others do
    thresholds = {CITY: _everything_due()}
    with store.unit_of_work() as uow:
        assert list(uow.warning_clocks({})) == []
    assert "warning_clocks" not in dialect.calls  # no county: nothing to ask
    with store.unit_of_work() as uow:
        stored = _clocks(uow.warning_clocks(thresholds))
    assert dialect.calls.count("warning_clocks") == 1
    assert stored[signed.id] != set() and stored[other.id] != set()
    with store.unit_of_work() as uow:  # the assigned version staged again: its clocks replace the stored
        [sign_event] = [e for e in uow.events("problem", assigned.id) if e.version == assigned.version]
        uow.save_problem(assigned, sign_event)
        staged = _clocks(uow.warning_clocks(thresholds))
    assert dialect.calls.count("warning_clocks") == 2
    assert staged[other.id] == stored[other.id]
    assert stored[signed.id] == _running(signed)
    assert staged[assigned.id] == _running(assigned) != stored[signed.id]  # the sign clock runs again


def test_a_commit_with_outbox_entries_announces_their_counties(pair: tuple[SQLStore, Recording]) -> None:
    store, dialect = pair
    build_world(Ledger(store, contact_keys=CONTACT_KEYS))
    dialect.calls.clear()
    dialect.announced.clear()
    with store.unit_of_work() as uow:
        for n, county in enumerate(["430802", "430800", "430802"]):
            note = Notification(key=f"seam:{n}", channel="console", recipients=("x",), subject="s", body="b")
            uow.enqueue_new(OutboxEntry(notification=note, county=county, created_at=FIXED))
        uow.commit()
    assert dialect.announced == [["430800", "430802"]]  # once per commit, each county once
    assert dialect.calls.index("announce_work") > dialect.calls.index("append_events")
    waiter = store.outbox().waiter()
    assert dialect.calls[-1] == "outbox_waiter"
    started = time.monotonic()
    assert waiter.wait_for_work(0.05) is False  # SQLite and the generic dialect only poll
    assert time.monotonic() - started >= 0.05
    waiter.interrupt()
    assert waiter.wait_for_work(30) is False  # at once
    waiter.close()


def test_only_a_dialect_that_keeps_connections_has_one_kept(pair: tuple[SQLStore, Recording]) -> None:
    store, dialect = pair
    first = store.connections.hold()
    store.connections.release(first)
    second = store.connections.hold()
    assert (second is first) is dialect.keep_connection
    store.connections.release(second)


def test_a_connection_made_ready_to_write_is_marked(pair: tuple[SQLStore, Recording]) -> None:
    store, _ = pair
    with store.writing() as conn:
        assert conn.get_execution_options()[WRITE_OPTION] is True


def _everything_due() -> WarningThresholds:
    """Dates that put every running clock at a warning level (approaching at the latest)."""
    far = date(2099, 12, 31)
    return WarningThresholds(today=far, approaching_through=far, overdue_through=far, seriously_before=far)


def _running(problem: Problem) -> set[str]:
    return {due.clock for due in earliest_deadlines(problem)}


def _clocks(found: Iterator[WarningClock]) -> dict[str, set[str]]:
    clocks: dict[str, set[str]] = {}
    for clock in found:
        clocks.setdefault(clock.problem_id, set()).add(clock.clock)
    return clocks
