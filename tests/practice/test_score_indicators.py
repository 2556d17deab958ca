"""考核's first two indicators: 及时签收率 (the clock runs from 交办) and 退单率 after arbitration."""

from __future__ import annotations

from govbiz import commands as c
from govbiz.audit import seal
from govbiz.calendar import china_calendar
from govbiz.domain.lifecycle import Action
from govbiz.domain.problem import decide, replay
from govbiz.metrics.definitions import Fact
from govbiz.metrics.facts import facts_of
from govbiz.metrics.score import ScorePolicy, monthly_scores
from tests.conftest import CITY, World

ANYONE = ScorePolicy(min_assigned=1)


def _line(world: World, department: str, label: str, month: str = "2025-04"):  # type: ignore[no-untyped-def]
    scores = monthly_scores(world.ledger.problems(world.supervisor), county=CITY, month=month, policy=ANYONE)
    score = next(s for s in scores.scores if s.department == department)
    return next(line for line in score.lines if line.label == label)


def _facts(world: World, problem_id: str) -> frozenset[Fact]:
    problem = world.ledger.problem(world.supervisor, problem_id)
    return facts_of(problem, world.clock.now(), china_calendar()).facts


def test_a_signature_after_the_cutoff_is_late(world: World) -> None:
    world.at("2025-04-01 10:00")  # Tuesday: one working day to sign, until 2 April 24:00
    on_time = world.assigned("当天签收")
    late = world.assigned("逾期签收")
    world.ledger.handle(world.zgj, c.SignAssignment(problem_id=on_time.id))
    world.at("2025-04-03 09:00")
    signed = world.ledger.handle(world.zgj, c.SignAssignment(problem_id=late.id))
    assert signed.assignment.signed_at == world.clock.now() and signed.assignment.signed_late
    [event] = [e for e in world.ledger.history(world.supervisor, late.id) if e.kind == "sign"]
    assert dict(event.payload) == {"late": True}
    assert Fact.SIGN_DUE in _facts(world, late.id) and Fact.SIGNED_ON_TIME not in _facts(world, late.id)
    line = _line(world, "430800-zgj", "及时签收率")
    assert (line.problem_ids, line.detail, line.points) == ((on_time.id,), "1/2 = 50.0%，权重10", 5.0)


def test_an_unsigned_problem_counts_once_its_window_has_passed(world: World) -> None:
    world.at("2025-04-01 10:00")
    waiting = world.assigned("未签收")
    world.at("2025-04-02 23:00")  # still within the window: not yet due
    assert Fact.SIGN_DUE not in _facts(world, waiting.id)
    world.at("2025-04-03 00:00")  # the cutoff: due, and not signed on time
    assert Fact.SIGN_DUE in _facts(world, waiting.id)
    assert Fact.SIGNED_ON_TIME not in _facts(world, waiting.id)


def test_a_refused_return_does_not_move_the_sign_for_clock(world: World) -> None:
    world.at("2025-04-01 10:00")
    problem = world.assigned("退单被驳回后签收")
    world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=problem.id, reason="非本部门职责"))
    world.at("2025-04-03 10:00")  # the window passed while the return waited: not yet counted
    assert Fact.SIGN_DUE not in _facts(world, problem.id)
    refuse = c.DecideReturn(problem_id=problem.id, accept=False, note="属本部门")
    world.ledger.handle(world.secretariat, refuse)
    assert Fact.SIGN_DUE in _facts(world, problem.id)  # refused: the original cutoff stands, passed
    signed = world.ledger.handle(world.zgj, c.SignAssignment(problem_id=problem.id))
    assert signed.assignment.signed_late  # the clock runs from 交办, never from the decision
    facts = _facts(world, problem.id)
    assert Fact.RETURN_REFUSED in facts and Fact.SIGNED_ON_TIME not in facts
    assert _line(world, "430800-zgj", "及时签收率").points == 0.0
    assert _line(world, "430800-zgj", "退单率").problem_ids == (problem.id,)


def test_an_accepted_return_costs_the_returning_department_nothing(world: World) -> None:
    world.at("2025-04-01 10:00")
    accepted = world.assigned("退单获同意")
    refused = world.assigned("退单未获同意")
    kept = world.signed("本部门办理")
    for problem in (accepted, refused):
        world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=problem.id, reason="非本部门职责"))
    world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=accepted.id, accept=True))
    world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=refused.id, accept=False))
    world.ledger.handle(world.zgj, c.SignAssignment(problem_id=refused.id))
    scores = monthly_scores(world.ledger.problems(world.supervisor), county=CITY, month="2025-04")
    zgj = next(s for s in scores.scores if s.department == "430800-zgj")
    # Returned with consent and awaiting reassignment: nobody's, not in 市自规局's month.
    assert zgj.assigned == tuple(sorted([refused.id, kept.id]))
    line = next(x for x in zgj.lines if x.label == "退单率")
    assert (line.problem_ids, line.detail, line.points) == ((refused.id,), "1/2 = 50.0%，权重5", 2.5)
    world.ledger.handle(world.secretariat, c.ReassignProblem(problem_id=accepted.id, lead="430800-zjj"))
    zjj = _line(world, "430800-zjj", "退单率")  # the new lead never asked to return it
    assert (zjj.problem_ids, zjj.points) == ((), 5.0)


def test_a_return_awaiting_its_decision_is_not_yet_refused(world: World) -> None:
    world.at("2025-04-01 10:00")
    problem = world.assigned("退单待审定")
    world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=problem.id, reason="非本部门职责"))
    assert Fact.RETURN_REFUSED not in _facts(world, problem.id)
    assert _line(world, "430800-zgj", "退单率").points == 5.0


def test_a_signature_recorded_before_its_time_was_kept_folds_as_then(world: World) -> None:
    world.at("2025-04-01 10:00")
    problem = world.assigned()
    events = world.ledger.history(world.viewer, problem.id)
    row = decide(problem, Action.SIGN, world.zgj, world.clock.now(), {})
    older = seal(row, problem.last_hash)  # an older release stored {} for a signature
    signed = replay([*events, older])
    assert signed.assignment == problem.assignment  # so its stored snapshot still equals the replay
    facts = facts_of(signed, world.clock.now(), china_calendar()).facts
    assert Fact.SIGN_DUE not in facts  # cannot be judged: left out of 及时签收率
