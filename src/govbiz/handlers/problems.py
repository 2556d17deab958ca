"""A problem's own life (问题办理): collected, triaged, signed for, reported, extended,
suspended and resumed, visited again.

Each handler reads the problem, checks what the command names (a category
of the county, a department of its county …), and lets the domain decide
through `CommandContext.act`.  Payloads that need the deadline policy are
built only once the action is authorized.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from govbiz import commands as c
from govbiz import due
from govbiz.clock import beijing
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.handling import DueDate, ResultOutcome
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import (
    AppealDecided,
    CoHandlingReported,
    Collected,
    ExtensionDecided,
    ExtensionRequested,
    FileAttached,
    Merged,
    Noted,
    Payload,
    ProgressReported,
    RatingAppealed,
    ResultReported,
    Resumed,
    ReturnDecided,
    Returned,
    ReturnVisited,
    Signed,
    Triaged,
    Verified,
)
from govbiz.domain.problem import Problem, check_merge_target, decide
from govbiz.errors import ValidationError
from govbiz.handlers.context import CommandContext, Handler
from govbiz.ports.storage import RecordKind

if TYPE_CHECKING:
    from govbiz.deadlines import DeadlinePolicy

__all__ = ["HANDLERS"]


def collect(ctx: CommandContext, cmd: c.CollectProblem) -> Problem:
    """Enter an enterprise's problem in the ledger (收集), numbered per county and year."""
    enterprise = ctx.record(RecordKind.ENTERPRISE, cmd.enterprise_id, Enterprise)
    profile = ctx.profile(enterprise.county)
    profile.check_category(cmd.category)
    profile.check_source(cmd.source)
    collected_at = cmd.collected_at or ctx.now
    if collected_at > ctx.now:
        raise ValidationError("collected_at", collected_at.isoformat(), "is in the future")
    # Problem numbers run per county and Beijing-time year (台账编号), e.g. 430800-2025-0001.
    year = ctx.now.astimezone(beijing()).year
    number = ctx.uow.next_number(f"problem:{enterprise.county}:{year}")
    payload = Collected(
        enterprise_id=enterprise.id,
        title=cmd.title,
        description=cmd.description,
        category=cmd.category,
        source=cmd.source,
        collected_at=collected_at,
        imported_file=cmd.imported_file,
        imported_sheet=cmd.imported_sheet,
        imported_row=cmd.imported_row,
    )
    problem_id = f"{enterprise.county}-{year}-{number:04d}"
    event = decide(
        None, Action.COLLECT, ctx.actor, ctx.now, payload, problem_id=problem_id, county=enterprise.county
    )
    return ctx.save(None, event, payload)


def triage(ctx: CommandContext, cmd: c.TriageProblem) -> Problem:
    """Sort a problem (分类研判), perhaps into another category of its county."""
    problem = ctx.problem(cmd.problem_id)
    if cmd.category is not None:
        ctx.profile(problem.county).check_category(cmd.category)
    return ctx.act(problem, Action.TRIAGE, Triaged(category=cmd.category, note=cmd.note))


def merge(ctx: CommandContext, cmd: c.MergeProblem) -> Problem:
    """Merge a duplicate into another problem of the same county (合并)."""
    problem = ctx.problem(cmd.problem_id)
    target = ctx.problem(cmd.into)
    check_merge_target(problem, target)  # same county, open: no chains, no cycles
    return ctx.act(problem, Action.MERGE, Merged(into=target.id))


def return_assignment(ctx: CommandContext, cmd: c.ReturnAssignment) -> Problem:
    """A department asks to return an assignment it holds not to be its own (退单), perhaps naming another.

    The county's policy gives the grounds allowed and how often one
    department may return one problem; the secretariat decides (`decide_return`).
    """
    problem = ctx.problem(cmd.problem_id)
    if cmd.proposed_department is not None:
        ctx.department(cmd.proposed_department, field="proposed_department", county=problem.county)

    def payload() -> Returned:
        policy = ctx.policy(problem.county)
        ground = policy.check_return_reason(cmd.ground) if cmd.ground else policy.return_reasons[0]
        department = ctx.actor.department or ""
        asked = problem.returns_by(department)
        if len(asked) >= policy.returns_per_department:
            times = "once" if policy.returns_per_department == 1 else f"{policy.returns_per_department} times"
            raise ValidationError(
                "problem_id",
                problem.id,
                f"{department} already asked to return problem {problem.id} "
                f"({asked[-1].requested_at.isoformat()}, {asked[-1].status.value}); "
                f"a department may return a problem {times} here",
            )
        return Returned(reason=cmd.reason, proposed_department=cmd.proposed_department, ground=ground)

    return ctx.act(problem, Action.RETURN, payload)


def sign(ctx: CommandContext, cmd: c.SignAssignment) -> Problem:
    """The lead department signs for an assignment (签收); late at or after the sign-for cutoff.

    The cutoff is the `sign` clock's, counted from 交办: a return asked for
    and refused meanwhile does not move it.
    """
    problem = ctx.problem(cmd.problem_id)

    def payload() -> Signed:
        due = problem.assignment.deadline("sign") if problem.assignment else None
        return Signed(late=due is not None and ctx.now >= due.cutoff)

    return ctx.act(problem, Action.SIGN, payload)


def decide_return(ctx: CommandContext, cmd: c.DecideReturn) -> Problem:
    """The secretariat accepts or refuses a return (退单审定); refused, the clocks run as they were."""
    problem = ctx.problem(cmd.problem_id)
    outcome = "accepted" if cmd.accept else "refused"
    decision = ReturnDecided(accepted=cmd.accept, note=cmd.note)
    return ctx.act(problem, Action.DECIDE_RETURN, decision, outcome=outcome)


def report_result(ctx: CommandContext, cmd: c.ReportResult) -> Problem:
    """The lead department reports its result (报送办理结果); a final one starts the return-visit clock."""
    problem = ctx.problem(cmd.problem_id)
    outcome = "long_term" if cmd.outcome is ResultOutcome.LONG_TERM else "final"

    def payload() -> ResultReported:
        visit: tuple[DueDate, ...] | None = None
        if outcome == "final":  # the collector's return-visit clock starts now
            started = due.start_clock(ctx.policy(problem.county), "return_visit", ctx.now)
            visit = (started,) if started else ()
        return ResultReported(outcome=cmd.outcome, text=cmd.text, deadlines=visit)

    return ctx.act(problem, Action.REPORT_RESULT, payload, outcome=outcome)


def request_extension(ctx: CommandContext, cmd: c.RequestExtension) -> Problem:
    """Ask for a later last day on one clock (申请延期), before it runs out."""
    problem = ctx.problem(cmd.problem_id)

    def payload() -> ExtensionRequested:
        current = problem.assignment.deadline(cmd.clock) if problem.assignment else None
        if current is not None:
            due.check_extension_request(ctx.policy(problem.county), current, cmd.new_last_day, ctx.now)
        return ExtensionRequested(clock=cmd.clock, new_last_day=cmd.new_last_day, reason=cmd.reason)

    return ctx.act(problem, Action.REQUEST_EXTENSION, payload)


def decide_extension(ctx: CommandContext, cmd: c.DecideExtension) -> Problem:
    """Approve or refuse the pending extension (延期审批); approved, the clock moves."""
    problem = ctx.problem(cmd.problem_id)

    def payload() -> ExtensionDecided:
        moved: tuple[DueDate, ...] | None = None
        pending = problem.pending_extension
        current = problem.assignment.deadline(pending.clock) if pending and problem.assignment else None
        if cmd.approve and pending is not None and current is not None:
            policy = ctx.policy(problem.county)
            moved = (due.extended(policy, current, pending.new_last_day, pending.requested_at),)
        return ExtensionDecided(approved=cmd.approve, note=cmd.note, deadlines=moved)

    return ctx.act(problem, Action.DECIDE_EXTENSION, payload)


def resume(ctx: CommandContext, cmd: c.ResumeProblem) -> Problem:
    """Resume a suspended problem (恢复办理): running clocks get back the working days lost."""
    problem = ctx.problem(cmd.problem_id)

    def payload() -> Resumed:
        if not problem.suspensions or problem.assignment is None:
            return Resumed(note=cmd.note)
        since = problem.suspensions[-1].suspended_at
        policy = ctx.policy(problem.county)
        moved = tuple(
            due.resumed(policy, d, since, ctx.now)
            for d in problem.assignment.deadlines
            if d.cutoff > since  # a clock that had already expired stays expired
        )
        return Resumed(note=cmd.note, deadlines=moved)

    return ctx.act(problem, Action.RESUME, payload)


def return_visit(ctx: CommandContext, cmd: c.RecordReturnVisit) -> Problem:
    """The enterprise is asked again (回访); a level the county does not take as closing: 重办.

    The county's policy says which of the five levels close the problem
    (`DeadlinePolicy.closing_satisfaction`); the event records the level and
    whether it closed (`satisfied`), so a later change of policy never
    rewrites a visit.
    """
    problem = ctx.problem(cmd.problem_id)
    policy = ctx.policy(problem.county)
    level = cmd.level
    closes = policy.closes(level)
    verifies = not closes and _verifies(policy)
    outcome = "satisfied" if closes else "verify" if verifies else "unsatisfied"

    def payload() -> ReturnVisited:
        fresh: tuple[DueDate, ...] | None = None
        if verifies:  # 核实 first, on the county's verification clock
            started = due.start_clock(policy, VERIFICATION, ctx.now)
            fresh = (started,) if started else ()
        elif not closes:  # 重办: the department starts again on fresh clocks
            fresh = tuple(due.start_assignment_clocks(policy, ctx.now, {}, redo=True))
        return ReturnVisited(satisfied=closes, notes=cmd.notes, deadlines=fresh, satisfaction=level)

    return ctx.act(problem, Action.RETURN_VISIT, payload, outcome=outcome)


#: The clock of the verification of an unsatisfied visit (差评核实), off unless the county turns it on.
VERIFICATION = "verification"


def _verifies(policy: DeadlinePolicy) -> bool:
    return any(rule.name == VERIFICATION and rule.enabled for rule in policy.clocks)


def record_verification(ctx: CommandContext, cmd: c.RecordVerification) -> Problem:
    """The verification ends (核实): a redo on fresh clocks, or the explanation closes the problem."""
    problem = ctx.problem(cmd.problem_id)

    def payload() -> Verified:
        fresh: tuple[DueDate, ...] | None = None
        if cmd.redo:  # 重办, as after an unsatisfied visit where nobody verifies
            fresh = tuple(due.start_assignment_clocks(ctx.policy(problem.county), ctx.now, {}, redo=True))
        return Verified(redo=cmd.redo, explanation=cmd.explanation, deadlines=fresh)

    outcome = "redo" if cmd.redo else "explained"
    return ctx.act(problem, Action.VERIFY, payload, outcome=outcome)


def appeal_rating(ctx: CommandContext, cmd: c.AppealRating) -> Problem:
    """The lead department contests the latest rating (申诉复核), within the county's working days."""
    problem = ctx.problem(cmd.problem_id)

    def payload() -> RatingAppealed:
        policy = ctx.policy(problem.county)
        visited = problem.return_visits[-1].visited_at  # the lifecycle allows it only after a visit
        last_day = policy.calendar.add_working_days(policy.local_day(visited), policy.appeal_working_days)
        if policy.local_day(ctx.now) > last_day:
            raise ValidationError(
                "problem_id",
                problem.id,
                f"the rating of {policy.local_day(visited).isoformat()} could be appealed until "
                f"{last_day.isoformat()} ({policy.appeal_working_days}个工作日)",
            )
        return RatingAppealed(reason=cmd.reason)

    return ctx.act(problem, Action.APPEAL_RATING, payload)


def decide_appeal(ctx: CommandContext, cmd: c.DecideAppeal) -> Problem:
    """The supervisor grants or refuses the pending appeal (复核); the rating stays in the history."""
    decision = AppealDecided(granted=cmd.grant, note=cmd.note)
    return ctx.act(ctx.problem(cmd.problem_id), Action.DECIDE_APPEAL, decision)


def attach_file(ctx: CommandContext, cmd: c.AttachFile) -> Problem:
    """A file attached (上传附件), recorded only if the ledger's store holds its bytes (hash and size)."""

    def payload() -> FileAttached:  # after the role, scope and state are checked
        store = ctx.counties.attachments
        if store is None:
            raise ValidationError("sha256", cmd.sha256, "this ledger keeps no attachments (no store)")
        kept = store.size(cmd.sha256)
        if kept != cmd.size:
            found = "none" if kept is None else f"{kept} bytes"
            reason = f"the store holds {found} under this hash, not {cmd.size}: store the file first"
            raise ValidationError("sha256", cmd.sha256, reason)
        return FileAttached(
            file_name=cmd.file_name, media_type=cmd.media_type, size=cmd.size, sha256=cmd.sha256,
            note=cmd.note,
        )  # fmt: skip

    return ctx.act(ctx.problem(cmd.problem_id), Action.ATTACH, payload)


def _fields(action: Action, payload: type[Payload], *fields: str) -> Callable[[CommandContext, Any], Problem]:
    """A handler for actions whose payload is just some of the command's fields."""

    def handler(ctx: CommandContext, cmd: Any) -> Problem:
        data = payload(**{name: getattr(cmd, name) for name in fields})
        return ctx.act(ctx.problem(cmd.problem_id), action, data)

    handler.__name__ = handler.__qualname__ = action.value
    return handler


HANDLERS: dict[type[c.Command[Any]], Handler] = {
    c.CollectProblem: collect,
    c.TriageProblem: triage,
    c.RejectProblem: _fields(Action.REJECT, Noted, "reason"),
    c.WithdrawProblem: _fields(Action.WITHDRAW, Noted, "reason"),
    c.MergeProblem: merge,
    c.SignAssignment: sign,
    c.ReturnAssignment: return_assignment,
    c.DecideReturn: decide_return,
    c.ReportProgress: _fields(Action.REPORT_PROGRESS, ProgressReported, "text"),
    c.ReportCoHandling: _fields(Action.REPORT_CO_HANDLING, CoHandlingReported, "text"),
    c.ReportResult: report_result,
    c.RequestExtension: request_extension,
    c.DecideExtension: decide_extension,
    c.SuspendProblem: _fields(Action.SUSPEND, Noted, "reason"),
    c.ResumeProblem: resume,
    c.RecordReturnVisit: return_visit,
    c.RecordVerification: record_verification,
    c.AppealRating: appeal_rating,
    c.DecideAppeal: decide_appeal,
    c.AttachFile: attach_file,
}
