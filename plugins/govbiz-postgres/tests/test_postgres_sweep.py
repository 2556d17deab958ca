"""The deadline sweep pushed down to an index range scan on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from govbiz_postgres import store as pg_store_module
from govbiz_postgres.bulk import BulkStore
from govbiz_postgres.store import PostgresStore

from govbiz.deadlines import DeadlinePolicy, WarningLevel
from govbiz.ledger import Ledger
from govbiz.ports.storage import ProblemQuery, WarningClock
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.store import problem_conditions, warning_query
from govbiz.testing.contract import build_scenario
from govbiz.testing.sql import index_rows
from tests.conftest import World, build_world

PROBLEMS = 600


def bulk_world(store: PostgresStore, problems: int) -> World:
    world = build_world(Ledger(store))
    bulk = BulkStore(store, batch=250)
    world.ledger = Ledger(bulk, clock=world.clock)
    for n in range(problems):
        world.later(hours=3)  # spread the cutoffs over months
        world.assigned(f"问题{n}")
    bulk.flush()
    world.ledger = Ledger(store, clock=world.clock)
    return world


def plan(store: PostgresStore, query: ProblemQuery) -> str:
    statement = sa.select(t.problems.c.data).where(*problem_conditions(query)).order_by(t.problems.c.id)
    with store.reading() as conn:
        sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))


def test_the_deadline_sweep_uses_the_cutoff_index(pg_store: PostgresStore) -> None:
    world = bulk_world(pg_store, PROBLEMS)
    with pg_store.writing() as conn:
        conn.exec_driver_sql("ANALYZE")
    as_of = world.clock.now() - timedelta(days=60)  # the oldest few are due
    sweep = plan(pg_store, ProblemQuery(due_before=as_of))
    assert "ix_problem_clocks_cutoff" in sweep, sweep
    assert "Seq Scan on problem_clocks" not in sweep, sweep
    by_department = plan(pg_store, ProblemQuery(department="430800-zjj", due_before=as_of))
    assert "Seq Scan on problem_clocks" not in by_department, by_department
    with pg_store.unit_of_work() as uow:
        found = [p.id for p in uow.find_problems(ProblemQuery(due_before=as_of))]
        everything = list(uow.find_problems(ProblemQuery()))
    assert found == [p.id for p in everything if ProblemQuery(due_before=as_of).matches(p)]
    assert 0 < len(found) < PROBLEMS / 2


def test_the_warning_sweep_is_a_range_scan_on_the_last_day(pg_store: PostgresStore) -> None:
    world = bulk_world(pg_store, PROBLEMS)
    with pg_store.writing() as conn:
        conn.exec_driver_sql("ANALYZE")
    as_of = world.clock.now() - timedelta(days=60)  # the oldest few are at a warning level
    thresholds = {"430800": DeadlinePolicy.default().thresholds(as_of)}
    with pg_store.reading() as conn:
        sql = str(warning_query(thresholds).compile(conn, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    assert "ix_problem_clocks_county_last_day" in plan, plan
    with pg_store.unit_of_work() as uow:
        found = list(uow.warning_clocks(thresholds))
        problems = list(uow.find_problems(ProblemQuery()))
    levels = {clock.level for clock in found}
    assert {WarningLevel.SERIOUSLY_OVERDUE, WarningLevel.APPROACHING} <= levels, levels
    expected = [
        (p.id, due.clock, thresholds["430800"].level(due.last_day))
        for p in problems
        for due in sorted(p.open_deadlines(), key=lambda due: due.clock)
        if thresholds["430800"].level(due.last_day) is not WarningLevel.NORMAL
    ]
    assert [(c.problem_id, c.clock, c.level) for c in found] == expected
    # Made by psycopg in C (see PostgresUnitOfWork.warning_clocks), yet real WarningClocks whose
    # levels are the enum's members, not equal-comparing text.
    assert {type(c) for c in found} == {WarningClock}
    assert all(any(c.level is member for member in WarningLevel) for c in found)
    assert found[0].county == "430800"
    assert found[0].last_day <= thresholds["430800"].approaching_through


def test_the_sweep_streamed_in_chunks_is_the_sweep_fetched_at_once(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = bulk_world(pg_store, 200)
    thresholds = {"430800": DeadlinePolicy.default().thresholds(world.clock.now() - timedelta(days=10))}
    streamed: list[int] = []
    stream = psycopg.Cursor.stream

    def counted(cursor: psycopg.Cursor[Any], *args: Any, size: int = 1, **kwargs: Any) -> Iterator[Any]:
        streamed.append(size)
        return stream(cursor, *args, size=size, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "stream", counted)
    monkeypatch.setattr(pg_store_module, "STREAM_CHUNK", 7)  # many chunks, the last one short
    with pg_store.unit_of_work() as uow:
        in_chunks = list(uow.warning_clocks(thresholds))
    assert streamed == [7]  # libpq 17 or newer here: chunked rows mode
    monkeypatch.setattr(psycopg.capabilities, "has_stream_chunked", lambda check=False: False)
    with pg_store.unit_of_work() as uow:
        at_once = list(uow.warning_clocks(thresholds))
    assert streamed == [7]  # an older libpq: fetched at once
    assert in_chunks == at_once
    assert len(at_once) > 7 * 10
    assert len(at_once) % 7 != 0  # the last chunk is a short one


@pytest.mark.parametrize("bulk", [False, True], ids=["one-commit-per-command", "bulk"])
def test_the_index_rows_follow_every_command(pg_store: PostgresStore, bulk: bool) -> None:
    # A commit writes only the index rows that changed: they must still be what a full rewrite gives,
    # also when a batch stages several versions of a problem before one commit.
    store = BulkStore(pg_store, batch=40) if bulk else pg_store
    build_scenario(store)
    store.close()
    stored, computed = index_rows(pg_store)
    assert stored == computed
    assert stored["departments"]
    assert stored["clocks"]
