"""Supervision (督查): circulars (通报) and reminders (催办)."""

from __future__ import annotations

from typing import Any

from govbiz import commands as c
from govbiz.clock import beijing
from govbiz.domain.actors import Role
from govbiz.domain.circular import Circular
from govbiz.domain.dates import check_not_after
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import Reminded
from govbiz.domain.problem import Problem
from govbiz.errors import ValidationError
from govbiz.handlers.context import CommandContext, Handler, command_payload
from govbiz.ports.storage import RecordKind

__all__ = ["HANDLERS"]

_SUPERVISORS = frozenset({Role.SUPERVISOR})


def publish_circular(ctx: CommandContext, cmd: c.PublishCircular) -> Circular:
    """A supervision circular (督查通报) naming departments and problems of the county."""
    ctx.require_role(_SUPERVISORS, "PublishCircular")
    ctx.require_own_county(cmd.county, "PublishCircular")
    for code in cmd.departments:
        ctx.department(code, field="departments", county=cmd.county)
    for problem_id in cmd.problems:
        _check_named_problem(ctx, problem_id, cmd.county)
    # A circular reports on days that have passed (Beijing time).
    check_not_after("period_end", cmd.period_end, ctx.now.astimezone(beijing()).date())
    circular = Circular(
        id=ctx.new_id("circular", cmd.county, "C", 4),
        county=cmd.county,
        title=cmd.title,
        period_start=cmd.period_start,
        period_end=cmd.period_end,
        published_at=ctx.now,
        published_by=ctx.actor.id,
        departments=cmd.departments,
        problems=cmd.problems,
        body=cmd.body,
    )
    ctx.add_record(
        RecordKind.CIRCULAR, circular.id, circular, county=circular.county, payload=command_payload(cmd)
    )
    return circular


def _check_named_problem(ctx: CommandContext, problem_id: str, county: str) -> None:
    """A circular names problems of its own county; another county's reads as no such problem."""
    problem = ctx.uow.get_problem(problem_id)
    if problem is None or problem.county != county:
        raise ValidationError("problems", problem_id, f"no problem {problem_id} in county {county}")


def remind(ctx: CommandContext, cmd: c.SendReminder) -> Problem:
    """A reminder (提醒、催办、督办) on a problem, kept in its history."""
    return ctx.act(ctx.problem(cmd.problem_id), Action.REMIND, Reminded(kind=cmd.kind, note=cmd.note))


HANDLERS: dict[type[c.Command[Any]], Handler] = {
    c.PublishCircular: publish_circular,
    c.SendReminder: remind,
}
