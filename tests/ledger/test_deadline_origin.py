"""Every deadline says what set its last day (`DeadlineOrigin`), and only days people set stand."""

from __future__ import annotations

from datetime import date

from govbiz import commands as c
from govbiz.domain.handling import DeadlineOrigin, DueDate
from govbiz.domain.problem import Problem
from tests.conftest import World


def origins(problem: Problem) -> dict[str, DeadlineOrigin]:
    assert problem.assignment is not None
    return {d.clock: d.origin for d in problem.assignment.deadlines}


def test_counted_and_fixed_days_say_so(world: World) -> None:
    counted = world.assigned()
    assert set(origins(counted).values()) == {DeadlineOrigin.POLICY}
    fixed = world.collect("另一个问题")
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=fixed.id))
    fixed = world.ledger.handle(
        world.chair,
        c.AssignProblem(problem_id=fixed.id, lead="430800-zgj", deadlines={"result": date(2025, 4, 15)}),
    )
    assert origins(fixed)["result"] is DeadlineOrigin.ON_THE_SPOT
    assert origins(fixed)["progress"] is DeadlineOrigin.POLICY


def test_a_suspension_moves_a_count_but_an_extended_day_stays_the_approvers(world: World) -> None:
    problem = world.signed()
    world.ledger.handle(world.zgj, c.RequestExtension(
        problem_id=problem.id, clock="result", new_last_day=date(2025, 5, 30), reason="需召开听证会",
    ))  # fmt: skip
    world.ledger.handle(world.secretariat, c.DecideExtension(problem_id=problem.id, approve=True))
    world.at("2025-04-02 10:00")
    world.ledger.handle(world.secretariat, c.SuspendProblem(problem_id=problem.id, reason="等待法院裁定"))
    world.at("2025-04-21 09:00")
    resumed = world.ledger.handle(world.secretariat, c.ResumeProblem(problem_id=problem.id))
    assert origins(resumed)["progress"] is DeadlineOrigin.RESUMED
    assert origins(resumed)["result"] is DeadlineOrigin.EXTENDED  # moved, but still set by a person
    assert resumed.assignment is not None
    result = resumed.assignment.deadline("result")
    assert result is not None and result.last_day > date(2025, 5, 30)


def test_older_payloads_without_an_origin_read_it_from_their_basis() -> None:
    base = {"clock": "result", "start": "2025-03-31T10:00:00+08:00", "last_day": "2025-04-30",
            "cutoff": "2025-05-01T00:00:00+08:00"}  # fmt: skip
    assert DueDate.from_json({**base, "basis": "30日"}).origin is DeadlineOrigin.POLICY
    assert DueDate.from_json({**base, "basis": "现场明确"}).origin is DeadlineOrigin.ON_THE_SPOT
    assert DueDate.from_json({**base, "basis": "延期"}).origin is DeadlineOrigin.EXTENDED
    for basis in ("30日", "现场明确", "延期"):  # the stored form is unchanged where the basis says it all
        assert DueDate.from_json({**base, "basis": basis}).to_json() == {**base, "basis": basis}
    resumed = DueDate.from_json({**base, "basis": "30日", "origin": "resumed"})
    assert resumed.origin is DeadlineOrigin.RESUMED and resumed.to_json()["origin"] == "resumed"
