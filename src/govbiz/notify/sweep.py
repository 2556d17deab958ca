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

from datetime import datetime, timedelta

import attrs

from govbiz.clock import require_aware
from govbiz.ledger import Ledger
from govbiz.storage.port import ProblemQuery

__all__ = ["SweepReport", "sweep"]

#: How far ahead the sweep looks for clocks (calendar days); covers any
#: sensible "approaching" threshold, including long holidays.
LOOKAHEAD = timedelta(days=21)


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

    `counties` limits the sweep (default: every county in the store).  All
    reminders of one sweep are queued in one transaction.
    """
    require_aware(as_of, "as_of")
    by_level: dict[str, int] = {}
    clocks = queued = already = 0
    with ledger.store.unit_of_work() as uow:
        query = ProblemQuery(counties=counties, due_before=as_of + LOOKAHEAD)
        for problem in uow.find_problems(query):
            policy = ledger.profile(problem.county).policy()
            for due in problem.open_deadlines():
                level = policy.warning_level(policy.restore(due.clock, due.start, due.last_day), as_of)
                if level.value == "normal":
                    continue
                clocks += 1
                by_level[level.value] = by_level.get(level.value, 0) + 1
                for entry in ledger.notifier.for_warning(problem, due, level, as_of, uow):
                    if uow.enqueue(entry):
                        queued += 1
                    else:
                        already += 1
        uow.commit()
    return SweepReport(as_of=as_of, clocks=clocks, by_level=by_level, queued=queued, already_queued=already)
