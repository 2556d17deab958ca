"""What is true of one problem as of an instant (单件问题的统计事实).

`facts_of` turns a `Problem` (its state at the as-of instant) into a
`ProblemFacts` value: the `Fact`s that hold, the two measures, and the
values it is grouped by.  Every metric is computed from these values only,
which is what lets a storage adapter compute them in SQL instead.
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from govbiz.calendar import WorkingCalendar
from govbiz.clock import beijing
from govbiz.domain.handling import Assignment, DeadlineOrigin, ResultOutcome, ReturnStatus
from govbiz.domain.lifecycle import ProblemState
from govbiz.domain.problem import Problem
from govbiz.metrics.definitions import Fact, Measure

__all__ = ["DEPARTMENT_CLOCKS", "ProblemFacts", "facts_of", "local_day"]

#: The clocks a department answers for; the return-visit clock is the collector's.
DEPARTMENT_CLOCKS = frozenset({"sign", "progress", "result"})

_COMPLETED_STATES = frozenset({ProblemState.RESULT_REPORTED, ProblemState.CLOSED})
_STATE_FACTS = {
    ProblemState.WITHDRAWN: Fact.WITHDRAWN,
    ProblemState.MERGED: Fact.MERGED,
    ProblemState.REJECTED: Fact.REJECTED,
    ProblemState.LONG_TERM: Fact.LONG_TERM,
}


@attrs.frozen(slots=True)
class ProblemFacts:
    """The facts about one problem that metrics count, as of one instant.

    `department` is the lead department (主办) of the assignment in force,
    `assigned_on` the Beijing-time day of the first assignment (its month
    groups by month); `measures` holds the numbers that apply.
    """

    problem_id: str
    county: str
    enterprise_id: str
    category: str
    department: str | None
    session_id: str | None
    assigned_on: date | None
    facts: frozenset[Fact]
    measures: dict[Measure, int] = attrs.field(factory=dict, eq=True, hash=False)

    def has(self, fact: Fact) -> bool:
        """True if `fact` holds."""
        return fact in self.facts


def local_day(instant: datetime) -> date:
    """The day of `instant` in Beijing time (统计日)."""
    return instant.astimezone(beijing()).date()


def facts_of(problem: Problem, as_of: datetime, calendar: WorkingCalendar) -> ProblemFacts:
    """The facts of `problem` (already in its state at `as_of`) as of `as_of`."""
    assignment = problem.assignment
    first = _first_assignment(problem)
    facts = _state_facts(problem, as_of)
    measures: dict[Measure, int] = {}
    if first is not None and Fact.COMPLETED in facts and problem.result is not None:
        days = calendar.working_days_between(
            local_day(first.assigned_at), local_day(problem.result.reported_at)
        )
        measures[Measure.HANDLING_WORKING_DAYS] = days
    if first is not None and Fact.IN_PROGRESS in facts:
        measures[Measure.AGE_DAYS] = (local_day(as_of) - local_day(first.assigned_at)).days
    return ProblemFacts(
        problem_id=problem.id,
        county=problem.county,
        enterprise_id=problem.enterprise_id,
        category=problem.category,
        department=assignment.lead if assignment else None,
        session_id=problem.session_id,
        assigned_on=local_day(first.assigned_at) if first else None,
        facts=frozenset(facts),
        measures=measures,
    )


def _first_assignment(problem: Problem) -> Assignment | None:
    return problem.previous_assignments[0] if problem.previous_assignments else problem.assignment


def _state_facts(problem: Problem, as_of: datetime) -> set[Fact]:
    facts: set[Fact] = set()
    if state_fact := _STATE_FACTS.get(problem.state):
        facts.add(state_fact)
    if problem.suspended:
        facts.add(Fact.SUSPENDED)
    if problem.assignment is None:
        return facts
    facts.add(Fact.ASSIGNED)
    if _completed(problem):
        facts |= {Fact.COMPLETED, *_completion_facts(problem)}
    elif problem.state is not ProblemState.WITHDRAWN:
        facts.add(Fact.IN_PROGRESS)
    facts |= _sign_facts(problem, as_of)
    facts |= _feedback_facts(problem, as_of)
    if _return_refused(problem):
        facts.add(Fact.RETURN_REFUSED)
    if any(due.clock in DEPARTMENT_CLOCKS and due.cutoff <= as_of for due in problem.open_deadlines()):
        facts.add(Fact.OVERDUE)
    # A rating removed by a granted appeal (申诉复核) stays in the history, not in the scores.
    if problem.return_visits and problem.return_visits[-1].scored:
        facts.add(Fact.VISITED)
        if problem.return_visits[-1].satisfied:
            facts.add(Fact.SATISFIED)
    if problem.redo_count:
        facts.add(Fact.REDONE)
    return facts


def _completed(problem: Problem) -> bool:
    result = problem.result
    return (
        problem.state in _COMPLETED_STATES
        and result is not None
        and result.outcome is not ResultOutcome.LONG_TERM
    )


def _completion_facts(problem: Problem) -> set[Fact]:
    assert problem.assignment is not None
    assert problem.result is not None
    facts: set[Fact] = set()
    if problem.result.outcome is ResultOutcome.SOLVED:
        facts.add(Fact.SOLVED)
    due = problem.assignment.deadline("result")
    if due is not None and problem.result.reported_at < due.cutoff:
        facts.add(Fact.COMPLETED_BY_DEADLINE)
        extended = due.origin is DeadlineOrigin.EXTENDED
        facts.add(Fact.COMPLETED_ON_TIME_EXTENDED if extended else Fact.COMPLETED_ON_TIME)
    return facts


def _sign_facts(problem: Problem, as_of: datetime) -> set[Fact]:
    """及时签收: the signature of the assignment in force against its sign-for cutoff (from 交办)."""
    assignment = problem.assignment
    assert assignment is not None
    if assignment.signed_at is not None:
        return {Fact.SIGN_DUE} if assignment.signed_late else {Fact.SIGN_DUE, Fact.SIGNED_ON_TIME}
    due = assignment.deadline("sign")
    # Still awaiting the signature (a refused return included) once the cutoff has passed; a
    # pending return answers the sign-for clock until it is decided, and a signature recorded
    # before its time was kept cannot be judged.
    if problem.state is ProblemState.ASSIGNED and due is not None and as_of >= due.cutoff:
        return {Fact.SIGN_DUE}
    return set()


def _return_refused(problem: Problem) -> bool:
    """退单未获同意: the lead of the assignment in force asked to return this round, and was refused."""
    assignment = problem.assignment
    assert assignment is not None
    return any(
        r.status is ReturnStatus.REFUSED and r.department == assignment.lead and r.round == assignment.round
        for r in problem.returns
    )


def _feedback_facts(problem: Problem, as_of: datetime) -> set[Fact]:
    """按时反馈: this round's first report (progress or result) against the progress cutoff."""
    assert problem.assignment is not None
    due = problem.assignment.deadline("progress")
    if due is None:
        return set()
    reports = [p.reported_at for p in problem.progress if p.reported_at >= due.start]
    if problem.result is not None and problem.result.reported_at >= due.start:
        reports.append(problem.result.reported_at)
    if reports:
        on_time = min(reports) < due.cutoff
        return {Fact.FEEDBACK_DUE, Fact.FEEDBACK_ON_TIME} if on_time else {Fact.FEEDBACK_DUE}
    return {Fact.FEEDBACK_DUE} if as_of >= due.cutoff else set()
