"""协办 on its own clock: each co-handler replies to the lead within 3 working days of the 交办.

The world assigns on Monday 31 March 2025 10:00 to 市自规局 (lead) with 市住建局
co-handling: the co-handling clock ends on Thursday 3 April (Qingming is 4–6 April).
"""

from __future__ import annotations

from datetime import date

import pytest

from govbiz import commands as c
from govbiz.deadlines import DeadlinePolicy, WarningLevel
from govbiz.domain import ProblemState
from govbiz.errors import IllegalTransitionError, PermissionDeniedError
from govbiz.ledger import Ledger
from govbiz.notify.sweep import sweep
from govbiz.profile import CountyProfile
from govbiz.storage.memory import MemoryStore
from govbiz.supervision import circular_markdown, circular_to_json, generate_circular
from tests.conftest import CITY, World, build_world


def test_an_assignment_with_co_handlers_starts_their_clock(world: World) -> None:
    problem = world.assigned()
    due = problem.assignment.deadline("co_handling")
    assert (due.last_day, due.basis) == (date(2025, 4, 3), "3个工作日")
    assert due.start == problem.assignment.assigned_at  # from the 交办
    assert "co_handling" in [d.clock for d in problem.open_deadlines()]


def test_an_assignment_without_co_handlers_has_no_such_clock(world: World) -> None:
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    alone = world.ledger.handle(world.chair, c.AssignProblem(problem_id=problem.id, lead="430800-zgj"))
    assert alone.assignment.deadline("co_handling") is None


def test_the_reply_stops_the_clock_and_the_result_carries_it(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-02 10:00")
    replied = world.ledger.handle(
        world.zjj, c.ReportCoHandling(problem_id=problem.id, text="住建意见：施工许可可并联办理")
    )
    assert replied.state is ProblemState.SIGNED  # a reply changes no state
    assert [r.department for r in replied.assignment.co_handling] == ["430800-zjj"]
    assert "co_handling" not in [d.clock for d in replied.open_deadlines()]
    world.at("2025-04-20 10:00")
    reported = world.ledger.handle(
        world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="已汇总协办意见并办结")
    )
    assert [r.text for r in reported.result.co_handling] == ["住建意见：施工许可可并联办理"]


def test_the_lead_cannot_reply_as_co_handler(world: World) -> None:
    problem = world.assigned()
    with pytest.raises(PermissionDeniedError, match="only a co-handling department"):
        world.ledger.handle(world.zgj, c.ReportCoHandling(problem_id=problem.id, text="x"))


def test_a_department_not_on_the_assignment_cannot_reply(world: World) -> None:
    problem = world.assigned()
    xcb = world.zgj.__class__(id="xcb-1", role=world.zgj.role, county=CITY, department="430800-xcb")
    with pytest.raises(PermissionDeniedError, match="not assigned to 430800-xcb"):
        world.ledger.handle(xcb, c.ReportCoHandling(problem_id=problem.id, text="x"))


def test_only_a_department_handler_replies(world: World) -> None:
    problem = world.assigned()
    with pytest.raises(PermissionDeniedError, match="only department_handler"):
        world.ledger.handle(world.secretariat, c.ReportCoHandling(problem_id=problem.id, text="x"))


def test_no_reply_once_the_result_is_in(world: World) -> None:
    problem = world.signed()
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="办结"))
    with pytest.raises(IllegalTransitionError, match="report_co_handling"):
        world.ledger.handle(world.zjj, c.ReportCoHandling(problem_id=problem.id, text="迟到的意见"))


def test_a_county_sets_its_own_co_handling_period() -> None:
    five = DeadlinePolicy.from_dict({"clocks": {"co_handling": {"amount": 5}}})
    world = build_world(Ledger(MemoryStore(), profiles={CITY: CountyProfile(deadline_policy=five)}))
    problem = world.assigned()
    # 1, 2, 3 April, then Qingming 4–6 April, then 7 and 8 April.
    assert problem.assignment.deadline("co_handling").last_day == date(2025, 4, 8)


def test_a_county_may_switch_the_co_handling_clock_off() -> None:
    off = DeadlinePolicy.from_dict({"clocks": {"co_handling": {"enabled": False}}})
    world = build_world(Ledger(MemoryStore(), profiles={CITY: CountyProfile(deadline_policy=off)}))
    assert world.assigned().assignment.deadline("co_handling") is None


def test_an_overdue_co_handler_gets_its_own_reminder(world: World) -> None:
    problem = world.signed()
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="已推进"))
    world.at("2025-04-07 09:00")  # the co-handling clock ended on 3 April: one working day late
    report = sweep(world.ledger, world.clock.now())
    assert report.by_level == {"overdue": 1}
    outbox = world.ledger.store.outbox()
    [entry] = [e for e in outbox.entries() if e.key.startswith("sweep:")]
    note = entry.notification
    assert note.data["clock"] == "co_handling"
    assert note.recipients == ("市住建局", "督查室")  # the co-handler, not the lead 市自规局
    assert "市住建局（协办单位）" in note.body


def test_a_circular_names_the_late_co_handler_as_co_handler(world: World) -> None:
    problem = world.signed()
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="已推进"))
    as_of = world.at("2025-04-08 10:00")
    draft = generate_circular(
        world.ledger.problems(world.supervisor), county=CITY,
        period_start=date(2025, 3, 1), period_end=date(2025, 4, 30), as_of=as_of,
    )  # fmt: skip
    [item] = draft.overdue
    assert (item.department, item.clock, item.role, item.level) == (
        "430800-zjj", "co_handling", "co_handler", WarningLevel.OVERDUE
    )
    assert "反馈协办意见（协办）" in circular_markdown(draft)
    assert '"role": "co_handler"' in circular_to_json(draft)


def test_co_handling_on_the_real_calendar_in_2027() -> None:
    """Assigned on Friday 30 April 2027, with no notice for 2027 in the ledger (provisional).

    By the holiday law 劳动节 is 1–2 May, a Saturday and a Sunday, made up on
    Monday 3 and Tuesday 4 May (Art. 6): the working days are 5, 6 and 7 May.
    """
    world = build_world()
    world.at("2027-04-30 10:00")
    problem = world.assigned()
    due = problem.assignment.deadline("co_handling")
    assert due.provisional_years == (2027,)
    assert due.last_day == date(2027, 5, 7)
