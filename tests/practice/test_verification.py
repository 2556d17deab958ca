"""核实: where the county verifies, an unsatisfied visit is verified before any redo.

Off by default (an unsatisfied visit redoes at once); a county switches the
`verification` clock on.  The world's clock starts on Monday 31 March 2025.
"""

from __future__ import annotations

from datetime import date

import pytest

from govbiz import commands as c
from govbiz.deadlines import DeadlinePolicy
from govbiz.domain import ProblemState, replay
from govbiz.errors import IllegalTransitionError, PermissionDeniedError
from govbiz.ledger import Ledger
from govbiz.profile import CountyProfile
from govbiz.storage.memory import MemoryStore
from tests.conftest import CITY, World, build_world

VERIFYING = DeadlinePolicy.from_dict({"clocks": {"verification": {"enabled": True}}})


def verifying_world() -> World:
    return build_world(Ledger(MemoryStore(), profiles={CITY: CountyProfile(deadline_policy=VERIFYING)}))


def visited(world: World, level: str = "不满意") -> str:
    problem = world.co_replied(world.signed())
    world.at("2025-04-10 10:00")
    result = c.ReportResult(problem_id=problem.id, outcome="explained", text="依法解释")
    world.ledger.handle(world.zgj, result)
    world.at("2025-04-14 10:00")  # Monday
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfaction=level))
    return problem.id


def test_by_default_an_unsatisfied_visit_redoes_at_once(world: World) -> None:
    pid = visited(world)
    assert world.ledger.problem(world.viewer, pid).state is ProblemState.REDO


def test_an_unsatisfied_visit_opens_a_verification_with_its_clock() -> None:
    world = verifying_world()
    pid = visited(world)
    problem = world.ledger.problem(world.viewer, pid)
    assert problem.state is ProblemState.VERIFYING
    [due] = problem.open_deadlines()
    # 5 working days after Monday 14 April 2025: Monday 21 April.
    assert (due.clock, due.last_day, due.basis) == ("verification", date(2025, 4, 21), "5个工作日")
    assert problem.redo_count == 0 and problem.result is not None


def test_verification_ends_in_a_redo_on_fresh_clocks() -> None:
    world = verifying_world()
    pid = visited(world)
    world.at("2025-04-16 10:00")
    verified = c.RecordVerification(problem_id=pid, redo=True, explanation="核实属实，企业诉求合理")
    redo = world.ledger.handle(world.supervisor, verified)
    assert redo.state is ProblemState.REDO and redo.redo_count == 1 and redo.result is None
    assert redo.assignment.deadline("progress").last_day == date(2025, 4, 25)
    assert redo.return_visits[-1].verification.redo
    assert replay(world.ledger.history(world.viewer, pid)) == redo


def test_verification_ends_in_an_explanation_that_closes() -> None:
    world = verifying_world()
    pid = visited(world, "非常不满意")
    explained = c.RecordVerification(problem_id=pid, redo=False, explanation="诉求超出政策范围，已解释")
    closed = world.ledger.handle(world.collector, explained)
    assert closed.state is ProblemState.CLOSED and closed.redo_count == 0
    assert closed.return_visits[-1].verification.explanation == "诉求超出政策范围，已解释"
    assert not closed.return_visits[-1].satisfied  # the rating stays what the enterprise said
    assert closed.open_deadlines() == ()


def test_only_the_collector_or_the_supervisor_verifies_and_only_once() -> None:
    world = verifying_world()
    pid = visited(world)
    for actor in (world.zgj, world.secretariat, world.chair):
        with pytest.raises(PermissionDeniedError):
            world.ledger.handle(actor, c.RecordVerification(problem_id=pid, redo=True, explanation="x"))
    explained = c.RecordVerification(problem_id=pid, redo=False, explanation="已解释")
    world.ledger.handle(world.collector, explained)
    with pytest.raises(IllegalTransitionError, match="verify"):
        world.ledger.handle(world.collector, c.RecordVerification(problem_id=pid, redo=True, explanation="x"))


def test_nothing_to_verify_where_the_county_does_not_verify(world: World) -> None:
    pid = visited(world)
    with pytest.raises(IllegalTransitionError, match="'redo': cannot 'verify'"):
        world.ledger.handle(world.collector, c.RecordVerification(problem_id=pid, redo=True, explanation="x"))


def test_a_satisfied_visit_is_not_verified() -> None:
    world = verifying_world()
    pid = visited(world, "基本满意")
    assert world.ledger.problem(world.viewer, pid).state is ProblemState.CLOSED


def test_verification_on_the_real_calendar_in_2027() -> None:
    """Visited on Thursday 30 September 2027, with no notice for 2027 (provisional).

    国庆 is 1–3 October; 2 and 3 October are a weekend, made up on Monday 4 and
    Tuesday 5: the working days are 6, 7, 8, 11 and 12 October.
    """
    world = verifying_world()
    world.at("2027-09-27 10:00")
    problem = world.co_replied(world.signed())
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="办结"))
    world.at("2027-09-30 10:00")
    unsatisfied = c.RecordReturnVisit(problem_id=problem.id, satisfied=False)
    verifying = world.ledger.handle(world.collector, unsatisfied)
    due = verifying.assignment.deadline("verification")
    assert due.provisional_years == (2027,)
    assert due.last_day == date(2027, 10, 12)


def test_the_sweep_reminds_the_collector_and_the_supervision_office_to_verify() -> None:
    from govbiz.notify.sweep import sweep

    world = verifying_world()
    visited(world)
    world.at("2025-04-22 09:00")  # the verification clock ended on 21 April
    report = sweep(world.ledger, world.clock.now())
    assert report.by_level == {"overdue": 1}
    [entry] = [e for e in world.ledger.store.outbox().entries() if e.key.startswith("sweep:")]
    assert entry.notification.data["trigger"] == "verification_due"
    assert entry.notification.recipients == ("统战部/工商联", "督查室")
    assert "完成核实" in entry.notification.body


def test_a_redo_after_verification_tells_the_lead_department() -> None:
    world = verifying_world()
    pid = visited(world)
    world.ledger.handle(world.supervisor, c.RecordVerification(problem_id=pid, redo=True, explanation="属实"))
    triggers = [e.notification.data["trigger"] for e in world.ledger.store.outbox().entries()]
    assert triggers.count("redo") == 1
    [redo] = [e for e in world.ledger.store.outbox().entries() if e.notification.data["trigger"] == "redo"]
    assert redo.notification.recipients == ("市自规局",)
