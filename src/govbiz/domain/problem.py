"""The problem (问题/诉求): the aggregate at the heart of the ledger.

A `Problem` is immutable.  Changing one is two pure steps:

1. `decide` checks that the actor may take the action on this problem
   now (role, county, department, lifecycle table, guards) and returns the
   `govbiz.domain.events.DomainEvent` that records it;
2. `apply` folds that event into the problem and returns the new one.

`replay` folds a whole event stream, which is how the audit trail is
proven to reproduce the state.  No function here reads a clock or does I/O:
the caller passes the instant and any computed deadlines in the payload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

import attrs

from govbiz.domain.actors import Actor, Role
from govbiz.domain.events import DomainEvent, JsonValue
from govbiz.domain.handling import (
    AppealStatus,
    Assignment,
    CoHandlingReply,
    DueDate,
    Extension,
    ExtensionStatus,
    Holding,
    ProgressReport,
    RatingAppeal,
    Reminder,
    ResultReport,
    ReturnRequest,
    ReturnStatus,
    ReturnVisit,
    Satisfaction,
    Suspension,
    Verification,
)
from govbiz.domain.lifecycle import (
    ACTION_ROLES,
    FINAL_STATES,
    Action,
    ProblemState,
    Transition,
    find_transition,
    transitions_from,
)
from govbiz.domain.payloads import (
    PAYLOADS,
    AppealDecided,
    Assigned,
    CoHandlingReported,
    Collected,
    DeadlinesRebased,
    ExtensionDecided,
    ExtensionRequested,
    LinkedRule,
    Merged,
    Noted,
    Payload,
    ProgressReported,
    RatingAppealed,
    Reminded,
    ResultReported,
    Resumed,
    ReturnDecided,
    Returned,
    ReturnVisited,
    Scheduled,
    Signed,
    Triaged,
    Verified,
    effective_at,
)
from govbiz.errors import IllegalTransitionError, PermissionDeniedError, ValidationError

__all__ = [
    "CO_HANDLING",
    "STREAM",
    "Problem",
    "allowed_actions",
    "apply",
    "authorize",
    "check_merge_target",
    "decide",
    "record",
    "replay",
]

#: The event stream name of problems.
STREAM = "problem"
#: The co-handlers' clock (协办时限): each co-handling department replies to the lead within it.
CO_HANDLING = "co_handling"

#: While the clocks are suspended only these actions make sense.
_WHILE_SUSPENDED = frozenset(
    {Action.RESUME, Action.WITHDRAW, Action.REMIND, Action.LINK_LASTING_RULE, Action.ATTACH}
)
#: The clocks awaiting a report in each state (see Problem.open_deadlines).
#: A return asked for answers the sign-for clock; the others run on (the clock runs from 交办).
#: The co-handlers' clock (`co_handling`) runs while the lead handles, until every one has replied.
_OPEN_CLOCKS: dict[ProblemState, frozenset[str]] = {
    ProblemState.ASSIGNED: frozenset({"sign", "progress", "result", CO_HANDLING}),
    ProblemState.RETURN_REQUESTED: frozenset({"progress", "result", CO_HANDLING}),
    ProblemState.SIGNED: frozenset({"progress", "result", CO_HANDLING}),
    ProblemState.REDO: frozenset({"progress", "result", CO_HANDLING}),
    ProblemState.IN_PROGRESS: frozenset({"result", CO_HANDLING}),
    ProblemState.RESULT_REPORTED: frozenset({"return_visit"}),
    ProblemState.VERIFYING: frozenset({"verification"}),
}
#: Actions a department handler may take only as the lead department (主办).
_LEAD_ONLY = frozenset(
    {Action.SIGN, Action.RETURN, Action.REPORT_RESULT, Action.REQUEST_EXTENSION, Action.APPEAL_RATING}
)
#: Actions a department handler may take only as a co-handling department (协办).
_CO_ONLY = frozenset({Action.REPORT_CO_HANDLING})
#: Actions a department handler may take as lead or co-handler (协办).
_LEAD_OR_CO = frozenset({Action.REPORT_PROGRESS, Action.LINK_LASTING_RULE, Action.ATTACH})


@attrs.frozen(slots=True)
class Problem:
    """A problem an enterprise raised (企业反映的问题/诉求), with its whole handling.

    Fields are filled in as the lifecycle goes on: `assignment` once it is
    assigned (交办), `progress` and `result` from the lead department's
    reports, `return_visits` from the collector, and so on.  `version`
    counts the events applied and is used for optimistic concurrency.
    """

    id: str
    county: str
    enterprise_id: str
    title: str
    description: str
    category: str
    source: str
    collected_by: str
    collected_at: datetime
    state: ProblemState
    version: int
    session_id: str | None = None
    assignment: Assignment | None = None
    previous_assignments: tuple[Assignment, ...] = ()
    progress: tuple[ProgressReport, ...] = ()
    result: ResultReport | None = None
    return_visits: tuple[ReturnVisit, ...] = ()
    extensions: tuple[Extension, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    reminders: tuple[Reminder, ...] = ()
    duplicate_of: str | None = None
    returns: tuple[ReturnRequest, ...] = ()
    lasting_rules: tuple[str, ...] = ()
    redo_count: int = 0
    note: str = ""
    updated_at: datetime | None = None
    last_hash: str = ""

    @property
    def suspended(self) -> bool:
        """True while the clocks are suspended (中止)."""
        return bool(self.suspensions) and self.suspensions[-1].active

    @property
    def pending_extension(self) -> Extension | None:
        """The extension request awaiting a decision, if any."""
        if self.extensions and self.extensions[-1].status is ExtensionStatus.REQUESTED:
            return self.extensions[-1]
        return None

    @property
    def pending_return(self) -> ReturnRequest | None:
        """The return (退单) awaiting the secretariat's decision, if any."""
        if self.returns and self.returns[-1].status is ReturnStatus.REQUESTED:
            return self.returns[-1]
        return None

    def returns_by(self, department: str) -> tuple[ReturnRequest, ...]:
        """Every return `department` asked for on this problem, decided or not."""
        return tuple(r for r in self.returns if r.department == department)

    @property
    def holdings(self) -> tuple[Holding, ...]:
        """Who held the problem when (办理时段): each assignment's lead and co-handlers, in order.

        A holding ends when its assignment ends (an accepted return, the next
        assignment) or the problem does (closed, withdrawn …); one that ended
        by an accepted return is not `counted` against its departments.
        """
        ended = self._ended_at()
        rounds = (*self.previous_assignments, *((self.assignment,) if self.assignment else ()))
        held = []
        for i, assignment in enumerate(rounds):
            following = rounds[i + 1] if i + 1 < len(rounds) else None
            until = assignment.ended_at or (following.assigned_at if following else ended)
            # Before returns were decided only a return ended an assignment (no `ended_at` stored).
            returned = assignment.returned or (following is not None and assignment.ended_at is None)
            for code in (assignment.lead, *assignment.co_handlers):
                held.append(
                    Holding(
                        department=code, lead=code == assignment.lead, round=assignment.round,
                        since=assignment.assigned_at, until=until, counted=not returned,
                    )
                )  # fmt: skip
        return tuple(held)

    def _ended_at(self) -> datetime | None:
        """When the problem ended: the visit (or its verification) that closed it, else its last change."""
        if self.state not in FINAL_STATES:
            return None
        if self.state is ProblemState.CLOSED and self.return_visits:
            visit = self.return_visits[-1]  # a later appeal or lasting rule does not move the end
            return visit.verification.verified_at if visit.verification else visit.visited_at
        return self.updated_at

    def open_deadlines(self) -> tuple[DueDate, ...]:
        """Deadlines still waiting for their report, in the current state.

        Signing is awaited while assigned; the progress report until the
        first one arrives (state `in_progress`); the result until it is
        reported; the return visit after it.  Suspended problems and
        long-term ones (长期推进, reported periodically) have no running clock.
        """
        if self.assignment is None or self.suspended:
            return ()
        clocks = _OPEN_CLOCKS.get(self.state, frozenset())
        if CO_HANDLING in clocks and not self.assignment.awaited_co_handlers():
            clocks = clocks - {CO_HANDLING}
        return tuple(due for due in self.assignment.deadlines if due.clock in clocks)

    @property
    def lead_department(self) -> str | None:
        """The lead department (主办) of the current assignment."""
        return self.assignment.lead if self.assignment else None


def allowed_actions(problem: Problem) -> frozenset[Action]:
    """The actions the lifecycle allows on `problem` now (any role)."""
    visit = problem.return_visits[-1] if problem.return_visits else None
    appeal = "none" if visit is None else "open" if visit.appeal is None else visit.appeal.status.value
    return _allowed_actions(problem.state, problem.suspended, problem.pending_extension is not None, appeal)


@cache  # a few dozen combinations; every command asks twice
def _allowed_actions(
    state: ProblemState, suspended: bool, extension_pending: bool, appeal: str = "none"
) -> frozenset[Action]:
    actions = {t.action for t in transitions_from(state)}
    # A rating is appealed once (申诉), while none is pending, and decided once.
    if appeal != "open":
        actions.discard(Action.APPEAL_RATING)
    if appeal != AppealStatus.REQUESTED.value:
        actions.discard(Action.DECIDE_APPEAL)
    if suspended:
        actions &= _WHILE_SUSPENDED
    else:
        actions.discard(Action.RESUME)
    if extension_pending:
        actions.discard(Action.REQUEST_EXTENSION)
    else:
        actions.discard(Action.DECIDE_EXTENSION)
    return frozenset(actions)


def decide(
    problem: Problem | None,
    action: Action,
    actor: Actor,
    at: datetime,
    payload: Payload | Mapping[str, JsonValue],
    *,
    outcome: str = "",
    problem_id: str | None = None,
    county: str | None = None,
) -> DomainEvent:
    """Check that `actor` may take `action` now and return its event.

    `problem` is `None` only for `Action.COLLECT`, which then needs
    `problem_id` and `county`.  Raises
    `govbiz.errors.PermissionDeniedError` when the role, county,
    department or enterprise does not allow it,
    `govbiz.errors.IllegalTransitionError` when the state does not,
    and `govbiz.errors.ValidationError` when a guard refuses the
    payload (for example a return after the time allowed).
    """
    if problem is None:
        _check_role(actor, action)
        if action is not Action.COLLECT or problem_id is None or county is None:
            raise ValueError("only COLLECT creates a problem, and it needs problem_id and county")
        data = typed_payload(action, payload)
        assert isinstance(data, Collected)
        _check_new_problem_scope(actor, county, data)
        return DomainEvent.by(
            actor,
            stream=STREAM,
            stream_id=problem_id,
            version=1,
            kind=action.value,
            county=county,
            at=at,
            payload=data.to_json(),
            state_before=None,
            state_after=ProblemState.COLLECTED.value,
        )
    return record(problem, authorize(problem, action, actor, outcome), actor, at, payload)


def record(
    problem: Problem, row: Transition, actor: Actor, at: datetime, payload: Payload | Mapping[str, JsonValue]
) -> DomainEvent:
    """The event of an action `authorize` already allowed (its table `row`), after its guards.

    `decide` is `authorize` then `record`; a caller that authorized first
    (to refuse before computing a costly payload) records with the row it
    got, so a command is authorized once.
    """
    data = typed_payload(row.action, payload)
    _GUARDS.get(row.action, _no_guard)(problem, actor, at, data)
    target = row.target or problem.state
    return DomainEvent.by(
        actor,
        stream=STREAM,
        stream_id=problem.id,
        version=problem.version + 1,
        kind=row.action.value,
        county=problem.county,
        at=at,
        payload=data.to_json(),
        state_before=problem.state.value,
        state_after=target.value,
    )


def authorize(problem: Problem, action: Action, actor: Actor, outcome: str = "") -> Transition:
    """Check role, scope and lifecycle for `action` on `problem`; return the table row.

    This is the part of `decide` that needs no payload, so a caller
    can refuse early before computing one (deadlines, for instance).
    """
    _check_role(actor, action)
    _check_scope(problem, actor, action)
    row = find_transition(action, problem.state, outcome)
    if row is None or action not in allowed_actions(problem):
        state = f"{problem.state.value} (suspended)" if problem.suspended else problem.state.value
        raise IllegalTransitionError(
            problem.id, state, action.value, (a.value for a in allowed_actions(problem))
        )
    return row


def apply(problem: Problem | None, event: DomainEvent, data: Payload | None = None) -> Problem:
    """Fold one event into `problem` (`None` before the first event).

    `data` is the event's typed payload when the caller holds it (it was just
    recorded); otherwise it is read from the event.
    """
    action = Action(event.kind)
    if problem is None:
        if action is not Action.COLLECT:
            raise ValueError(f"the first event of problem {event.stream_id} must be collect")
        collected = data if isinstance(data, Collected) else Collected.from_json(event.payload)
        return _collected(event, collected)
    if event.version != problem.version + 1:
        raise ValueError(
            f"event {event.version} of problem {problem.id} does not follow version {problem.version}"
        )
    if data is None:
        data = PAYLOADS[action].from_json(event.payload)
    # An imported step (`govbiz import`) is dated in the problem as the ledger dates it (交办, 办结 ...);
    # `updated_at` stays the instant it was recorded, so figures for earlier instants replay it.
    dated = event if "imported" not in event.payload else attrs.evolve(event, occurred_at=effective_at(event))
    changed = _APPLIERS.get(action, _unchanged)(problem, dated, data)
    return attrs.evolve(
        changed,
        state=ProblemState(event.state_after) if event.state_after else changed.state,
        version=event.version,
        updated_at=event.occurred_at,
        last_hash=event.hash,
    )


def replay(events: Iterable[DomainEvent]) -> Problem:
    """Rebuild a problem from its event stream, in order."""
    problem: Problem | None = None
    for event in events:
        problem = apply(problem, event)
    if problem is None:
        raise ValueError("cannot replay an empty event stream")
    return problem


# --- permission and scope -------------------------------------------------------------


def _check_role(actor: Actor, action: Action) -> None:
    if actor.role not in ACTION_ROLES[action]:
        roles = ", ".join(sorted(r.value for r in ACTION_ROLES[action]))
        raise PermissionDeniedError(actor.describe(), action.value, f"only {roles} may {action.label_zh}")


def typed_payload(action: Action, payload: Payload | Mapping[str, JsonValue]) -> Payload:
    """`payload` as `action`'s payload class (`govbiz.domain.payloads`); a key it lacks is refused."""
    cls = PAYLOADS[action]
    if isinstance(payload, Payload):
        if not isinstance(payload, cls):
            raise ValueError(f"{action.value} records a {cls.__name__}, not a {type(payload).__name__}")
        return payload
    unknown = sorted(set(payload) - cls.field_names())
    if unknown:
        raise ValueError(f"{action.value} payload has no field {unknown[0]!r} ({cls.__name__})")
    return cls.from_json(payload)


def _check_new_problem_scope(actor: Actor, county: str, data: Collected) -> None:
    if actor.county != county:
        raise PermissionDeniedError(
            actor.describe(), "collect", f"the problem belongs to county {county}, not {actor.county}"
        )
    if actor.role is Role.ENTERPRISE_CONTACT and data.enterprise_id != actor.enterprise:
        raise PermissionDeniedError(
            actor.describe(), "collect", "an enterprise contact raises problems of its own enterprise only"
        )


def _check_scope(problem: Problem, actor: Actor, action: Action) -> None:
    """County, department and enterprise scope: who may touch *this* problem."""
    if actor.county != problem.county:
        raise PermissionDeniedError(
            actor.describe(),
            action.value,
            f"problem {problem.id} belongs to county {problem.county}, not {actor.county}",
        )
    if actor.role is Role.ENTERPRISE_CONTACT and actor.enterprise != problem.enterprise_id:
        raise PermissionDeniedError(
            actor.describe(), action.value, f"problem {problem.id} is not raised by your enterprise"
        )
    if actor.role is not Role.DEPARTMENT_HANDLER:
        return
    assignment = problem.assignment
    department = actor.department or ""
    if assignment is None or not assignment.involves(department):
        raise PermissionDeniedError(
            actor.describe(), action.value, f"problem {problem.id} is not assigned to {department}"
        )
    if action in _CO_ONLY and department not in assignment.co_handlers:
        raise PermissionDeniedError(
            actor.describe(),
            action.value,
            f"only a co-handling department ({', '.join(assignment.co_handlers) or 'none'}) may "
            f"{action.label_zh}; {department} is the lead",
        )
    if action in _LEAD_ONLY and assignment.lead != department:
        raise PermissionDeniedError(
            actor.describe(),
            action.value,
            f"only the lead department {assignment.lead} may {action.label_zh}; {department} is co-handling",
        )


# --- guards: rules beyond the table ---------------------------------------------------

Guard = Callable[[Problem, Actor, datetime, Any], None]


def _no_guard(problem: Problem, actor: Actor, at: datetime, data: Payload) -> None:
    return None


def _guard_return(problem: Problem, actor: Actor, at: datetime, data: Returned) -> None:
    """A department may return (退回) an assignment only within the sign-for period."""
    assert problem.assignment is not None  # the table allows RETURN only when assigned
    sign = problem.assignment.deadline("sign")
    if sign is not None and at >= sign.cutoff:
        raise ValidationError(
            "returned_at",
            at.isoformat(),
            f"the time to return problem {problem.id} ended at {sign.cutoff.isoformat()} "
            f"({sign.basis}); ask the secretariat to reassign it instead",
        )


def _guard_merge(problem: Problem, actor: Actor, at: datetime, data: Merged) -> None:
    if data.into == problem.id:
        raise ValidationError("into", problem.id, "a problem cannot be merged into itself")


def check_merge_target(problem: Problem, target: Problem) -> None:
    """A duplicate is merged (合并) into another open problem of its county, never into an ended one.

    A merged, closed, rejected or withdrawn problem takes no duplicates: a
    merge into a merged problem would start a chain (and, back into the
    first, a cycle that no report could close), and one into a closed problem
    would close the duplicate without its enterprise being answered.  The
    error names the problem to merge into instead, when there is one.
    """
    if target.id == problem.id:
        raise ValidationError("into", target.id, "a problem cannot be merged into itself")
    if target.county != problem.county:
        raise ValidationError("into", target.id, f"problem {target.id} belongs to another county")
    if target.state in FINAL_STATES:
        instead = f"; merge into {target.duplicate_of} instead" if target.duplicate_of else ""
        raise ValidationError(
            "into", target.id, f"problem {target.id} is {target.state.value} and takes no duplicates{instead}"
        )


def _guard_request_extension(problem: Problem, actor: Actor, at: datetime, data: ExtensionRequested) -> None:
    assert problem.assignment is not None
    due = problem.assignment.deadline(data.clock)
    if due is None:
        reason = f"problem {problem.id} has no running {data.clock!r} deadline"
        raise ValidationError("clock", data.clock, reason)
    if data.new_last_day <= due.last_day:
        raise ValidationError(
            "new_last_day",
            data.new_last_day.isoformat(),
            f"an extension must end after the current last day {due.last_day.isoformat()}",
        )


_GUARDS: dict[Action, Guard] = {
    Action.RETURN: _guard_return,
    Action.MERGE: _guard_merge,
    Action.REQUEST_EXTENSION: _guard_request_extension,
}


# --- appliers: how each event changes the problem -------------------------------------

#: Folds an event, with its typed payload, into the problem.
Applier = Callable[[Problem, DomainEvent, Any], Problem]


def _collected(event: DomainEvent, data: Collected) -> Problem:
    return Problem(
        id=event.stream_id,
        county=event.county,
        enterprise_id=data.enterprise_id,
        title=data.title,
        description=data.description,
        category=data.category,
        source=data.source,
        collected_by=event.actor_id,
        collected_at=data.collected_at or event.occurred_at,
        state=ProblemState.COLLECTED,
        version=event.version,
        updated_at=event.occurred_at,
        last_hash=event.hash,
    )


def _unchanged(problem: Problem, event: DomainEvent, data: Payload) -> Problem:
    return problem


def _triaged(problem: Problem, event: DomainEvent, data: Triaged) -> Problem:
    note = problem.note if "note" not in event.payload else data.note
    return attrs.evolve(problem, category=data.category or problem.category, note=note)


def _noted(problem: Problem, event: DomainEvent, data: Noted) -> Problem:
    return attrs.evolve(problem, note=data.reason if "reason" in event.payload else problem.note)


def _merged(problem: Problem, event: DomainEvent, data: Merged) -> Problem:
    return attrs.evolve(problem, duplicate_of=data.into)


def _scheduled(problem: Problem, event: DomainEvent, data: Scheduled) -> Problem:
    return attrs.evolve(problem, session_id=data.session_id)


def _assigned(problem: Problem, event: DomainEvent, data: Assigned) -> Problem:
    previous = problem.previous_assignments
    returns = problem.returns
    if problem.pending_return is not None:  # reassigned while the return waited: it is accepted
        returns = (*returns[:-1], _decided(returns[-1], event, accepted=True, note="改派即同意退单"))
    if problem.assignment is not None:
        ended = problem.assignment
        if problem.pending_return is not None:
            ended = attrs.evolve(ended, ended_at=event.occurred_at, returned=True)
        # An assignment returned before returns were decided is kept as it was stored (its
        # snapshot must still equal its replay); `Problem.holdings` reads its end from the next.
        previous = (*previous, ended)
    assignment = Assignment(
        lead=data.lead,
        co_handlers=data.co_handlers,
        assigned_at=event.occurred_at,
        assigned_by=event.actor_id,
        session_id=data.session_id,
        deadlines=data.deadlines,
        on_the_spot=data.on_the_spot,
        round=len(previous) + 1,
    )
    return attrs.evolve(
        problem,
        assignment=assignment,
        previous_assignments=previous,
        returns=returns,
        session_id=data.session_id or problem.session_id,
    )


def _returned(problem: Problem, event: DomainEvent, data: Returned) -> Problem:
    assert problem.assignment is not None
    request = ReturnRequest(
        department=event.actor_department or problem.assignment.lead,
        round=problem.assignment.round,
        requested_at=event.occurred_at,
        requested_by=event.actor_id,
        ground=data.ground or "",
        reason=data.reason,
        proposed_department=data.proposed_department,
    )
    if event.state_after == ProblemState.RETURNED.value:
        # Recorded before returns were decided: folded exactly as then, so the snapshots stored
        # by that release still equal the replay (`govbiz verify`).
        return attrs.evolve(problem, note=data.reason)
    return attrs.evolve(problem, note=data.reason, returns=(*problem.returns, request))


def _decided(request: ReturnRequest, event: DomainEvent, *, accepted: bool, note: str) -> ReturnRequest:
    return attrs.evolve(
        request,
        status=ReturnStatus.ACCEPTED if accepted else ReturnStatus.REFUSED,
        decided_at=event.occurred_at,
        decided_by=event.actor_id,
        note=note,
    )


def _ended_by_return(problem: Problem, event: DomainEvent) -> Problem:
    assert problem.assignment is not None
    ended = attrs.evolve(problem.assignment, ended_at=event.occurred_at, returned=True)
    return attrs.evolve(problem, assignment=ended)


def _return_decided(problem: Problem, event: DomainEvent, data: ReturnDecided) -> Problem:
    decided = _decided(problem.returns[-1], event, accepted=data.accepted, note=data.note)
    changed = attrs.evolve(problem, returns=(*problem.returns[:-1], decided))
    return _ended_by_return(changed, event) if data.accepted else changed


def _signed(problem: Problem, event: DomainEvent, data: Signed) -> Problem:
    if data.late is None:  # signed before the time of signing was kept: folded exactly as then
        return problem
    assert problem.assignment is not None
    signed = attrs.evolve(problem.assignment, signed_at=event.occurred_at, signed_late=data.late)
    return attrs.evolve(problem, assignment=signed)


def _co_handling_reported(problem: Problem, event: DomainEvent, data: CoHandlingReported) -> Problem:
    assert problem.assignment is not None
    reply = CoHandlingReply(
        department=event.actor_department or "",
        replied_at=event.occurred_at,
        replied_by=event.actor_id,
        text=data.text,
    )
    assignment = attrs.evolve(problem.assignment, co_handling=(*problem.assignment.co_handling, reply))
    return attrs.evolve(problem, assignment=assignment)


def _progress(problem: Problem, event: DomainEvent, data: ProgressReported) -> Problem:
    department = event.actor_department or ""
    report = ProgressReport(department=department, reported_at=event.occurred_at, text=data.text)
    return attrs.evolve(problem, progress=(*problem.progress, report))


def _result(problem: Problem, event: DomainEvent, data: ResultReported) -> Problem:
    report = ResultReport(
        department=event.actor_department or "",
        reported_at=event.occurred_at,
        outcome=data.outcome,
        text=data.text,
        co_handling=problem.assignment.co_handling if problem.assignment else (),
    )
    return _with_deadlines(attrs.evolve(problem, result=report), data.deadlines)


def _with_deadlines(problem: Problem, deadlines: Iterable[DueDate] | None) -> Problem:
    assignment = problem.assignment
    if assignment is None:
        return problem
    for due in deadlines or ():
        assignment = assignment.with_deadline(due)
    return attrs.evolve(problem, assignment=assignment)


def _extension_requested(problem: Problem, event: DomainEvent, data: ExtensionRequested) -> Problem:
    extension = Extension(
        clock=data.clock,
        requested_at=event.occurred_at,
        requested_by=event.actor_id,
        new_last_day=data.new_last_day,
        reason=data.reason,
    )
    return attrs.evolve(problem, extensions=(*problem.extensions, extension))


def _extension_decided(problem: Problem, event: DomainEvent, data: ExtensionDecided) -> Problem:
    pending = problem.extensions[-1]
    decided = attrs.evolve(
        pending,
        status=ExtensionStatus.APPROVED if data.approved else ExtensionStatus.REFUSED,
        decided_at=event.occurred_at,
        decided_by=event.actor_id,
        note=data.note,
    )
    changed = attrs.evolve(problem, extensions=(*problem.extensions[:-1], decided))
    return _with_deadlines(changed, data.deadlines)


def _suspended(problem: Problem, event: DomainEvent, data: Noted) -> Problem:
    suspension = Suspension(suspended_at=event.occurred_at, suspended_by=event.actor_id, reason=data.reason)
    return attrs.evolve(problem, suspensions=(*problem.suspensions, suspension))


def _resumed(problem: Problem, event: DomainEvent, data: Resumed) -> Problem:
    last = attrs.evolve(problem.suspensions[-1], resumed_at=event.occurred_at)
    changed = attrs.evolve(problem, suspensions=(*problem.suspensions[:-1], last))
    return _with_deadlines(changed, data.deadlines)


def _visited(problem: Problem, event: DomainEvent, data: ReturnVisited) -> Problem:
    level = data.satisfaction or Satisfaction.of_satisfied(data.satisfied)
    visit = ReturnVisit(
        visited_at=event.occurred_at,
        visited_by=event.actor_id,
        satisfied=data.satisfied,
        notes=data.notes,
        satisfaction=level,
    )
    changed = attrs.evolve(problem, return_visits=(*problem.return_visits, visit))
    if visit.satisfied:
        return changed
    if event.state_after == ProblemState.VERIFYING.value:  # 核实 first: the verification clock runs
        return _with_deadlines(changed, data.deadlines)
    # 重办: the department starts again on fresh clocks; the old result is history.
    assert changed.assignment is not None
    redo = attrs.evolve(changed.assignment, deadlines=data.deadlines or ())
    return attrs.evolve(changed, assignment=redo, result=None, redo_count=problem.redo_count + 1)


def _with_latest_visit(problem: Problem, appeal: RatingAppeal) -> Problem:
    visit = attrs.evolve(problem.return_visits[-1], appeal=appeal)
    return attrs.evolve(problem, return_visits=(*problem.return_visits[:-1], visit))


def _appealed(problem: Problem, event: DomainEvent, data: RatingAppealed) -> Problem:
    appeal = RatingAppeal(
        department=event.actor_department or "",
        appealed_at=event.occurred_at,
        appealed_by=event.actor_id,
        reason=data.reason,
    )
    return _with_latest_visit(problem, appeal)


def _appeal_decided(problem: Problem, event: DomainEvent, data: AppealDecided) -> Problem:
    pending = problem.return_visits[-1].appeal
    assert pending is not None  # the lifecycle allows a decision only on a pending appeal
    decided = attrs.evolve(
        pending,
        status=AppealStatus.GRANTED if data.granted else AppealStatus.REFUSED,
        decided_at=event.occurred_at,
        decided_by=event.actor_id,
        note=data.note,
    )
    return _with_latest_visit(problem, decided)


def _verified(problem: Problem, event: DomainEvent, data: Verified) -> Problem:
    verification = Verification(
        verified_at=event.occurred_at,
        verified_by=event.actor_id,
        redo=data.redo,
        explanation=data.explanation,
    )
    visit = attrs.evolve(problem.return_visits[-1], verification=verification)
    changed = attrs.evolve(problem, return_visits=(*problem.return_visits[:-1], visit))
    if not data.redo:
        return attrs.evolve(changed, note=data.explanation)
    assert changed.assignment is not None
    redo = attrs.evolve(changed.assignment, deadlines=data.deadlines or ())
    return attrs.evolve(changed, assignment=redo, result=None, redo_count=problem.redo_count + 1)


def _reminded(problem: Problem, event: DomainEvent, data: Reminded) -> Problem:
    reminder = Reminder(kind=data.kind, sent_at=event.occurred_at, sent_by=event.actor_id, note=data.note)
    return attrs.evolve(problem, reminders=(*problem.reminders, reminder))


def _linked(problem: Problem, event: DomainEvent, data: LinkedRule) -> Problem:
    if data.rule_id in problem.lasting_rules:
        return problem
    return attrs.evolve(problem, lasting_rules=(*problem.lasting_rules, data.rule_id))


def _rebased(problem: Problem, event: DomainEvent, data: DeadlinesRebased) -> Problem:
    return _with_deadlines(problem, data.deadlines)


_APPLIERS: dict[Action, Applier] = {
    Action.TRIAGE: _triaged,
    Action.REJECT: _noted,
    Action.WITHDRAW: _noted,
    Action.MERGE: _merged,
    Action.SCHEDULE: _scheduled,
    Action.ASSIGN: _assigned,
    Action.REASSIGN: _assigned,
    Action.SIGN: _signed,
    Action.RETURN: _returned,
    Action.DECIDE_RETURN: _return_decided,
    Action.REPORT_CO_HANDLING: _co_handling_reported,
    Action.REPORT_PROGRESS: _progress,
    Action.REPORT_RESULT: _result,
    Action.REQUEST_EXTENSION: _extension_requested,
    Action.DECIDE_EXTENSION: _extension_decided,
    Action.SUSPEND: _suspended,
    Action.RESUME: _resumed,
    Action.RETURN_VISIT: _visited,
    Action.REMIND: _reminded,
    Action.APPEAL_RATING: _appealed,
    Action.VERIFY: _verified,
    Action.DECIDE_APPEAL: _appeal_decided,
    Action.LINK_LASTING_RULE: _linked,
    Action.REBASE_DEADLINES: _rebased,
}
