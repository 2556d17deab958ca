"""申诉复核: the lead department appeals a rating it holds unjust; the supervisor decides.

The world's clock starts on Monday 31 March 2025 (see tests/conftest.py).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from govbiz import commands as c
from govbiz.deadlines import DeadlinePolicy
from govbiz.domain import ProblemState, replay
from govbiz.domain.handling import AppealStatus
from govbiz.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from govbiz.ledger import Ledger
from govbiz.metrics import compute_metrics
from govbiz.profile import CountyProfile
from govbiz.storage.memory import MemoryStore
from tests.conftest import CITY, World, build_world

BEIJING = ZoneInfo("Asia/Shanghai")


def rated(world: World, level: str = "不满意") -> str:
    problem = world.signed()
    world.at("2025-04-10 10:00")
    explained = c.ReportResult(problem_id=problem.id, outcome="explained", text="依法不能办理")
    world.ledger.handle(world.zgj, explained)
    world.at("2025-04-14 10:00")  # Monday
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfaction=level))
    return problem.id


def rate(world: World) -> int:
    """How many problems 满意率 counts as visited (its denominator)."""
    problems = world.ledger.problems(world.supervisor)
    result = compute_metrics(problems, world.clock.now(), metrics=("satisfaction_rate",))
    return result.figure("satisfaction_rate").denominator_count


def test_a_granted_appeal_removes_the_rating_from_scores_not_from_history(world: World) -> None:
    pid = rated(world)
    assert rate(world) == 1
    world.at("2025-04-15 10:00")
    appealed = world.ledger.handle(
        world.zgj, c.AppealRating(problem_id=pid, reason="企业要求违规变更用地性质，依法不能支持")
    )
    assert appealed.state is ProblemState.REDO  # an appeal changes no state
    assert appealed.return_visits[-1].appeal.status is AppealStatus.REQUESTED
    decision = c.DecideAppeal(problem_id=pid, grant=True, note="诉求不合法")
    granted = world.ledger.handle(world.supervisor, decision)
    visit = granted.return_visits[-1]
    assert visit.appeal.status is AppealStatus.GRANTED and visit.appeal.decided_by == world.supervisor.id
    assert not visit.scored
    assert visit.satisfaction.label_zh == "不满意"  # still in the history
    assert rate(world) == 0
    assert replay(world.ledger.history(world.viewer, pid)) == granted


def test_a_refused_appeal_keeps_the_rating_in_scores(world: World) -> None:
    pid = rated(world)
    world.ledger.handle(world.zgj, c.AppealRating(problem_id=pid, reason="评价不公"))
    refused = world.ledger.handle(world.supervisor, c.DecideAppeal(problem_id=pid, grant=False))
    assert refused.return_visits[-1].appeal.status is AppealStatus.REFUSED
    assert refused.return_visits[-1].scored
    assert rate(world) == 1


def test_a_rating_is_appealed_once_and_decided_once(world: World) -> None:
    pid = rated(world)
    world.ledger.handle(world.zgj, c.AppealRating(problem_id=pid, reason="评价不公"))
    with pytest.raises(IllegalTransitionError, match="appeal_rating"):
        world.ledger.handle(world.zgj, c.AppealRating(problem_id=pid, reason="再申诉"))
    world.ledger.handle(world.supervisor, c.DecideAppeal(problem_id=pid, grant=False))
    with pytest.raises(IllegalTransitionError, match="decide_appeal"):
        world.ledger.handle(world.supervisor, c.DecideAppeal(problem_id=pid, grant=True))


def test_nothing_to_appeal_before_a_visit(world: World) -> None:
    problem = world.signed()
    with pytest.raises(IllegalTransitionError, match="appeal_rating"):
        world.ledger.handle(world.zgj, c.AppealRating(problem_id=problem.id, reason="x"))


def test_only_the_lead_appeals_and_only_the_supervisor_decides(world: World) -> None:
    pid = rated(world)
    with pytest.raises(PermissionDeniedError, match="only the lead department"):
        world.ledger.handle(world.zjj, c.AppealRating(problem_id=pid, reason="x"))
    with pytest.raises(PermissionDeniedError, match="only department_handler"):
        world.ledger.handle(world.collector, c.AppealRating(problem_id=pid, reason="x"))
    world.ledger.handle(world.zgj, c.AppealRating(problem_id=pid, reason="评价不公"))
    for actor in (world.secretariat, world.zgj, world.chair):
        with pytest.raises(PermissionDeniedError, match="only supervisor"):
            world.ledger.handle(actor, c.DecideAppeal(problem_id=pid, grant=True))


def test_an_appeal_after_the_window_is_refused(world: World) -> None:
    pid = rated(world)  # visited Monday 14 April 2025: 5 working days end on Monday 21 April
    world.at("2025-04-22 09:00")
    with pytest.raises(ValidationError, match="could be appealed until 2025-04-21") as info:
        world.ledger.handle(world.zgj, c.AppealRating(problem_id=pid, reason="评价不公"))
    assert info.value.field == "problem_id"


def test_a_county_sets_its_own_appeal_window() -> None:
    ten = DeadlinePolicy.from_dict({"appeal_working_days": 10})
    world = build_world(Ledger(MemoryStore(), profiles={CITY: CountyProfile(deadline_policy=ten)}))
    pid = rated(world)
    world.at("2025-04-25 09:00")
    appealed = world.ledger.handle(world.zgj, c.AppealRating(problem_id=pid, reason="评价不公"))
    assert appealed.return_visits[-1].appeal is not None


def test_a_closed_problem_is_appealed_on_the_real_calendar_in_2027() -> None:
    """Visited on Friday 30 April 2027: with 劳动节 1–4 May (provisional), the window ends on 11 May."""
    world = build_world()
    world.at("2027-04-26 10:00")
    problem = world.signed()
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="办结"))
    world.at("2027-04-30 10:00")
    visit = c.RecordReturnVisit(problem_id=problem.id, satisfaction="基本满意")
    world.ledger.handle(world.collector, visit)
    world.at("2027-05-11 16:00")
    closed = world.ledger.handle(world.zgj, c.AppealRating(problem_id=problem.id, reason="评价有误"))
    assert closed.state is ProblemState.CLOSED
    world.at("2027-05-12 09:00")
    assert world.ledger.problem(world.viewer, problem.id).return_visits[-1].appeal is not None
    assert date(2027, 5, 11) == closed.return_visits[-1].appeal.appealed_at.date()
    assert closed.return_visits[-1].appeal.appealed_at == datetime(2027, 5, 11, 16, tzinfo=BEIJING)
    # The departments held it until the visit that closed it, whatever came after.
    assert {h.until for h in closed.holdings} == {datetime(2027, 4, 30, 10, tzinfo=BEIJING)}
