"""The daily reminder sweep (每日催办扫描): `govbiz remind --as-of ...`.

It finds every running clock that is approaching, due today, overdue or
seriously overdue as of an instant, and queues the notifications the
county's rules ask for.  It is meant for cron: running it twice on a day
queues nothing twice (each entry's key names the problem, the clock, its
last day and the day of the sweep), while an overdue clock is reminded
again every day until its report arrives (催办, repeated daily).  It
records no domain event: reminders from the sweep are notifications, not
history.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from govbiz.clock import require_aware
from govbiz.domain.handling import DueDate
from govbiz.domain.problem import Problem
from govbiz.domain.tenancy import Division
from govbiz.ledger import Ledger
from govbiz.storage.port import RecordKind, UnitOfWork, WarningClock, earliest_deadlines

__all__ = ["SweepReport", "sweep"]


@attrs.frozen(slots=True)
class SweepReport:
    """What a sweep found and queued."""

    as_of: datetime
    clocks: int
    by_level: dict[str, int]
    queued: int
    already_queued: int


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
    clocks = queued = already = 0
    with ledger.store.unit_of_work() as uow:
        swept = counties if counties is not None else _divisions(uow)
        thresholds = {county: ledger.profile(county).policy().thresholds(as_of) for county in sorted(swept)}
        problem: Problem | None = None
        for clock in uow.warning_clocks(thresholds):
            if problem is None or problem.id != clock.problem_id:
                problem = uow.get_problem(clock.problem_id)
            assert problem is not None  # listed by the same unit
            clocks += 1
            by_level[clock.level.value] = by_level.get(clock.level.value, 0) + 1
            due = _deadline(problem, clock)
            for entry in ledger.notifier.for_warning(problem, due, clock.level, as_of, uow):
                if uow.enqueue(entry):
                    queued += 1
                else:
                    already += 1
        uow.commit()
    return SweepReport(as_of=as_of, clocks=clocks, by_level=by_level, queued=queued, already_queued=already)


def _divisions(uow: UnitOfWork) -> frozenset[str]:
    """Every registered division (city or county): each may have problems of its own."""
    return frozenset(r.code for r in uow.list_records(RecordKind.DIVISION) if isinstance(r, Division))


def _deadline(problem: Problem, clock: WarningClock) -> DueDate:
    return next(due for due in earliest_deadlines(problem) if due.clock == clock.clock)
