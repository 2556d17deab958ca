"""The bulk path, and the deadline sweep pushed down to an index range scan on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from govbiz_postgres.bulk import BulkStore
from govbiz_postgres.store import PostgresStore

from govbiz import commands as c
from govbiz.domain import replay
from govbiz.errors import NotFoundError
from govbiz.ledger import Ledger
from govbiz.storage.port import ProblemQuery
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.store import problem_conditions
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


def test_bulk_loading_stores_what_the_commands_decided(pg_store: PostgresStore) -> None:
    world = bulk_world(pg_store, 120)
    with pg_store.unit_of_work() as uow:
        problems = list(uow.find_problems(ProblemQuery()))
        assert len(problems) == 120
        assert all(p.state.value == "assigned" for p in problems)
        for problem in problems[::17]:
            assert replay(uow.events("problem", problem.id)) == problem
    # A refused command inside a batch leaves nothing of itself; the others are kept.
    bulk = BulkStore(pg_store, batch=10)
    ledger = Ledger(bulk, clock=world.clock)
    ledger.handle(world.zgj, c.SignAssignment(problem_id=problems[0].id))
    with pytest.raises(NotFoundError):
        ledger.handle(world.zgj, c.SignAssignment(problem_id="430800-2099-9999"))
    ledger.handle(world.zgj, c.SignAssignment(problem_id=problems[1].id))
    bulk.flush()
    with pg_store.unit_of_work() as uow:
        assert [uow.get_problem(p.id).state.value for p in problems[:3]] == ["signed", "signed", "assigned"]  # type: ignore[union-attr]


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
