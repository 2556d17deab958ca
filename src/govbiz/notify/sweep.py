"""The daily reminder sweep (每日催办扫描): `govbiz remind --as-of ...`.

It finds every running clock that is approaching, due today, overdue or
seriously overdue as of an instant, and queues the notifications the
county's rules ask for.  It is meant for cron: running it twice on a day
queues nothing twice (each entry's key names the problem, the clock, its
last day and the day of the sweep), while an overdue clock is reminded
again every day until its report arrives (催办, repeated daily), and gets
one reminder letter (催办通知书) on the first working day after its last day
(the escalation ladder, `govbiz.deadlines.EscalationPolicy`).  It
records no domain event: reminders from the sweep are notifications, not
history.  It never stops for calendar coverage: a clock whose reminder
cannot be worked out is reported by name (`SweepReport.uncomputed`) and
every other clock is still reminded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs

from govbiz.calendar.status import upcoming_year_warning
from govbiz.clock import require_aware
from govbiz.deadlines.warning import WarningLevel
from govbiz.domain.handling import DueDate
from govbiz.domain.problem import Problem
from govbiz.domain.tenancy import Division
from govbiz.errors import CalendarCoverageError
from govbiz.ledger import Ledger
from govbiz.ports.storage import ProblemQuery, RecordKind, UnitOfWork, WarningClock, earliest_deadlines

if TYPE_CHECKING:
    from govbiz.deadlines import DeadlinePolicy, WarningThresholds

__all__ = ["SweepReport", "UncomputedClock", "sweep"]

_LATE = (WarningLevel.OVERDUE, WarningLevel.SERIOUSLY_OVERDUE)


@attrs.frozen(slots=True)
class UncomputedClock:
    """A running clock the sweep could not judge, and why (a day the calendar does not cover)."""

    problem_id: str
    county: str
    clock: str
    last_day: date
    reason: str


@attrs.frozen(slots=True)
class SweepReport:
    """What a sweep found and queued.

    `uncomputed` are the clocks it could not judge (each named, with the
    reason); `calendar_warning` is the line a clerk should read about next
    year's notice (see `govbiz.calendar.status.upcoming_year_warning`).
    """

    as_of: datetime
    clocks: int
    by_level: dict[str, int]
    queued: int
    already_queued: int
    uncomputed: tuple[UncomputedClock, ...] = ()
    calendar_warning: str | None = None
    #: Reminder letters (催办通知书) newly queued by this sweep (counted in `queued` too).
    letters: int = 0


def sweep(ledger: Ledger, as_of: datetime, *, counties: frozenset[str] | None = None) -> SweepReport:
    """Queue reminders for every clock at a warning level as of `as_of`; return what happened.

    `counties` limits the sweep (default: every division in the store).  The
    working-day arithmetic is done once per county
    (`govbiz.deadlines.DeadlinePolicy.thresholds`); the store then lists the
    clocks at a warning level (`UnitOfWork.warning_clocks`, a range scan in
    SQL), and only their problems are read.  All reminders of one sweep are
    queued in one transaction.
    """
    require_aware(as_of, "as_of")
    by_level: dict[str, int] = {}
    clocks = queued = already = letters = 0
    uncomputed: list[UncomputedClock] = []
    queued_at = ledger.clock.now()  # the entries' created_at; `as_of` may be another day
    with ledger.store.unit_of_work() as uow:
        swept = counties if counties is not None else _divisions(uow)
        policies = {county: ledger.policy(county) for county in sorted(swept)}
        thresholds = {county: policy.thresholds(as_of) for county, policy in policies.items()}
        problem: Problem | None = None
        for clock in uow.warning_clocks(thresholds):
            if problem is None or problem.id != clock.problem_id:
                problem = uow.get_problem(clock.problem_id)
            assert problem is not None  # listed by the same unit
            due = _deadline(problem, clock)
            try:
                entries = ledger.notifier.for_warning(
                    problem, due, clock.level, as_of, uow, queued_at=queued_at
                )
                if clock.level in _LATE:  # the escalation ladder's letter, once per clock (催办通知书)
                    entries += ledger.notifier.for_reminder_letter(
                        problem, due, as_of, uow, queued_at=queued_at
                    )
            except CalendarCoverageError as error:
                named = UncomputedClock(problem.id, problem.county, due.clock, due.last_day, str(error))
                uncomputed.append(named)
                continue
            clocks += 1
            by_level[clock.level.value] = by_level.get(clock.level.value, 0) + 1
            for entry in entries:
                if uow.enqueue(entry):
                    queued += 1
                    letters += entry.notification.data.get("trigger") == "reminder_letter"
                else:
                    already += 1
        uncomputed.extend(_beyond_the_calendar(uow, policies, thresholds))
        uow.commit()
    return SweepReport(
        as_of=as_of,
        clocks=clocks,
        by_level=by_level,
        queued=queued,
        already_queued=already,
        uncomputed=tuple(uncomputed),
        calendar_warning=_calendar_warning(policies, as_of),
        letters=letters,
    )


def _beyond_the_calendar(
    uow: UnitOfWork, policies: dict[str, DeadlinePolicy], thresholds: dict[str, WarningThresholds]
) -> list[UncomputedClock]:
    """Running clocks whose last day lies past their county's calendar: no level can be given.

    Such a clock could be approaching without anyone knowing, so it is named.
    Looked for only in counties whose approaching window reaches the end of
    the calendar (years from now, with five provisional years), so the usual
    sweep costs nothing more.
    """
    found = []
    for county, policy in policies.items():
        end = policy.calendar.last_date
        if thresholds[county].approaching_through < end:
            continue
        for problem in uow.find_problems(ProblemQuery(counties=frozenset({county}))):
            for due in earliest_deadlines(problem):
                if due.last_day > end:
                    reason = f"the last day {due.last_day} is past the calendar, which ends on {end}"
                    found.append(UncomputedClock(problem.id, county, due.clock, due.last_day, reason))
    return found


def _calendar_warning(policies: dict[str, DeadlinePolicy], as_of: datetime) -> str | None:
    for policy in policies.values():
        warning = upcoming_year_warning(policy.calendar, policy.local_day(as_of))
        if warning is not None:
            return warning
    return None


def _divisions(uow: UnitOfWork) -> frozenset[str]:
    """Every registered division (city or county): each may have problems of its own."""
    return frozenset(r.code for r in uow.list_records(RecordKind.DIVISION) if isinstance(r, Division))


def _deadline(problem: Problem, clock: WarningClock) -> DueDate:
    return next(due for due in earliest_deadlines(problem) if due.clock == clock.clock)
