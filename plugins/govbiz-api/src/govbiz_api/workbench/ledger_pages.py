"""台账 and 问题详情: the ledger with its filters, and one problem with what the user may do now.

Every list and every problem is what `Ledger.problems` / `Ledger.problem`
give the signed-in user's `Actor`; the action forms are those
`caller_actions` (the domain's own `authorize`) allows, and a posted form
goes to `Ledger.handle`, whose refusal is shown as the page's error with
the status it has over HTTP (403 not yours, 404 not in your division,
409 not in this state, 422 invalid).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from govbiz import commands as c
from govbiz.attachments import attachments
from govbiz.clock import beijing
from govbiz.domain.actors import Actor
from govbiz.domain.lifecycle import ACTION_ROLES, Action, ProblemState
from govbiz.domain.problem import Problem
from govbiz.domain.tenancy import Department
from govbiz.errors import GovbizError, NotFoundError, ValidationError
from govbiz.ledger import Ledger
from govbiz.ports.storage import RecordKind
from govbiz_api.views import caller_actions, deadlines_of, event_record
from govbiz_api.workbench.actions import ACTION_FORMS, command_of
from govbiz_api.workbench.sessions import WebSession
from govbiz_api.workbench.signin import safe_next
from govbiz_api.workbench.users import User
from govbiz_api.workbench.web import (
    checked_form,
    error_page,
    page,
    signed_in,
    with_headers,
    workbench,
)

__all__ = [
    "CLOCK_NAMES", "Row", "department_names", "done_label", "problem_refused", "router", "row_of",
    "size_text",
]  # fmt: skip

router = APIRouter(include_in_schema=False)

#: The clocks by their Chinese names.
CLOCK_NAMES = {"sign": "签收", "progress": "报送落实情况", "result": "报送办理结果", "return_visit": "回访"}
_PAYLOAD_NAMES = {
    "title": "标题", "category": "类别", "source": "来源", "reason": "理由", "text": "内容", "note": "备注",
    "notes": "回访记录", "outcome": "结果", "lead": "主办部门", "co_handlers": "协办部门", "into": "并入",
    "satisfied": "满意", "session_id": "接待日", "kind": "类型", "clock": "期限", "new_last_day": "延至",
    "approve": "批准", "proposed_department": "建议承办部门", "file_name": "附件",
}  # fmt: skip


@attrs.frozen(slots=True)
class Row:
    """A problem as a line of a list: its lead's name and its nearest running deadline."""

    problem: Problem
    lead: str
    due_clock: str
    due_day: str
    overdue: bool


def department_names(ledger: Ledger, actor: Actor) -> dict[str, str]:
    """Department code → short name (or name), of the departments the actor may see."""
    return {
        d.code: d.short_name or d.name
        for d in ledger.records(actor, RecordKind.DEPARTMENT)
        if isinstance(d, Department)
    }


def row_of(problem: Problem, names: dict[str, str], now: datetime, *, clock: str = "") -> Row:
    """`problem` as a list line at `now`, with the deadline of `clock` (else the nearest running one)."""
    lead = problem.assignment.lead if problem.assignment else ""
    running = sorted(problem.open_deadlines(), key=lambda due: due.cutoff)
    chosen = [due for due in running if due.clock == clock]
    first = chosen[0] if chosen else running[0] if running else None
    return Row(
        problem=problem,
        lead=names.get(lead, lead),
        due_clock=CLOCK_NAMES.get(first.clock, first.clock) if first else "",
        due_day=first.last_day.isoformat() if first else "",
        overdue=first is not None and now > first.cutoff,
    )


@router.get("/")
def home(request: Request) -> Response:
    """The start page: a department's inbox for its handlers, the ledger for everyone else."""
    user, _ = signed_in(request)
    target = "/department" if user.actor.department else "/ledger"
    return with_headers(RedirectResponse(target, status_code=303))


@router.get("/ledger")
def ledger_page(
    request: Request,
    state: Annotated[str, Query(max_length=40)] = "",
    category: Annotated[str, Query(max_length=100)] = "",
    department: Annotated[str, Query(max_length=100)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """台账: the problems the user may see, by state, category, department, and text."""
    user, session = signed_in(request)
    bench = workbench(request)
    ledger, actor = bench.services.ledger, user.actor
    try:
        states = [_state(state)] if state else None
        found = ledger.problems(
            actor, states=states, category=category or None, department=department or None
        )
        names = department_names(ledger, actor)
        categories = ledger.profile(actor.county).categories
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    if q:
        needle = q.casefold()
        found = [p for p in found if needle in f"{p.id}\n{p.title}\n{p.description}".casefold()]
    now = bench.now()
    return page(
        request, "ledger.html", user=user, session=session, rows=[row_of(p, names, now) for p in found],
        collect=_collect_form(ledger, actor),
        states=[(s.value, s.label_zh) for s in ProblemState], categories=categories, departments=names,
        chosen={"state": state, "category": category, "department": department, "q": q},
    )  # fmt: skip


@router.post("/problems")
async def collect(request: Request) -> Response:
    """收集问题: a new problem from the posted form; the library decides whether the user may collect."""
    user, session = await run_in_threadpool(signed_in, request)
    form = await checked_form(request, session.csrf)
    return await run_in_threadpool(_collect, request, (user, session), form)


def _collect(request: Request, who: tuple[User, WebSession], form: Any) -> Response:
    user, session = who
    ledger = workbench(request).services.ledger
    try:
        for name, label in (
            ("enterprise_id", "企业"),
            ("title", "问题"),
            ("category", "类别"),
            ("source", "来源"),
        ):
            if not form.get(name):
                raise ValidationError(name, "", f"请填写「{label}」")
        command = c.CollectProblem(
            enterprise_id=form.get("enterprise_id"), title=form.get("title"),
            description=form.get("description"), category=form.get("category"), source=form.get("source"),
        )  # fmt: skip
        problem = ledger.handle(user.actor, command)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    return with_headers(RedirectResponse(f"/problems/{problem.id}?done=collect", status_code=303))


def _collect_form(ledger: Ledger, actor: Actor) -> dict[str, Any] | None:
    """What the collection form offers, for a role the lifecycle lets collect (else no form)."""
    if actor.role not in ACTION_ROLES[Action.COLLECT]:
        return None
    profile = ledger.profile(actor.county)
    enterprises = [
        (e.id, e.name)
        for e in ledger.records(actor, RecordKind.ENTERPRISE)
        if e.county == actor.county and (actor.enterprise is None or e.id == actor.enterprise)
    ]
    return {"enterprises": enterprises, "categories": profile.categories, "sources": profile.sources}


@router.get("/problems/{problem_id}")
def problem_page(
    request: Request, problem_id: str, done: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    """问题详情: the problem, its deadlines explained, its history, and the forms of what the user may do."""
    user, session = signed_in(request)
    try:
        return _problem_page(request, user, session, problem_id, done=done)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)


@router.post("/problems/{problem_id}/act/{action}")
async def act(request: Request, problem_id: str, action: str) -> Response:
    """Take `action` on the problem with the posted form; the library decides whether the user may."""
    user, session = await run_in_threadpool(signed_in, request)
    form = await checked_form(request, session.csrf)
    return await run_in_threadpool(_act, request, (user, session), problem_id, action, form)


def _act(request: Request, who: tuple[User, WebSession], problem_id: str, action: str, form: Any) -> Response:
    user, session = who
    ledger = workbench(request).services.ledger
    try:
        chosen = Action(action)
        if chosen not in ACTION_FORMS:
            raise ValueError(action)
    except ValueError:
        error = NotFoundError("action", action)
        return error_page(request, error, user=user, session=session, status=404, title="没有这项操作")
    try:
        ledger.handle(user.actor, command_of(chosen, problem_id, form))
    except NotFoundError as error:
        return error_page(request, error, user=user, session=session)
    except GovbizError as error:
        return problem_refused(request, user, session, problem_id, error, tried=chosen.value)
    back = form.get("back")
    target = safe_next(back) if back else f"/problems/{problem_id}"
    separator = "&" if "?" in target else "?"
    return with_headers(RedirectResponse(f"{target}{separator}done={chosen.value}", status_code=303))


def problem_refused(
    request: Request, user: User, session: WebSession, problem_id: str, error: GovbizError, *, tried: str
) -> Response:
    """The problem's page with the library's refusal of what was `tried` on top (or the error's page)."""
    try:
        return _problem_page(request, user, session, problem_id, failed=error, tried=tried)
    except GovbizError:
        return error_page(request, error, user=user, session=session)


def _problem_page(
    request: Request, user: User, session: WebSession, problem_id: str, *, done: str = "",
    failed: GovbizError | None = None, tried: str = "",
) -> Response:  # fmt: skip
    from govbiz_api.problem_details import problem_for

    ledger, actor = workbench(request).services.ledger, user.actor
    problem = ledger.problem(actor, problem_id)
    history = [event_record(e) for e in ledger.history(actor, problem_id)]
    names = department_names(ledger, actor)
    offered = caller_actions(problem, actor)
    allowed = [a for a in offered if Action(a.action) in ACTION_FORMS]
    bench = workbench(request)
    refusal = problem_for(failed, "zh") if failed is not None else None
    return page(
        request, "problem.html", user=user, session=session, status=refusal.status if refusal else 200,
        problem=problem, enterprise=_enterprise_name(ledger, actor, problem.enterprise_id),
        departments=names, deadlines=deadlines_of(ledger, problem, "zh"), history=history,
        actions=[(a, ACTION_FORMS[Action(a.action)]) for a in allowed],
        sources=_sources(ledger, actor, problem, names), clock_names=CLOCK_NAMES,
        payload_names=_PAYLOAD_NAMES, done=done_label(done), refusal=refusal, tried=tried,
        query_code=bench.services.query_codes.code(problem.id),
        attachments=attachments(ledger, actor, problem_id), limits=bench.attachment_limits,
        may_attach=any(a.action == Action.ATTACH.value for a in offered), size_text=size_text,
        action_label=_action_label, state_label=_state_label, local=_local,
    )  # fmt: skip


def _sources(ledger: Ledger, actor: Actor, problem: Problem, names: dict[str, str]) -> dict[str, Any]:
    sessions = [
        (s.id, f"{s.held_on.isoformat()} {s.chair.title} {s.topic}".strip())
        for s in ledger.records(actor, RecordKind.SESSION)
        if s.county == problem.county
    ]
    return {
        "departments": sorted(names.items()),
        "sessions": sessions,
        "clocks": [(d.clock, CLOCK_NAMES.get(d.clock, d.clock)) for d in problem.open_deadlines()],
        "categories": [(c, c) for c in ledger.profile(problem.county).categories],
    }


def _enterprise_name(ledger: Ledger, actor: Actor, enterprise_id: str) -> str:
    try:
        return str(ledger.record(actor, RecordKind.ENTERPRISE, enterprise_id).name)
    except GovbizError:
        return enterprise_id


def _state(text: str) -> ProblemState:
    try:
        return ProblemState(text)
    except ValueError:
        raise ValidationError("state", text, "is not a problem state") from None


def _action_label(kind: str) -> str:
    try:
        return Action(kind).label_zh
    except ValueError:
        return kind


def _state_label(state: str | None) -> str:
    if not state:
        return ""
    try:
        return ProblemState(state).label_zh
    except ValueError:
        return state


def done_label(done: str) -> str:
    """What a redirect's `done=` says was just done (`已签收`), or "" for anything else."""
    known = {a.value for a in ACTION_FORMS} | {Action.COLLECT.value, Action.ATTACH.value}
    return f"已{_action_label(done)}" if done in known else ""


def size_text(size: int) -> str:
    """A file's size as people read it: 356 KB, 2.4 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _local(instant: datetime) -> str:
    """An instant in Beijing time, as a clerk reads it."""
    return instant.astimezone(beijing()).strftime("%Y-%m-%d %H:%M")
