"""部门工作台 and 回访: a department's inbox, and the return visits due.

The inbox lists the problems `Ledger.problems(actor, department=...)` gives:
to sign (the lead's sign clock runs), progress due, results due, and a
pending extension.  A department handler sees its own department; anyone
else picks one (what they may *do* there is still the library's decision:
a supervisor may remind, not sign).  Each line carries the forms of the
actions the user may take now, answered on the same page (`back`).
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from govbiz.domain.actors import Actor
from govbiz.domain.lifecycle import Action, ProblemState
from govbiz.domain.problem import Problem
from govbiz.errors import GovbizError
from govbiz_api.views import caller_actions
from govbiz_api.workbench.actions import ACTION_FORMS, ActionForm
from govbiz_api.workbench.ledger_pages import Row, department_names, done_label, row_of
from govbiz_api.workbench.web import error_page, page, signed_in, workbench

__all__ = ["Line", "router"]

router = APIRouter(include_in_schema=False)

#: The inbox's sections: title, and which open clock puts a problem there.
_SECTIONS = (("待签收", "sign"), ("落实情况待报送", "progress"), ("办理结果待报送", "result"))
#: The quick forms an inbox line offers, when the user may take them.
_QUICK = (
    Action.SIGN,
    Action.REPORT_PROGRESS,
    Action.REPORT_RESULT,
    Action.DECIDE_EXTENSION,
    Action.RETURN_VISIT,
)


@attrs.frozen(slots=True)
class Line:
    """An inbox line: the problem's row and the quick forms the user may submit on it."""

    row: Row
    forms: tuple[tuple[str, str, ActionForm], ...]


def _line(problem: Problem, actor: Actor, names: dict[str, str], now: Any, clock: str) -> Line:
    """The line of `problem`, its deadline the one of `clock` (the nearest running one if `""`)."""
    allowed = {Action(a.action) for a in caller_actions(problem, actor)}
    forms = tuple((a.value, a.label_zh, ACTION_FORMS[a]) for a in _QUICK if a in allowed)
    return Line(row_of(problem, names, now, clock=clock), forms)


def _answers(problem: Problem, clock: str, department: str) -> bool:
    """Whether `department` has `clock` of `problem` to answer now (only the lead signs for it)."""
    if not any(due.clock == clock for due in problem.open_deadlines()):
        return False
    return clock != "sign" or (problem.assignment is not None and problem.assignment.lead == department)


@router.get("/department")
def department_page(
    request: Request,
    department: Annotated[str, Query(max_length=100)] = "",
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """部门工作台: what a department has to sign, report and ask for."""
    user, session = signed_in(request)
    bench = workbench(request)
    ledger, actor = bench.services.ledger, user.actor
    chosen = actor.department or department
    try:
        names = department_names(ledger, actor)
        found = ledger.problems(actor, department=chosen) if chosen else []
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    now = bench.now()
    sections: list[tuple[str, list[Line]]] = [(title, []) for title, _ in _SECTIONS]
    for problem in found:  # each problem once, under the first clock it has to answer
        for index, (_, clock) in enumerate(_SECTIONS):
            if _answers(problem, clock, chosen):
                sections[index][1].append(_line(problem, actor, names, now, clock))
                break
    pending = [p for p in found if p.pending_extension is not None]
    sections.append(("延期申请待审批", [_line(p, actor, names, now, "") for p in pending]))
    back = f"/department?department={chosen}" if chosen and not actor.department else "/department"
    return page(
        request, "department.html", user=user, session=session, sections=sections, chosen=chosen,
        departments=names, fixed=bool(actor.department), sources={}, done=done_label(done), back=back,
    )  # fmt: skip


@router.get("/visits")
def visits_page(request: Request, done: Annotated[str, Query(max_length=40)] = "") -> Response:
    """回访: problems whose result is reported and whose enterprise is to be visited again."""
    user, session = signed_in(request)
    bench = workbench(request)
    ledger, actor = bench.services.ledger, user.actor
    try:
        names = department_names(ledger, actor)
        found = ledger.problems(actor, states=[ProblemState.RESULT_REPORTED])
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    now = bench.now()
    lines = [_line(p, actor, names, now, "return_visit") for p in found]
    return page(request, "visits.html", user=user, session=session, lines=lines, sources={}, back="/visits",
                done=done_label(done))  # fmt: skip
