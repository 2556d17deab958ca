"""督查: the overdue board and the departments ranked by what is overdue now.

The board lists every running clock past its cutoff among the problems
the user may see (`Ledger.problems` with `due_before=now`), oldest first,
with the reminder form (催办/督办) where the library lets the user send
one.  The ranking counts, per lead department, the problems currently
assigned to it and how many of those have a clock overdue now; its
definition is printed with it, so the figure can be checked.
"""

from __future__ import annotations

from typing import Annotated

import attrs
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from govbiz.clock import beijing
from govbiz.domain.lifecycle import FINAL_STATES, Action
from govbiz.domain.problem import Problem
from govbiz.errors import GovbizError
from govbiz_api.views import caller_actions
from govbiz_api.workbench.actions import ACTION_FORMS
from govbiz_api.workbench.ledger_pages import CLOCK_NAMES, department_names, done_label
from govbiz_api.workbench.web import error_page, page, signed_in, workbench

__all__ = ["Overdue", "Standing", "router"]

router = APIRouter(include_in_schema=False)


@attrs.frozen(slots=True)
class Overdue:
    """One clock past its cutoff: the problem, the clock, its last day, days late, and whether to remind."""

    problem: Problem
    clock: str
    last_day: str
    days_late: int
    lead: str
    may_remind: bool


@attrs.frozen(slots=True)
class Standing:
    """A lead department's line of the ranking."""

    department: str
    assigned: int
    overdue: int


@router.get("/supervision")
def supervision_page(request: Request, done: Annotated[str, Query(max_length=40)] = "") -> Response:
    """督查: overdue clocks, oldest first, and the departments by overdue problems."""
    user, session = signed_in(request)
    bench = workbench(request)
    ledger, actor, now = bench.services.ledger, user.actor, bench.now()
    try:
        names = department_names(ledger, actor)
        late = ledger.problems(actor, due_before=now)
        every = ledger.problems(actor)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    today = now.astimezone(beijing()).date()
    board = []
    for problem in late:
        may = any(a.action == Action.REMIND.value for a in caller_actions(problem, actor))
        lead = problem.assignment.lead if problem.assignment else ""
        for due in problem.open_deadlines():
            if due.cutoff < now:
                board.append(
                    Overdue(problem, CLOCK_NAMES.get(due.clock, due.clock), due.last_day.isoformat(),
                            (today - due.last_day).days, names.get(lead, lead), may)
                )  # fmt: skip
    board.sort(key=lambda line: (-line.days_late, line.problem.id))
    ranking = _ranking(every, late, names)
    return page(
        request, "supervision.html", user=user, session=session, board=board, ranking=ranking,
        spec=ACTION_FORMS[Action.REMIND], sources={}, done=done_label(done), back="/supervision",
        as_of=now.astimezone(beijing()).strftime("%Y-%m-%d %H:%M"),
    )  # fmt: skip


def _ranking(every: list[Problem], late: list[Problem], names: dict[str, str]) -> list[Standing]:
    """Per lead department: open problems assigned to it, and those with a clock overdue now."""
    overdue_ids = {p.id for p in late}
    counts: dict[str, list[int]] = {}
    for problem in every:
        if problem.assignment is None or problem.state in FINAL_STATES:
            continue
        tally = counts.setdefault(problem.assignment.lead, [0, 0])
        tally[0] += 1
        tally[1] += problem.id in overdue_ids
    lines = [
        Standing(names.get(code, code), assigned, overdue) for code, (assigned, overdue) in counts.items()
    ]
    return sorted(lines, key=lambda s: (-s.overdue, -s.assigned, s.department))
