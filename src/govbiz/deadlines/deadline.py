"""A computed deadline (期限) of one clock: last day, cutoff and its explanation."""

from __future__ import annotations

from datetime import date, datetime

import attrs

from govbiz.deadlines.explanation import Explanation, Extension, Suspension, render
from govbiz.deadlines.rules import ClockRule

__all__ = ["Deadline"]


@attrs.frozen(slots=True)
class Deadline:
    """The deadline of one clock for one assignment (期限).

    `last_day` is the last day, in the county's time zone, on which the
    report is on time; `cutoff` is the aware instant from which it is late
    (24:00 of the last day, i.e. 00:00 the next day, or the close of
    business).  `start` is the instant the clock started.  The deadline
    explains itself: `explanation` (structured) and `explain`
    (words).
    """

    clock: str
    rule: ClockRule
    start: datetime
    last_day: date
    cutoff: datetime
    explanation: Explanation

    @property
    def start_day(self) -> date:
        """Return the day the clock started (not counted), in the county's time zone."""
        return self.explanation.start_day

    @property
    def fixed_on_the_spot(self) -> bool:
        """True when the chair fixed the last day at the session (现场明确解决期限)."""
        return self.explanation.fixed_on_the_spot

    @property
    def extensions(self) -> tuple[Extension, ...]:
        """Return the approved extensions (延期) of this clock, oldest first."""
        return tuple(e for e in self.explanation.events if isinstance(e, Extension))

    @property
    def suspensions(self) -> tuple[Suspension, ...]:
        """Return the suspensions (中止) this clock went through, oldest first."""
        return tuple(e for e in self.explanation.events if isinstance(e, Suspension))

    @property
    def basis(self) -> str:
        """Return where the last day comes from, as a short Chinese label.

        `"7个工作日"` / `"30日"` for the policy, `"现场明确"` when fixed on
        the spot, `"延期"` after an extension, `"中止后恢复"` after a
        suspension (the latest event wins).
        """
        if self.explanation.events:
            return "延期" if isinstance(self.explanation.events[-1], Extension) else "中止后恢复"
        return "现场明确" if self.fixed_on_the_spot else self.rule.basis

    @property
    def provisional_years(self) -> tuple[int, ...]:
        """Years without a published notice that the counting went through (暂定年份)."""
        return self.explanation.provisional_years

    @property
    def provisional(self) -> bool:
        """True when the last day rests on a year derived from the holiday law (暂按法定节假日推算)."""
        return bool(self.explanation.provisional_years)

    def is_late(self, at: datetime) -> bool:
        """Return True when a report made at `at` (aware) is late: at or after the cutoff."""
        return at >= self.cutoff

    def explain(self, lang: str = "zh") -> str:
        """Return how the deadline was computed, day by day, in Chinese (default) or English."""
        return render(self.explanation, lang)
