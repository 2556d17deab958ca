"""The handling a county's earlier ledger records (导入的办理经过): `RecordImportedHistory`.

A clerk's ledger says when a problem was assigned (交办时间), to whom
(责任单位), how it went (办理进度), whether and when it was completed (是否办结,
办结时间) and what the enterprise said (回访/满意度).  The import records each
of these as the problem's event, as the lifecycle table allows it, but not
as the departments' own acts: the importer (a collector or the secretariat)
records them now, and each event's payload says where it was read and when
it happened (`govbiz.domain.payloads.imported_from`).  Figures count each
step from that day (`govbiz.domain.payloads.effective_at`); nobody is
notified of a step that happened long ago.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from govbiz import commands as c
from govbiz import due
from govbiz.domain.actors import Role
from govbiz.domain.handling import ResultOutcome
from govbiz.domain.lifecycle import Action, ProblemState, find_transition
from govbiz.domain.payloads import (
    Assigned,
    Payload,
    ProgressReported,
    ResultReported,
    ReturnVisited,
    Signed,
    Triaged,
    imported_from,
)
from govbiz.domain.problem import Problem, allowed_actions, record
from govbiz.errors import IllegalTransitionError, ValidationError
from govbiz.handlers.context import CommandContext, Handler
from govbiz.handlers.problems import VERIFICATION

__all__ = ["HANDLERS", "IMPORTERS"]

#: Who may record an imported history: who imports a ledger, and the secretariat that keeps it.
IMPORTERS = frozenset({Role.COLLECTOR, Role.SECRETARIAT})


def record_imported_history(ctx: CommandContext, cmd: c.RecordImportedHistory) -> Problem:
    """Record the 交办, 办理进度, 办结 and 回访 a ledger gives for a problem just imported."""
    ctx.require_role(IMPORTERS, "record an imported history")
    problem = ctx.problem(cmd.problem_id)
    ctx.require_own_county(problem.county, "record an imported history")
    if problem.state is not ProblemState.COLLECTED or problem.version != 1:
        raise ValidationError(
            "problem_id", problem.id, f"has a history already ({problem.state.value}); only a problem "
            "just collected takes one from a ledger",
        )  # fmt: skip
    _check_instants(ctx, problem, cmd)
    problem = _assign(ctx, problem, cmd)
    closed = cmd.closure is not c.ImportedClosure.OPEN
    if not (closed or cmd.progress):
        return problem
    problem = _step(ctx, problem, Action.SIGN, Signed(imported=_mark(cmd, cmd.assigned_at)))
    if cmd.progress:
        when = cmd.progress_at or cmd.completed_at or ctx.now
        progress = ProgressReported(text=cmd.progress, imported=_mark(cmd, when))
        problem = _step(ctx, problem, Action.REPORT_PROGRESS, progress)
    if not closed:
        return problem
    assert cmd.completed_at is not None  # the command requires it of a closed row
    long_term = cmd.closure is c.ImportedClosure.LONG_TERM
    outcome = ResultOutcome.LONG_TERM if long_term else cmd.outcome
    reported = ResultReported(
        outcome=outcome, text=cmd.result or outcome.label_zh, deadlines=None if long_term else (),
        imported=_mark(cmd, cmd.completed_at),
    )  # fmt: skip
    problem = _step(ctx, problem, Action.REPORT_RESULT, reported, "long_term" if long_term else "final")
    if cmd.satisfaction is None:
        return problem
    return _visit(ctx, problem, cmd, _mark(cmd, cmd.visited_at or cmd.completed_at))


def _mark(cmd: c.RecordImportedHistory, when: datetime) -> Any:
    return imported_from(cmd.imported_file, cmd.imported_sheet, cmd.imported_row, when)


def _assign(ctx: CommandContext, problem: Problem, cmd: c.RecordImportedHistory) -> Problem:
    """研判 and 交办 on the ledger's 交办 day, the clocks counted by the county's policy from it."""
    for code in (cmd.lead, *cmd.co_handlers):
        ctx.department(code, field="lead" if code == cmd.lead else "co_handlers", county=problem.county)
    if cmd.lead in cmd.co_handlers:
        raise ValidationError("co_handlers", cmd.lead, "the lead department cannot also be a co-handler")
    policy = ctx.policy(problem.county)
    at = cmd.assigned_at
    clocks = due.start_assignment_clocks(policy, at, {})
    if cmd.co_handlers:
        clocks.extend(due.start_co_handling(policy, at))
    problem = _step(ctx, problem, Action.TRIAGE, Triaged(imported=_mark(cmd, at)))
    assigned = Assigned(
        lead=cmd.lead, co_handlers=cmd.co_handlers, deadlines=tuple(clocks), imported=_mark(cmd, at)
    )
    return _step(ctx, problem, Action.ASSIGN, assigned)


def _visit(ctx: CommandContext, problem: Problem, cmd: c.RecordImportedHistory, imported: Any) -> Problem:
    """The return visit as `govbiz.handlers.problems.return_visit` records it, on the ledger's day."""
    assert cmd.satisfaction is not None
    policy = ctx.policy(problem.county)
    at = cmd.visited_at or cmd.completed_at
    assert at is not None
    closes = policy.closes(cmd.satisfaction)
    verifies = not closes and any(r.name == VERIFICATION and r.enabled for r in policy.clocks)
    fresh: tuple[Any, ...] | None = None
    if verifies:
        started = due.start_clock(policy, VERIFICATION, at)
        fresh = (started,) if started else ()
    elif not closes:
        fresh = tuple(due.start_assignment_clocks(policy, at, {}, redo=True))
    outcome = "satisfied" if closes else "verify" if verifies else "unsatisfied"
    visited = ReturnVisited(
        satisfied=closes, deadlines=fresh, satisfaction=cmd.satisfaction, imported=imported
    )
    return _step(ctx, problem, Action.RETURN_VISIT, visited, outcome)


def _check_instants(ctx: CommandContext, problem: Problem, cmd: c.RecordImportedHistory) -> None:
    if cmd.assigned_at < problem.collected_at:
        raise ValidationError(
            "assigned_at", cmd.assigned_at.isoformat(),
            f"is before the problem was collected ({problem.collected_at.isoformat()})",
        )  # fmt: skip
    for name in ("assigned_at", "progress_at", "completed_at", "visited_at"):
        at = getattr(cmd, name)
        if at is not None and at > ctx.now:
            raise ValidationError(name, at.isoformat(), "is in the future")


def _step(ctx: CommandContext, problem: Problem, action: Action, data: Payload, outcome: str = "") -> Problem:
    """One step, as the lifecycle table allows it from the problem's state (the importer records it)."""
    row = find_transition(action, problem.state, outcome)
    if row is None or action not in allowed_actions(problem):
        raise IllegalTransitionError(
            problem.id, problem.state.value, action.value, (a.value for a in allowed_actions(problem))
        )
    return ctx.save(problem, record(problem, row, ctx.actor, ctx.now, data), data)


HANDLERS: dict[type[c.Command[Any]], Handler] = {c.RecordImportedHistory: record_imported_history}
