"""What each fact means on real handling: on-time feedback, extensions, overdue, redo, working days."""

from __future__ import annotations

from datetime import date

from govbiz import commands as c
from govbiz.calendar import china_calendar
from govbiz.domain import Problem
from govbiz.metrics import Fact, Measure, facts_of
from tests.conftest import World


def _facts(world: World, problem: Problem, at: str) -> frozenset[Fact]:
    now = world.at(at)
    current = world.ledger.problem(world.viewer, problem.id)
    return facts_of(current, now, china_calendar()).facts


def test_feedback_is_due_only_when_reported_or_past_its_cutoff(world: World) -> None:
    problem = world.signed()
    assert Fact.FEEDBACK_DUE not in _facts(world, problem, "2025-04-10 23:00")  # last day 10 April
    late = _facts(world, problem, "2025-04-11 00:00")
    assert Fact.FEEDBACK_DUE in late
    assert Fact.FEEDBACK_ON_TIME not in late
    assert Fact.OVERDUE in late


def test_a_progress_report_before_the_cutoff_is_on_time(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-10 17:00")
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="已踏勘"))
    facts = _facts(world, problem, "2025-04-20 10:00")
    assert {Fact.FEEDBACK_DUE, Fact.FEEDBACK_ON_TIME, Fact.IN_PROGRESS} <= facts
    assert Fact.OVERDUE not in facts


def test_long_term_is_in_progress_not_completed_and_never_overdue(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-03 10:00")
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="long_term", text="分期"))
    facts = _facts(world, problem, "2025-06-30 10:00")
    assert {Fact.LONG_TERM, Fact.IN_PROGRESS} <= facts
    assert not {Fact.COMPLETED, Fact.OVERDUE} & facts


def test_completion_on_time_and_handling_working_days(world: World) -> None:
    problem = world.signed()  # assigned Monday 31 March
    world.at("2025-04-08 10:00")
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="已解决"))
    now = world.at("2025-04-09 10:00")
    facts = facts_of(world.ledger.problem(world.viewer, problem.id), now, china_calendar())
    assert {Fact.COMPLETED, Fact.SOLVED, Fact.COMPLETED_ON_TIME, Fact.COMPLETED_BY_DEADLINE} <= facts.facts
    # 1, 2, 3, 7, 8 April: Qingming (4–6 April) is not counted.
    assert facts.measures[Measure.HANDLING_WORKING_DAYS] == 5
    assert facts.assigned_on == date(2025, 3, 31)


def test_completion_after_an_approved_extension_is_counted_apart(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-20 10:00")
    world.ledger.handle(
        world.zgj,
        c.RequestExtension(
            problem_id=problem.id, clock="result", new_last_day=date(2025, 5, 30), reason="需论证"
        ),
    )
    world.ledger.handle(world.secretariat, c.DecideExtension(problem_id=problem.id, approve=True))
    world.at("2025-05-20 10:00")  # after the original 30 April, before the extended 30 May
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="explained", text="已解释"))
    facts = _facts(world, problem, "2025-05-21 10:00")
    assert {Fact.COMPLETED, Fact.COMPLETED_ON_TIME_EXTENDED, Fact.COMPLETED_BY_DEADLINE} <= facts
    assert not {Fact.COMPLETED_ON_TIME, Fact.SOLVED} & facts


def test_an_unsatisfied_visit_redoes_and_reopens_the_problem(world: World) -> None:
    problem = world.signed()
    world.at("2025-04-08 10:00")
    world.ledger.handle(world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="已解决"))
    world.at("2025-04-15 10:00")
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfied=False))
    facts = _facts(world, problem, "2025-04-16 10:00")
    assert {Fact.VISITED, Fact.REDONE, Fact.IN_PROGRESS} <= facts
    assert not {Fact.SATISFIED, Fact.COMPLETED} & facts


def test_a_withdrawn_problem_is_neither_in_progress_nor_completed(world: World) -> None:
    problem = world.signed()
    world.ledger.handle(world.collector, c.WithdrawProblem(problem_id=problem.id, reason="企业已自行解决"))
    facts = _facts(world, problem, "2025-06-01 10:00")
    assert {Fact.ASSIGNED, Fact.WITHDRAWN} <= facts
    assert not {Fact.IN_PROGRESS, Fact.COMPLETED, Fact.OVERDUE} & facts
