"""Working days and office hours (工作日与办公时间) as the people of a simulated division keep them.

The engine and the actors both ask "the next working day", "a random
office hour that day", "some time between these two instants": this is
where those answers are worked out, on the division's own calendar (its
deadline policy's, holiday notices included).  A random answer draws from
the problem's own `random.Random`, so it never shifts another problem's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from govbiz.clock import beijing
from govbiz.errors import CalendarCoverageError

if TYPE_CHECKING:
    from govbiz.calendar import WorkingCalendar
    from govbiz.simulation.actors import Track
    from govbiz.simulation.plan import UnitPlan

__all__ = ["Timing", "at"]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` on `day`, Beijing time."""
    return datetime.combine(day, time(hour, minute), tzinfo=beijing())


class Timing:
    """Working-day arithmetic and office hours on each division's calendar."""

    def __init__(self, calendar_of: Callable[[UnitPlan], WorkingCalendar]) -> None:
        self._calendar_of = calendar_of

    def calendar(self, unit: UnitPlan) -> WorkingCalendar:
        """The division's working calendar."""
        return self._calendar_of(unit)

    def add_working_days(self, unit: UnitPlan, day: date, n: int) -> date:
        """`n` working days after `day`; past the calendar's years (after the run) calendar days."""
        try:
            return self.calendar(unit).add_working_days(day, n)
        except CalendarCoverageError:
            return day + timedelta(days=n)

    def office_hour(self, track: Track, day: date) -> datetime:
        """A random office hour (10:00–16:45) on `day` moved to a working day."""
        cal = self.calendar(track.unit)
        # Past the calendar's last year the day is after the run anyway: keep it as it is.
        working = cal.next_working_day_on_or_after(day) if day <= cal.last_date else day
        return at(working, track.rng.randint(10, 16), track.rng.choice((0, 15, 30, 45)))

    def between(self, track: Track, first: datetime, last: datetime) -> datetime:
        """A random office hour on a working day from `first` to `last` (or just after `first`)."""
        if last <= first:
            return first + timedelta(minutes=30)
        days = (last.date() - first.date()).days
        for _ in range(10):
            day = first.date() + timedelta(days=track.rng.randint(0, days))
            when = self.office_hour(track, day)
            if first < when <= last:
                return when
        return first + timedelta(minutes=30)

    def by_latest(self, track: Track, when: datetime, after: datetime) -> datetime:
        """`when`, or a time before the target date's deadline when `when` is too late."""
        assert track.latest is not None
        if when <= track.latest:
            return when
        return self.between(track, after, track.latest)

    def extended_day(self, track: Track, day: date) -> date:
        """A working day to extend to, never past the calendar's last covered day."""
        cal = self.calendar(track.unit)
        return cal.next_working_day_on_or_after(min(day, cal.last_date - timedelta(days=10)))
