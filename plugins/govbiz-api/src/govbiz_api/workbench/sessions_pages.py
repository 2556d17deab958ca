"""接待日: the sessions, planning one, the on-the-spot assignment screen (现场交办) and the 交办单.

`/sessions` lists the reception days the user may see and has the planning
form (`PlanSession`; the library lets only the secretariat plan).  A
session's page is the screen the chair's staff use during the meeting: its
agenda, each problem still to assign with the assignment form (lead,
co-handlers, the days fixed on the spot, the session preset), and the
problems assigned there; `/sessions/{id}/assignments` is the 交办单, made
to be printed and signed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from govbiz import commands as c
from govbiz.domain.lifecycle import Action
from govbiz.domain.session import ReceptionSession, SessionKind
from govbiz.errors import GovbizError, ValidationError
from govbiz.ports.storage import RecordKind
from govbiz_api.views import caller_actions
from govbiz_api.workbench.actions import ACTION_FORMS
from govbiz_api.workbench.ledger_pages import CLOCK_NAMES, department_names, done_label, row_of
from govbiz_api.workbench.sessions import WebSession
from govbiz_api.workbench.users import User
from govbiz_api.workbench.web import Form, checked_form, error_page, page, signed_in, with_headers, workbench

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_KINDS = [(k.value, k.label_zh) for k in SessionKind]


@router.get("/sessions")
def sessions_page(request: Request, done: Annotated[str, Query(max_length=40)] = "") -> Response:
    """接待日: every session the user may see, newest first, and the form to plan one."""
    user, session = signed_in(request)
    ledger = workbench(request).services.ledger
    try:
        found = _sessions(ledger.records(user.actor, RecordKind.SESSION))
        names = department_names(ledger, user.actor)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    return page(
        request, "sessions.html", user=user, session=session, sessions=found, kinds=_KINDS,
        departments=sorted(names.items()), names=names, done="已安排接待日" if done == "plan" else "",
    )  # fmt: skip


@router.post("/sessions")
async def plan_session(request: Request) -> Response:
    """Plan a session (安排接待日) with the posted form; the library decides whether the user may."""
    user, session = await run_in_threadpool(signed_in, request)
    form = await checked_form(request, session.csrf)
    return await run_in_threadpool(_plan, request, user, session, form)


def _plan(request: Request, user: User, session: WebSession, form: Form) -> Response:
    ledger = workbench(request).services.ledger
    try:
        command = c.PlanSession(
            county=user.actor.county, held_on=_required(form, "held_on", "日期"), kind=form.get("kind"),
            chair_title=_required(form, "chair_title", "接待领导职务"), chair_name=form.get("chair_name"),
            place=form.get("place"), topic=form.get("topic"), departments=form.all("departments"),
        )  # fmt: skip
        planned = ledger.handle(user.actor, command)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    return with_headers(RedirectResponse(f"/sessions/{planned.id}?done=plan", status_code=303))


@router.get("/sessions/{session_id}")
def session_page(
    request: Request, session_id: str, done: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    """现场交办: a session's agenda with the assignment form for each problem the user may assign."""
    user, session = signed_in(request)
    ledger, actor = workbench(request).services.ledger, user.actor
    try:
        held: ReceptionSession = ledger.record(actor, RecordKind.SESSION, session_id)
        agenda = ledger.agenda(actor, session_id)
        names = department_names(ledger, actor)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    now = workbench(request).now()
    waiting, assigned = [], []
    for problem in agenda:
        if problem.assignment is not None and problem.assignment.session_id == session_id:
            assigned.append(row_of(problem, names, now))
            continue
        may = {a.action for a in caller_actions(problem, actor)}
        waiting.append((row_of(problem, names, now), Action.ASSIGN.value in may))
    sources = {
        "departments": sorted(names.items()),
        "sessions": [(held.id, f"{held.held_on.isoformat()} {held.chair.title}")],
    }
    return page(
        request, "session.html", user=user, session=session, held=held, waiting=waiting, assigned=assigned,
        spec=ACTION_FORMS[Action.ASSIGN], sources=sources, preset={"session_id": held.id}, names=names,
        kinds=dict(_KINDS), done=done_label(done) or ("已安排接待日" if done == "plan" else ""),
        back=f"/sessions/{held.id}",
    )  # fmt: skip


@router.get("/sessions/{session_id}/assignments")
def assignment_sheet(request: Request, session_id: str) -> Response:
    """交办单: the problems assigned at a session, with their departments and deadlines, to print."""
    user, session = signed_in(request)
    ledger, actor = workbench(request).services.ledger, user.actor
    try:
        held: ReceptionSession = ledger.record(actor, RecordKind.SESSION, session_id)
        agenda = ledger.agenda(actor, session_id)
        names = department_names(ledger, actor)
        enterprises = {
            e.id: e.name for e in ledger.records(actor, RecordKind.ENTERPRISE) if e.county == held.county
        }
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    lines = []
    for problem in agenda:
        assignment = problem.assignment
        if assignment is None or assignment.session_id != session_id:
            continue
        days = {due.clock: due.last_day.isoformat() for due in assignment.deadlines}
        lines.append(
            (problem, enterprises.get(problem.enterprise_id, problem.enterprise_id), assignment, days)
        )
    return page(
        request, "assignment_sheet.html", user=user, session=session, held=held, lines=lines, names=names,
        kinds=dict(_KINDS), clock_names=CLOCK_NAMES,
    )  # fmt: skip


def _sessions(records: list[Any]) -> list[ReceptionSession]:
    return sorted((r for r in records if isinstance(r, ReceptionSession)), key=lambda s: (s.held_on, s.id),
                  reverse=True)  # fmt: skip


def _required(form: Form, name: str, label: str) -> str:
    value = form.get(name)
    if not value:
        raise ValidationError(name, value, f"请填写「{label}」")
    return value
