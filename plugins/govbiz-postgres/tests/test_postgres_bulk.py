"""The bulk path (`BulkStore`): a batch of Ledger commands written in a few statements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from govbiz_postgres.bulk import BulkStore

from govbiz import commands as c
from govbiz.domain import replay
from govbiz.domain.problem import Problem
from govbiz.errors import ConcurrencyError, NotFoundError
from govbiz.ledger import Ledger
from govbiz.ports.storage import ProblemQuery
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.storage.sql.store import SQLStore, problem_row
from tests.conftest import World, build_world


@pytest.fixture(params=["postgresql", "sqlite"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SQLStore]:
    """The bulk path on both SQL adapters."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_store")
        return
    store = open_sqlite(f"sqlite:///{tmp_path / 'bulk.db'}")
    yield store
    store.close()


def bulk_world(store: SQLStore, problems: int, *, batch: int = 25) -> tuple[World, BulkStore]:
    world = build_world(Ledger(store))
    bulk = BulkStore(store, batch=batch)
    world.ledger = Ledger(bulk, clock=world.clock)
    for n in range(problems):
        world.later(hours=3)
        world.assigned(f"问题{n}")
    bulk.flush()
    world.ledger = Ledger(store, clock=world.clock)
    return world, bulk


def stored(store: SQLStore) -> list[Problem]:
    with store.unit_of_work() as uow:
        return list(uow.find_problems(ProblemQuery()))


def test_bulk_loading_stores_what_the_commands_decided(sql_store: SQLStore) -> None:
    bulk_world(sql_store, 60)  # 240 commands in batches of 25: problems straddle batches
    problems = stored(sql_store)
    assert len(problems) == 60
    assert all(p.state.value == "assigned" for p in problems)
    with sql_store.unit_of_work() as uow:
        for problem in problems:
            assert replay(uow.events("problem", problem.id)) == problem
    with sql_store.reading() as conn:
        departments = conn.execute(sa.select(sa.func.count()).select_from(t.problem_departments)).scalar()
        clocks = conn.execute(sa.select(sa.func.count()).select_from(t.problem_clocks)).scalar()
        queued = conn.execute(sa.select(sa.func.count()).select_from(t.outbox)).scalar()
    assert departments == 60 * 2  # lead and co-handler
    assert clocks == sum(len(p.open_deadlines()) for p in problems) > 0
    assert queued == len(_outbox_keys(sql_store)) > 0


def _outbox_keys(store: SQLStore) -> set[str]:
    with store.reading() as conn:
        return set(conn.execute(sa.select(t.outbox.c.key)).scalars())


def test_a_refused_command_leaves_nothing_and_the_batch_keeps_the_others(sql_store: SQLStore) -> None:
    world, _ = bulk_world(sql_store, 3)
    problems = stored(sql_store)
    bulk = BulkStore(sql_store, batch=10)
    ledger = Ledger(bulk, clock=world.clock)
    ledger.handle(world.zgj, c.SignAssignment(problem_id=problems[0].id))
    with pytest.raises(NotFoundError):
        ledger.handle(world.zgj, c.SignAssignment(problem_id="430800-2099-9999"))
    ledger.handle(world.zgj, c.SignAssignment(problem_id=problems[1].id))
    bulk.flush()
    assert [p.state.value for p in stored(sql_store)] == ["signed", "signed", "assigned"]


def test_ledger_numbers_follow_on_after_a_quiet_load(sql_store: SQLStore) -> None:
    world, _ = bulk_world(sql_store, 7, batch=100)  # numbers reserved in blocks of 100
    after = world.collect("装载之后")
    numbers = sorted(int(p.id.rsplit("-", 1)[1]) for p in stored(sql_store))
    assert numbers == list(range(1, 9)), "the unused part of the block was handed back"
    assert after.id.endswith("-0008")


def test_numbers_taken_meanwhile_are_never_handed_out_twice(sql_store: SQLStore) -> None:
    world = build_world(Ledger(sql_store))
    bulk = BulkStore(sql_store, batch=50)
    world.ledger = Ledger(bulk, clock=world.clock)
    first = world.collect("批量一")
    world.ledger = Ledger(sql_store, clock=world.clock)
    meanwhile = world.collect("同时录入")  # a clerk takes a number while the load holds a block
    world.ledger = Ledger(bulk, clock=world.clock)
    second = world.collect("批量二")
    bulk.flush()
    ids = [first.id, meanwhile.id, second.id]
    assert len(set(ids)) == 3
    assert meanwhile.id.endswith("-0051"), "the clerk's number comes after the load's block"
    world.ledger = Ledger(sql_store, clock=world.clock)
    assert world.collect("之后").id.endswith("-0052"), "the block is not handed back: someone took one"


def test_a_clash_at_the_flush_refuses_the_whole_batch_and_names_the_record(sql_store: SQLStore) -> None:
    world = build_world(Ledger(sql_store))
    bulk = BulkStore(sql_store, batch=50)
    world.ledger = Ledger(bulk, clock=world.clock)
    world.collect("批量一")
    clash = world.collect("批量二")
    # Another process stores a problem under the same id before the flush.
    with sql_store.writing() as conn:
        conn.execute(sa.insert(t.problems).values(problem_row(clash)))
    with pytest.raises(ConcurrencyError) as refused:
        bulk.flush()
    assert refused.value.key == clash.id
    assert [p.id for p in stored(sql_store)] == [clash.id], "nothing of the batch was written"
    with sql_store.unit_of_work() as uow:
        assert uow.events("problem") == []


def test_a_notification_queued_before_the_flush_is_not_queued_twice(sql_store: SQLStore) -> None:
    world = build_world(Ledger(sql_store))
    bulk = BulkStore(sql_store, batch=50)
    world.ledger = Ledger(bulk, clock=world.clock)
    world.assigned("批量")
    staged = dict(bulk.unit_of_work().staged_outbox)
    assert staged, "the assignment queues a notification to the departments"
    entry = next(iter(staged.values()))
    with sql_store.unit_of_work() as uow:  # queued meanwhile by someone else
        assert uow.enqueue(entry)
        uow.commit()
    bulk.flush()
    assert _outbox_keys(sql_store) == set(staged)
