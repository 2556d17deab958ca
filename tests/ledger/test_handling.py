"""Assignment and handling: sign, return, report, extend, suspend, visit, redo.

Dates are checked by hand against the 2025 holiday notice: Qingming 4–6
April, Labour Day 1–5 May with Sunday 27 April a working day.  The world's
clock starts on Monday 31 March 2025 at 10:00 Beijing time (the first
reception day).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from govbiz import commands as c
from govbiz.domain import ExtensionStatus, ProblemState, ReminderKind, replay
from govbiz.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from tests.conftest import World

BEIJING = ZoneInfo("Asia/Shanghai")


def deadlines(problem: object) -> dict[str, tuple[date, str]]:
    assignment = problem.assignment  # type: ignore[attr-defined]
    return {d.clock: (d.last_day, d.basis) for d in assignment.deadlines}


def test_assignment_starts_the_policy_clocks(world: World) -> None:
    problem = world.assigned()
    assert problem.state is ProblemState.ASSIGNED
    assert problem.assignment.lead == "430800-zgj"
    assert problem.assignment.co_handlers == ("430800-zjj",)
    assert problem.assignment.session_id == world.session_id
    assert problem.assignment.assigned_by == world.chair.id
    assert deadlines(problem) == {
        "sign": (date(2025, 4, 1), "1个工作日"),
        "progress": (date(2025, 4, 10), "7个工作日"),  # 4–6 April is Qingming
        "result": (date(2025, 4, 30), "30日"),
        "co_handling": (date(2025, 4, 3), "3个工作日"),  # the co-handler's reply to the lead (协办)
    }
    progress = problem.assignment.deadline("progress")
    assert progress.cutoff == datetime(2025, 4, 11, 0, 0, tzinfo=BEIJING)  # 24:00 of the last day


def test_the_chair_fixes_a_deadline_on_the_spot(world: World) -> None:
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    assigned = world.ledger.handle(
        world.chair,
        c.AssignProblem(problem_id=problem.id, lead="430800-zgj", deadlines={"result": date(2025, 4, 15)}),
    )
    assert assigned.assignment.on_the_spot
    assert deadlines(assigned)["result"] == (date(2025, 4, 15), "现场明确")
    assert deadlines(assigned)["progress"] == (date(2025, 4, 10), "7个工作日")


@pytest.mark.parametrize(
    ("fixed", "field"),
    [({"result": date(2025, 3, 1)}, "last_day"), ({"lunch": date(2025, 4, 15)}, "deadlines.lunch")],
)
def test_a_bad_on_the_spot_deadline_is_refused(world: World, fixed: dict[str, date], field: str) -> None:
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    with pytest.raises(ValidationError) as info:
        world.ledger.handle(
            world.chair, c.AssignProblem(problem_id=problem.id, lead="430800-zgj", deadlines=fixed)
        )
    assert info.value.field == field
    assert world.ledger.problem(world.viewer, problem.id).state is ProblemState.TRIAGED


def test_only_the_lead_department_signs(world: World) -> None:
    problem = world.assigned()
    with pytest.raises(PermissionDeniedError, match="only the lead department 430800-zgj may 签收"):
        world.ledger.handle(world.zjj, c.SignAssignment(problem_id=problem.id))
    signed = world.ledger.handle(world.zgj, c.SignAssignment(problem_id=problem.id))
    assert signed.state is ProblemState.SIGNED
    assert [d.clock for d in signed.open_deadlines()] == ["progress", "result", "co_handling"]


def test_return_within_the_sign_period_then_reassign(world: World) -> None:
    problem = world.assigned()
    world.at("2025-04-01 16:00")
    returned = world.ledger.handle(
        world.zgj,
        c.ReturnAssignment(problem_id=problem.id, reason="属住建职责", proposed_department="430800-zjj"),
    )
    # A return is a request the secretariat decides (退单审定); reassigning decides it: accepted.
    assert returned.state is ProblemState.RETURN_REQUESTED
    world.at("2025-04-02 09:00")
    reassigned = world.ledger.handle(
        world.secretariat, c.ReassignProblem(problem_id=problem.id, lead="430800-zjj")
    )
    assert reassigned.state is ProblemState.ASSIGNED
    assert reassigned.assignment.round == 2
    assert reassigned.assignment.lead == "430800-zjj"
    assert [a.lead for a in reassigned.previous_assignments] == ["430800-zgj"]
    # Fresh clocks from the reassignment: 7 working days after 2 April is 14 April.
    assert deadlines(reassigned)["progress"] == (date(2025, 4, 14), "7个工作日")
    # The first department has no say any more.
    with pytest.raises(PermissionDeniedError, match="not assigned to 430800-zgj"):
        world.ledger.handle(world.zgj, c.SignAssignment(problem_id=problem.id))


def test_a_return_after_the_sign_period_is_refused(world: World) -> None:
    problem = world.assigned()
    world.at("2025-04-02 00:00")  # the sign clock ended at 24:00 on 1 April
    with pytest.raises(ValidationError, match="ask the secretariat to reassign") as info:
        world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=problem.id, reason="不是我们的"))
    assert info.value.field == "returned_at"
    assert world.ledger.problem(world.viewer, problem.id).state is ProblemState.ASSIGNED


def test_progress_result_and_a_satisfied_return_visit_close_the_problem(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-03 11:00")
    in_progress = world.ledger.handle(
        world.zjj, c.ReportProgress(problem_id=problem.id, text="协办：已现场踏勘")
    )
    assert in_progress.state is ProblemState.IN_PROGRESS
    assert in_progress.progress[0].department == "430800-zjj"
    assert [d.clock for d in in_progress.open_deadlines()] == ["result", "co_handling"]
    world.at("2025-04-25 15:00")
    with pytest.raises(PermissionDeniedError, match="lead department"):
        world.ledger.handle(world.zjj, c.ReportResult(problem_id=problem.id, outcome="solved", text="x"))
    reported = world.ledger.handle(
        world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="五通一平已完成")
    )
    assert reported.state is ProblemState.RESULT_REPORTED
    # Return visit within 5 working days after 25 April (Fri): 27 April (an adjusted working
    # Sunday), 28, 29, 30 April, then 1–5 May is Labour Day, so the fifth is 6 May.
    assert deadlines(reported)["return_visit"] == (date(2025, 5, 6), "5个工作日")
    world.at("2025-04-28 10:00")
    closed = world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfied=True))
    assert closed.state is ProblemState.CLOSED
    assert closed.return_visits[0].satisfied
    assert closed.open_deadlines() == ()
    # A closed problem takes only a lasting rule, a file, or the department's appeal against its rating.
    with pytest.raises(IllegalTransitionError, match="allowed now: appeal_rating, attach, link_lasting_rule"):
        world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="再报"))


def test_an_unsatisfied_return_visit_redoes_with_fresh_clocks(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-10 10:00")
    world.ledger.handle(
        world.zgj, c.ReportResult(problem_id=problem.id, outcome="explained", text="政策不允许")
    )
    world.at("2025-04-14 10:00")
    redo = world.ledger.handle(
        world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfied=False, notes="企业不认可")
    )
    assert redo.state is ProblemState.REDO
    assert redo.redo_count == 1
    assert redo.result is None
    # Fresh clocks from 14 April, and no second sign-for.
    assert deadlines(redo) == {
        "progress": (date(2025, 4, 23), "7个工作日"),
        "result": (date(2025, 5, 14), "30日"),
    }
    again = world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="重新研究"))
    assert again.state is ProblemState.IN_PROGRESS


def test_a_long_term_problem_reports_periodically_then_finishes(world: World) -> None:
    problem = world.signed()
    long_term = world.ledger.handle(
        world.zgj, c.ReportResult(problem_id=problem.id, outcome="long_term", text="需调整国土空间规划")
    )
    assert long_term.state is ProblemState.LONG_TERM
    assert long_term.open_deadlines() == ()
    world.at("2025-05-30 10:00")
    still = world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="规划修编已报批"))
    assert still.state is ProblemState.LONG_TERM
    done = world.ledger.handle(
        world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="规划已批复")
    )
    assert done.state is ProblemState.RESULT_REPORTED


def test_an_approved_extension_moves_only_its_clock(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-20 10:00")
    requested = world.ledger.handle(
        world.zgj,
        c.RequestExtension(
            problem_id=problem.id, clock="result", new_last_day=date(2025, 5, 30), reason="需召开听证会"
        ),
    )
    assert requested.pending_extension is not None
    with pytest.raises(IllegalTransitionError, match="cannot 'request_extension'"):
        world.ledger.handle(
            world.zgj,
            c.RequestExtension(
                problem_id=problem.id, clock="result", new_last_day=date(2025, 6, 30), reason="再延"
            ),
        )
    approved = world.ledger.handle(world.secretariat, c.DecideExtension(problem_id=problem.id, approve=True))
    assert approved.extensions[-1].status is ExtensionStatus.APPROVED
    assert deadlines(approved)["result"] == (date(2025, 5, 30), "延期")
    assert deadlines(approved)["progress"] == (date(2025, 4, 10), "7个工作日")


def test_a_refused_extension_changes_no_deadline(world: World) -> None:
    problem = world.signed()
    world.ledger.handle(
        world.zgj,
        c.RequestExtension(
            problem_id=problem.id, clock="result", new_last_day=date(2025, 5, 30), reason="人手不足"
        ),
    )
    refused = world.ledger.handle(
        world.supervisor, c.DecideExtension(problem_id=problem.id, approve=False, note="理由不充分")
    )
    assert refused.extensions[-1].status is ExtensionStatus.REFUSED
    assert deadlines(refused)["result"] == (date(2025, 4, 30), "30日")
    assert refused.pending_extension is None


@pytest.mark.parametrize(
    ("when", "new_last_day", "field"),
    [
        ("2025-04-29 10:00", date(2025, 5, 30), None),  # exactly 1 working day before: in time
        ("2025-04-30 10:00", date(2025, 5, 30), "requested_at"),  # on the last day: too late
        ("2025-04-20 10:00", date(2025, 4, 28), "new_last_day"),  # earlier than the current last day
    ],
)
def test_an_extension_request_must_come_in_time(
    world: World, when: str, new_last_day: date, field: str | None
) -> None:
    problem = world.signed()
    world.at(when)
    command = c.RequestExtension(problem_id=problem.id, clock="result", new_last_day=new_last_day, reason="r")
    if field is None:
        assert world.ledger.handle(world.zgj, command).pending_extension is not None
        return
    with pytest.raises(ValidationError) as info:
        world.ledger.handle(
            world.zgj,
            c.RequestExtension(problem_id=problem.id, clock="result", new_last_day=new_last_day, reason="r"),
        )
    assert info.value.field == field
    assert world.ledger.problem(world.viewer, problem.id).extensions == ()


def test_suspension_pauses_the_clocks_and_resumes_with_the_time_left(world: World) -> None:
    problem = world.signed()
    # Progress is due 10 April: 5 working days are left after 2 April (3, 7, 8, 9, 10 April;
    # 4–6 April is Qingming).
    world.at("2025-04-02 10:00")
    suspended = world.ledger.handle(
        world.secretariat, c.SuspendProblem(problem_id=problem.id, reason="等待法院裁定")
    )
    assert suspended.suspended
    assert suspended.open_deadlines() == ()
    with pytest.raises(IllegalTransitionError, match=r"is 'signed \(suspended\)'"):
        world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="x"))
    world.at("2025-04-21 09:00")
    resumed = world.ledger.handle(world.secretariat, c.ResumeProblem(problem_id=problem.id))
    assert not resumed.suspended
    # 5 working days after 21 April: 22, 23, 24, 25 and 27 April (an adjusted working Sunday).
    assert deadlines(resumed)["progress"][0] == date(2025, 4, 27)
    # 28 calendar days were left on the result clock (2 → 30 April): 21 April + 28 = 19 May.
    assert deadlines(resumed)["result"][0] == date(2025, 5, 19)


def test_reminders_and_lasting_rules_are_recorded_beside_the_flow(world: World) -> None:
    problem = world.signed()
    reminded = world.ledger.handle(
        world.supervisor, c.SendReminder(problem_id=problem.id, kind="supervision", note="请加快办理")
    )
    assert reminded.state is ProblemState.SIGNED
    assert reminded.reminders[0].kind is ReminderKind.SUPERVISION
    rule = world.ledger.handle(
        world.secretariat,
        c.RecordLastingRule(
            county="430800",
            title="关于加强户外公益广告内容管理和发布工作的意见",
            issued_by="430800-xcb",
            issued_on=date(2025, 6, 1),
            document_number="张宣发〔2025〕3号",
        ),
    )
    linked = world.ledger.handle(world.zgj, c.LinkLastingRule(problem_id=problem.id, rule_id=rule.id))
    assert linked.lasting_rules == (rule.id,)


def test_overdue_problems_are_found_by_due_before(world: World) -> None:
    late = world.signed("迟报的问题")
    world.at("2025-04-02 10:00")
    on_time = world.signed("按时报的问题")
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=on_time.id, text="已推进"))
    world.ledger.handle(world.zjj, c.ReportCoHandling(problem_id=on_time.id, text="协办意见"))
    world.at("2025-04-11 09:00")
    overdue = world.ledger.problems(world.viewer, due_before=world.clock.now())
    assert [p.id for p in overdue] == [late.id]


def test_the_whole_history_replays_to_the_stored_state(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-02 10:00")
    world.ledger.handle(world.secretariat, c.SuspendProblem(problem_id=problem.id, reason="等待"))
    world.at("2025-04-08 10:00")
    world.ledger.handle(world.secretariat, c.ResumeProblem(problem_id=problem.id))
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="进展"))
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="办结"))
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfied=False))
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="重办办结"))
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfied=True))
    events = world.ledger.history(world.viewer, problem.id)
    assert [e.kind for e in events] == [
        "collect",
        "triage",
        "schedule",
        "assign",
        "sign",
        "suspend",
        "resume",
        "report_progress",
        "report_result",
        "return_visit",
        "report_result",
        "return_visit",
    ]
    assert all(e.version == i for i, e in enumerate(events, start=1))
    assert replay(events) == world.ledger.problem(world.viewer, problem.id)
