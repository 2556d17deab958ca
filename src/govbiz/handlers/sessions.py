"""Reception days and assignment (接待日与交办): plan a session, put problems on its agenda,
assign them on the spot or later, reassign.

Assigning starts the department's clocks (签收, 7-working-day progress,
30-day result …) from the county's deadline policy, or from the days the
chair fixed on the spot (现场明确).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from govbiz import commands as c
from govbiz import due
from govbiz.domain.actors import Role
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import Assigned, Scheduled
from govbiz.domain.problem import Problem
from govbiz.domain.session import Chair, ReceptionSession
from govbiz.errors import ValidationError
from govbiz.handlers.context import CommandContext, Handler, command_payload
from govbiz.ports.storage import RecordKind

__all__ = ["HANDLERS"]

_PLANNERS = frozenset({Role.SECRETARIAT})


def plan_session(ctx: CommandContext, cmd: c.PlanSession) -> ReceptionSession:
    """A reception day (接待日) of the county, planned by the secretariat."""
    ctx.require_role(_PLANNERS, "PlanSession")
    ctx.require_own_county(cmd.county, "PlanSession")
    for code in cmd.departments:
        ctx.department(code, field="departments", county=cmd.county)
    session = ReceptionSession(
        id=ctx.new_id("session", cmd.county, "S", 4),
        county=cmd.county,
        held_on=cmd.held_on,
        kind=cmd.kind,
        chair=Chair(title=cmd.chair_title, name=cmd.chair_name),
        place=cmd.place,
        topic=cmd.topic,
        departments=cmd.departments,
        attendees=cmd.attendees,
    )
    ctx.add_record(
        RecordKind.SESSION, session.id, session, county=session.county, payload=command_payload(cmd)
    )
    return session


def schedule(ctx: CommandContext, cmd: c.ScheduleProblem) -> Problem:
    """Put a problem on a session's agenda (列入议程)."""
    problem = ctx.problem(cmd.problem_id)
    session = ctx.session(cmd.session_id, problem.county)
    return ctx.act(problem, Action.SCHEDULE, Scheduled(session_id=session.id))


def assign(ctx: CommandContext, cmd: c.AssignProblem) -> Problem:
    """Assign a lead department and co-handlers (交办), starting their clocks."""
    problem = ctx.problem(cmd.problem_id)
    session_id = cmd.session_id or problem.session_id
    if session_id is not None:
        ctx.session(session_id, problem.county)

    def payload() -> Assigned:
        return _assignment(ctx, problem, cmd.lead, cmd.co_handlers, cmd.deadlines, session_id=session_id)

    return ctx.act(problem, Action.ASSIGN, payload)


def reassign(ctx: CommandContext, cmd: c.ReassignProblem) -> Problem:
    """Assign again after a return (改派), on fresh clocks."""
    problem = ctx.problem(cmd.problem_id)

    def payload() -> Assigned:
        session_id = problem.session_id
        return _assignment(ctx, problem, cmd.lead, cmd.co_handlers, cmd.deadlines, session_id=session_id)

    return ctx.act(problem, Action.REASSIGN, payload)


def _assignment(
    ctx: CommandContext,
    problem: Problem,
    lead: str,
    co_handlers: Sequence[str],
    fixed: Mapping[str, date],
    *,
    session_id: str | None,
) -> Assigned:
    ctx.department(lead, field="lead", county=problem.county)
    for code in co_handlers:
        ctx.department(code, field="co_handlers", county=problem.county)
    if lead in co_handlers:
        raise ValidationError("co_handlers", lead, "the lead department cannot also be a co-handler")
    policy = ctx.policy(problem.county)
    deadlines = due.start_assignment_clocks(policy, ctx.now, fixed)
    if co_handlers:  # 协办: the co-handlers' own clock, from the same 交办
        deadlines.extend(due.start_co_handling(policy, ctx.now))
    return Assigned(
        lead=lead, co_handlers=tuple(co_handlers), deadlines=tuple(deadlines), on_the_spot=bool(fixed),
        session_id=session_id,
    )  # fmt: skip


HANDLERS: dict[type[c.Command[Any]], Handler] = {
    c.PlanSession: plan_session,
    c.ScheduleProblem: schedule,
    c.AssignProblem: assign,
    c.ReassignProblem: reassign,
}
