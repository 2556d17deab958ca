"""A command that lost a write conflict is tried again; a ledger closes its store."""

from __future__ import annotations

import pytest

from govbiz import commands as c
from govbiz.errors import ConcurrencyError, IllegalTransitionError, ValidationError
from govbiz.ledger import Ledger
from govbiz.ports.storage import UnitOfWork
from govbiz.retry import handle_retrying
from govbiz.storage import MemoryStore
from govbiz.storage.delegating import DelegatingStore, DelegatingUnitOfWork
from tests.conftest import World, build_world


class Conflicts(DelegatingStore):
    """A store whose next `conflicts` commits lose to another writer, then behave."""

    def __init__(self, inner: MemoryStore) -> None:
        super().__init__(inner)
        self.conflicts = 0
        self.closed = False

    def wrap(self, unit: UnitOfWork) -> UnitOfWork:
        store = self

        class Losing(DelegatingUnitOfWork):
            def commit(self) -> None:
                if store.conflicts:
                    store.conflicts -= 1
                    raise ConcurrencyError("problem", "P", 4, 5)
                self.inner.commit()

        return Losing(unit)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def conflicted() -> tuple[World, Conflicts]:
    store = Conflicts(MemoryStore())
    return build_world(Ledger(store)), store


def test_a_conflict_is_tried_again_and_the_command_lands_once(conflicted: tuple[World, Conflicts]) -> None:
    world, store = conflicted
    problem = world.assigned()
    store.conflicts = 2
    waits: list[float] = []
    sign = c.SignAssignment(problem_id=problem.id)
    signed = handle_retrying(world.ledger, world.zgj, sign, sleep=waits.append)
    assert signed.state.value == "signed"
    assert len(waits) == 2 and 0.01 <= waits[0] <= 0.03 and 0.02 <= waits[1] <= 0.06  # doubling, jittered
    assert [e.kind for e in world.ledger.history(world.viewer, problem.id)].count("sign") == 1


def test_the_last_conflict_is_raised_when_every_attempt_loses(conflicted: tuple[World, Conflicts]) -> None:
    world, store = conflicted
    problem = world.assigned()
    store.conflicts = 3
    waits: list[float] = []
    with pytest.raises(ConcurrencyError):
        handle_retrying(world.ledger, world.zgj, c.SignAssignment(problem_id=problem.id), sleep=waits.append)
    assert len(waits) == 2  # three attempts, two waits
    assert world.ledger.problem(world.viewer, problem.id).state.value == "assigned"


def test_a_refusal_is_not_retried(conflicted: tuple[World, Conflicts]) -> None:
    world, _ = conflicted
    problem = world.signed()
    waits: list[float] = []
    with pytest.raises(IllegalTransitionError):
        handle_retrying(world.ledger, world.zgj, c.SignAssignment(problem_id=problem.id), sleep=waits.append)
    assert waits == []
    with pytest.raises(ValidationError):
        handle_retrying(world.ledger, world.zgj, c.SignAssignment(problem_id=problem.id), attempts=0)


def test_a_ledger_closes_its_store_when_the_block_ends() -> None:
    store = Conflicts(MemoryStore())
    with Ledger(store) as ledger:
        assert ledger.store is store
        assert not store.closed
    assert store.closed
