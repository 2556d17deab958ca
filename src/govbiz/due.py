"""From a county's deadline policy to the due dates stored with an assignment.

The deadline arithmetic lives in `govbiz.deadlines`; this module asks it
for the clocks a command starts or changes and turns each answer into a
`govbiz.domain.handling.DueDate`, the plain value that is stored in
the event.  Storing the computed dates (rather than recomputing them on
replay) keeps history stable when a calendar file is corrected later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs

from govbiz.domain.handling import DeadlineOrigin, DueDate
from govbiz.domain.holiday_notice import Rebased
from govbiz.errors import ValidationError

if TYPE_CHECKING:
    from govbiz.deadlines import Deadline, DeadlinePolicy
    from govbiz.domain.events import DomainEvent
    from govbiz.domain.problem import Problem

__all__ = [
    "Rebased",
    "assignment_clocks",
    "check_extension_request",
    "extended",
    "rebased",
    "recounted",
    "resumed",
    "start_assignment_clocks",
    "start_clock",
    "start_co_handling",
]

#: 现场明确: the basis recorded for a deadline the chair fixed on the spot.
ON_THE_SPOT = "现场明确"
#: 延期: the basis recorded for an approved extension.
EXTENDED = "延期"
#: The sign-for clock, which a redo (重办) does not restart: the department already holds it.
SIGN = "sign"


def assignment_clocks(policy: DeadlinePolicy) -> list[str]:
    """Names of the enabled clocks an assignment starts (sign, progress, result by default)."""
    from govbiz.deadlines.rules import Trigger

    return [r.name for r in policy.clocks if r.enabled and r.starts_on is Trigger.ASSIGNED]


def start_assignment_clocks(
    policy: DeadlinePolicy, at: datetime, fixed: Mapping[str, date], *, redo: bool = False
) -> list[DueDate]:
    """The due dates of a new assignment (or a redo, which needs no signing).

    `fixed` holds last days the chair fixed on the spot; each is validated
    by the policy and overrides that clock's rule for this assignment only.
    """
    clocks = [name for name in assignment_clocks(policy) if not (redo and name == SIGN)]
    for name in fixed:
        if name not in clocks:
            raise ValidationError(
                f"deadlines.{name}",
                fixed[name].isoformat(),
                f"no such clock; an assignment here has {', '.join(clocks)}",
            )
    dues: list[DueDate] = []
    for name in clocks:
        if name in fixed:
            fixed_day = policy.fixed_deadline(name, at, fixed[name])
            dues.append(_due(at, fixed_day, ON_THE_SPOT, DeadlineOrigin.ON_THE_SPOT))
        else:
            dues.append(_due(at, policy.deadline(name, at), policy.rule(name).basis))
    return dues


def start_clock(policy: DeadlinePolicy, clock: str, at: datetime) -> DueDate | None:
    """The due date of `clock` started at `at`, or `None` if the county switched it off."""
    rule = policy.rule(clock)
    if not rule.enabled:
        return None
    return _due(at, policy.deadline(clock, at), rule.basis)


def start_co_handling(policy: DeadlinePolicy, at: datetime) -> list[DueDate]:
    """The co-handlers' reply clock (`co_handling`, 协办) an assignment at `at` starts, if the county has one.

    A county whose policy names no such clock, or switched it off, has none.
    """
    from govbiz.deadlines.rules import Trigger

    return [
        _due(at, policy.deadline(rule.name, at), rule.basis)
        for rule in policy.clocks
        if rule.enabled and rule.starts_on is Trigger.CO_HANDLERS
    ]


def check_extension_request(
    policy: DeadlinePolicy, current: DueDate, new_last_day: date, at: datetime
) -> None:
    """Refuse an extension request made too late or asking for no more time."""
    policy.extend(_as_deadline(policy, current), new_last_day=new_last_day, requested_at=at)


def extended(policy: DeadlinePolicy, current: DueDate, new_last_day: date, requested_at: datetime) -> DueDate:
    """The due date after an approved extension (延期) to `new_last_day`, requested at `requested_at`."""
    deadline = policy.extend(
        _as_deadline(policy, current), new_last_day=new_last_day, requested_at=requested_at
    )
    return _due(current.start, deadline, EXTENDED, DeadlineOrigin.EXTENDED)


def resumed(
    policy: DeadlinePolicy, current: DueDate, suspended_at: datetime, resumed_at: datetime
) -> DueDate:
    """The due date after a suspension (中止) from `suspended_at` to `resumed_at`."""
    deadline = policy.resume(_as_deadline(policy, current), suspended_at, resumed_at)
    # A day a person set stays theirs when a suspension moves it; a count becomes a resumed count.
    origin = current.origin if current.origin.is_set else DeadlineOrigin.RESUMED
    return _due(current.start, deadline, current.basis, origin)


# --- re-basing: counting again on a calendar that has changed -----------------------------

#: Events whose deadlines replace every running clock (a new assignment, a redo).
_STARTS_AFRESH = frozenset({"assign", "reassign", "return_visit"})


def recounted(policy: DeadlinePolicy, events: Iterable[DomainEvent]) -> dict[str, DueDate]:
    """Each clock's current deadline, counted again on `policy` from the problem's own events.

    The events are replayed in order and every deadline they set is computed
    afresh the way its command computed it: a rule's count from the clock's
    start, a resumption (中止后恢复) from the suspension before it.  A day
    fixed on the spot (现场明确) or by an approved extension (延期) is a date,
    not a count, and is taken as stored; so is any deadline the policy can no
    longer compute (a clock the county has since removed).  Earlier re-basings
    are ignored: they were counts on an older calendar.
    """
    current: dict[str, DueDate] = {}
    suspended_at: datetime | None = None
    for event in events:
        if event.kind == "suspend":
            suspended_at = event.occurred_at
        if event.kind == "deadline_rebased" or "deadlines" not in event.payload:
            continue
        stored = [DueDate.from_json(item) for item in event.payload["deadlines"]]
        if event.kind in _STARTS_AFRESH and stored:
            current = {}
        paused = suspended_at if event.kind == "resume" else None
        for due in stored:
            current[due.clock] = _counted_again(
                policy, due, current.get(due.clock), paused=paused, at=event.occurred_at
            )
    return current


def _counted_again(
    policy: DeadlinePolicy, due: DueDate, before: DueDate | None, *, paused: datetime | None, at: datetime
) -> DueDate:
    """`due` as the event that set it would count it on `policy` (resumed at `at` if `paused`)."""
    try:
        if paused is not None and before is not None:
            return resumed(policy, before, paused, at)
        if due.origin.is_set:
            return due
        return _due(due.start, policy.deadline(due.clock, due.start), due.basis, due.origin)
    except ValidationError:  # the policy cannot count it any more: the stored day stands
        return due


def rebased(
    policy: DeadlinePolicy, problem: Problem, events: Iterable[DomainEvent], year: int
) -> list[Rebased]:
    """The running clocks of `problem` that were provisional for `year`, counted on `policy`.

    A department planned on the day it was told, so a re-based deadline
    never ends earlier than that day: when the new calendar would end it
    earlier, the announced last day (and its cutoff) stands.
    """
    provisional = [d for d in problem.open_deadlines() if year in d.provisional_years]
    if not provisional:
        return []
    fresh = recounted(policy, events)
    changes = []
    for announced in provisional:
        counted = fresh.get(announced.clock)
        if counted is None or counted.start != announced.start:
            continue  # not a clock these events set: nothing to count it from
        new = attrs.evolve(counted, origin=announced.origin)
        if counted.last_day < announced.last_day:
            new = attrs.evolve(new, last_day=announced.last_day, cutoff=announced.cutoff)
        if new != announced:
            rebased_due = attrs.evolve(new, origin=DeadlineOrigin.REBASED)
            changes.append(Rebased(announced, rebased_due, counted.last_day))
    return changes


def _as_deadline(policy: DeadlinePolicy, current: DueDate) -> Deadline:
    """The policy's view of a stored due date, so it can extend or resume it."""
    return policy.restore(current.clock, current.start, current.last_day)


def _due(
    start: datetime, deadline: Deadline, basis: str, origin: DeadlineOrigin = DeadlineOrigin.POLICY
) -> DueDate:
    return DueDate(
        origin=origin,
        clock=deadline.clock,
        start=start,
        last_day=deadline.last_day,
        cutoff=deadline.cutoff,
        basis=basis,
        provisional_years=deadline.provisional_years,
    )
