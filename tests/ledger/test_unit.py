"""`Ledger.unit()`: several commands in one unit of work, committed together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from govbiz import commands as c
from govbiz.domain.events import DomainEvent
from govbiz.domain.lifecycle import ProblemState
from govbiz.errors import IllegalTransitionError, ValidationError
from govbiz.ledger import Ledger
from govbiz.storage import MemoryStore
from govbiz.storage.sql.sqlite import open_sqlite
from tests.conftest import World, build_world, credit_code


@pytest.fixture(params=["memory", "sqlite"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> World:
    store = MemoryStore() if request.param == "memory" else open_sqlite(f"sqlite:///{tmp_path / 'unit.db'}")
    return build_world(Ledger(store))


def stored(world: World) -> tuple[int, int, int]:
    """Problems, enterprises and events stored (committed) now."""
    with world.ledger.store.unit_of_work() as uow:
        events = len(uow.events())
    return (
        len(world.ledger.problems(world.viewer)),
        len(world.ledger.records(world.viewer, "enterprise")),
        events,
    )


def test_commands_of_a_unit_see_each_other_and_land_together(world: World) -> None:
    heard: list[Sequence[DomainEvent]] = []
    world.ledger.subscribe(heard.append)
    before = stored(world)
    with world.ledger.unit() as unit:
        enterprise = unit.handle(
            world.admin,
            c.RegisterEnterprise(
                county="430800", name="甲公司", credit_code=credit_code("91430800MA4L00001")
            ),
        )
        problem = unit.handle(
            world.collector,
            c.CollectProblem(
                enterprise_id=enterprise.id, title="用地报批", category="土地规划", source="调研走访"
            ),
        )
        triaged = unit.handle(
            world.collector, c.TriageProblem(problem_id=problem.id)
        )  # reads what the unit staged
        assert stored(world) == before  # nothing is visible outside the unit before it commits
        assert heard == []
    assert triaged.state is ProblemState.TRIAGED
    assert stored(world) == (before[0] + 1, before[1] + 1, before[2] + 3)
    assert [e.kind for e in unit.events] == ["enterprise_registered", "collect", "triage"]
    assert [list(events) for events in heard] == [unit.events]  # subscribers hear once, after the commit
    assert world.ledger.problem(world.viewer, problem.id).state is ProblemState.TRIAGED


def test_an_error_leaving_the_block_stores_nothing(world: World) -> None:
    before = stored(world)
    collect = c.CollectProblem(
        enterprise_id=world.enterprise_id, title="用地报批", category="土地规划", source="调研走访"
    )

    def collect_then_stop() -> None:
        with world.ledger.unit() as unit:
            unit.handle(world.collector, collect)
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        collect_then_stop()
    assert stored(world) == before


def test_a_failed_command_spoils_the_unit_even_when_its_error_is_caught(world: World) -> None:
    heard: list[Sequence[DomainEvent]] = []
    world.ledger.subscribe(heard.append)
    before = stored(world)
    spoiled = pytest.raises(ValidationError, match="a command of this unit failed: nothing was stored")
    with spoiled, world.ledger.unit() as unit:
        problem = unit.handle(world.collector, c.CollectProblem(
                enterprise_id=world.enterprise_id, title="用地报批", category="土地规划", source="调研走访",
            ))  # fmt: skip
        unit.handle(world.collector, c.TriageProblem(problem_id=problem.id))
        with pytest.raises(IllegalTransitionError):
            unit.handle(world.collector, c.TriageProblem(problem_id=problem.id))  # triaged already
        with pytest.raises(ValidationError, match="an earlier command of this unit failed"):
            unit.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    assert stored(world) == before
    assert heard == []


def test_notifications_of_a_unit_are_queued_with_it(world: World) -> None:
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    outbox = world.ledger.store.outbox()
    queued = len(outbox.entries(limit=1000))
    with world.ledger.unit() as unit:
        unit.handle(world.secretariat, c.ScheduleProblem(problem_id=problem.id, session_id=world.session_id))
        unit.handle(world.chair, c.AssignProblem(problem_id=problem.id, lead="430800-zgj"))
        assert len(outbox.entries(limit=1000)) == queued  # staged with the unit's events
    assert len(outbox.entries(limit=1000)) > queued  # the assignment notice is stored with them
