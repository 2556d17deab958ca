"""Supervision (督查): circulars (通报) and reminders (催办)."""

from __future__ import annotations

from typing import Any

from govbiz import commands as c
from govbiz.domain.actors import Role
from govbiz.domain.circular import Circular
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import Reminded
from govbiz.domain.problem import Problem
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
        ctx.problem(problem_id)
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


def remind(ctx: CommandContext, cmd: c.SendReminder) -> Problem:
    """A reminder (提醒、催办、督办) on a problem, kept in its history."""
    return ctx.act(ctx.problem(cmd.problem_id), Action.REMIND, Reminded(kind=cmd.kind, note=cmd.note))


HANDLERS: dict[type[c.Command[Any]], Handler] = {
    c.PublishCircular: publish_circular,
    c.SendReminder: remind,
}
