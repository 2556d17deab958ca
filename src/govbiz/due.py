"""From a county's deadline policy to the due dates stored with an assignment.

The deadline arithmetic lives in `govbiz.deadlines`; this module asks it
for the clocks a command starts or changes and turns each answer into a
`govbiz.domain.handling.DueDate`, the plain value that is stored in
the event.  Storing the computed dates (rather than recomputing them on
replay) keeps history stable when a calendar file is corrected later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

from govbiz.domain.handling import DueDate
from govbiz.errors import ValidationError

if TYPE_CHECKING:
    from govbiz.deadlines import Deadline, DeadlinePolicy

__all__ = [
    "assignment_clocks",
    "check_extension_request",
    "extended",
    "resumed",
    "start_assignment_clocks",
    "start_clock",
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
            dues.append(_due(at, policy.fixed_deadline(name, at, fixed[name]), ON_THE_SPOT))
        else:
            dues.append(_due(at, policy.deadline(name, at), policy.rule(name).basis))
    return dues


def start_clock(policy: DeadlinePolicy, clock: str, at: datetime) -> DueDate | None:
    """The due date of `clock` started at `at`, or `None` if the county switched it off."""
    rule = policy.rule(clock)
    if not rule.enabled:
        return None
    return _due(at, policy.deadline(clock, at), rule.basis)


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
    return _due(current.start, deadline, EXTENDED)


def resumed(
    policy: DeadlinePolicy, current: DueDate, suspended_at: datetime, resumed_at: datetime
) -> DueDate:
    """The due date after a suspension (中止) from `suspended_at` to `resumed_at`."""
    deadline = policy.resume(_as_deadline(policy, current), suspended_at, resumed_at)
    return _due(current.start, deadline, current.basis)


def _as_deadline(policy: DeadlinePolicy, current: DueDate) -> Deadline:
    """The policy's view of a stored due date, so it can extend or resume it."""
    return policy.restore(current.clock, current.start, current.last_day)


def _due(start: datetime, deadline: Deadline, basis: str) -> DueDate:
    return DueDate(
        clock=deadline.clock,
        start=start,
        last_day=deadline.last_day,
        cutoff=deadline.cutoff,
        basis=basis,
        provisional_years=deadline.provisional_years,
    )
