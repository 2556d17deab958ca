"""The escalation ladder (督办升级): 超期催办 → 催办通知书 → 拟通报批评, as 12345 rules run it.

A department clock whose last day has passed climbs a ladder of rungs
(`Rung`), each reached on a working day counted from the clock's last day:

* `OVERDUE` (超期): from the cutoff, the daily sweep reminds the department
  every day (催办, `govbiz remind`);
* `REMINDER_LETTER` (催办通知书): on the first working day after the last
  day, the sweep queues one formal reminder letter to the department, once
  per clock (its outbox key names the clock and its last day, not the day);
* `CRITICISM` (拟通报批评): `criticism_after_working_days` working days
  after the letter's day, the department is proposed for a written critical
  circular (书面通报批评) in the next supervision circular draft.

The rungs depend only on the clock's last day and the county's calendar,
so a sweep, a circular drafted for a past instant and a reminder letter all
agree on the rung of a clock.  A clock that was met, suspended (中止),
extended (延期) or re-based by a holiday notice has no overdue last day any
more (or a later one), so it climbs no further; a reminder queued before
is judged again when it is sent (`govbiz.notify.recheck`).

The county chooses in its `[escalation]` table (`EscalationPolicy`); the
defaults: the letter is sent, criticism is proposed 5 working days after it,
for the clocks `sign`, `progress`, `result` and `co_handling`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.errors import ValidationError

if TYPE_CHECKING:
    from govbiz.calendar import WorkingCalendar

__all__ = ["DEFAULT_ESCALATED_CLOCKS", "EscalationPolicy", "Rung"]

#: The clocks a department owes (签收, 落实情况, 办理结果, 协办意见): the ones that escalate by default.
DEFAULT_ESCALATED_CLOCKS = frozenset({"sign", "progress", "result", "co_handling"})


class Rung(StrEnum):
    """A rung of the escalation ladder (督办升级阶段), lowest first."""

    OVERDUE = "overdue"
    """The cutoff has passed: reminded daily (超期催办)."""
    REMINDER_LETTER = "reminder_letter"
    """From the first working day after the last day: a reminder letter (催办通知书)."""
    CRITICISM = "criticism"
    """N working days after the letter: proposed for a written critical circular (拟通报批评)."""

    @property
    def label_zh(self) -> str:
        """The Chinese name of the rung."""
        return _LABELS[self]


_LABELS = {Rung.OVERDUE: "超期催办", Rung.REMINDER_LETTER: "催办通知书", Rung.CRITICISM: "拟通报批评"}
_KEYS = ("reminder_letter", "criticism", "criticism_after_working_days", "clocks")


def _clock_set(clocks: Iterable[str]) -> frozenset[str]:
    return frozenset(clocks)


def _check_days(_: object, __: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("escalation.criticism_after_working_days", value, "must be a whole number ≥ 0")


def _check_flag(_: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"escalation.{attribute.name}", value, "must be true or false")


def _check_clocks(_: object, __: object, clocks: frozenset[str]) -> None:
    if any(not isinstance(clock, str) or not clock.strip() for clock in clocks):
        raise ValidationError("escalation.clocks", sorted(map(str, clocks)), "must list clock names")


@attrs.frozen(slots=True)
class EscalationPolicy:
    """A county's escalation ladder (督办升级规则): `DeadlinePolicy.escalation`.

    `reminder_letter`: the sweep queues a 催办通知书 on the first working day
    after a clock's last day (default true); `criticism`: a clock still open
    `criticism_after_working_days` working days after that day (default 5)
    is proposed for 书面通报批评 in the circular draft (default true);
    `clocks`: the clocks that escalate (default the department's: `sign`,
    `progress`, `result`, `co_handling`; the return visit and the
    verification are the offices' own clocks and never do).
    """

    reminder_letter: bool = attrs.field(default=True, validator=_check_flag)
    criticism: bool = attrs.field(default=True, validator=_check_flag)
    criticism_after_working_days: int = attrs.field(default=5, validator=_check_days)
    clocks: frozenset[str] = attrs.field(
        default=DEFAULT_ESCALATED_CLOCKS, converter=_clock_set, validator=_check_clocks
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base: EscalationPolicy | None = None) -> EscalationPolicy:
        """`base` (the defaults) with the keys of an `[escalation]` table; errors name `escalation.KEY`."""
        if not isinstance(data, Mapping):
            raise ValidationError("escalation", data, "must be a table")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            key = unknown[0]
            raise ValidationError(f"escalation.{key}", data[key], "is not an escalation setting")
        changes: dict[str, Any] = {k: data[k] for k in _KEYS if k in data and k != "clocks"}
        if "clocks" in data:
            clocks = data["clocks"]
            if not isinstance(clocks, list | tuple) or not all(isinstance(c, str) for c in clocks):
                raise ValidationError("escalation.clocks", clocks, "must be a list of clock names")
            changes["clocks"] = frozenset(c.strip() for c in clocks)
        return attrs.evolve(base or cls(), **changes)

    def escalates(self, clock: str) -> bool:
        """True if an overdue `clock` climbs the ladder in this county."""
        return clock in self.clocks

    def letter_day(self, calendar: WorkingCalendar, last_day: date) -> date:
        """The day of the reminder letter (催办通知书): the first working day after `last_day`."""
        return calendar.add_working_days(last_day, 1)

    def criticism_day(self, calendar: WorkingCalendar, last_day: date) -> date:
        """The day from which the department is proposed for criticism (拟通报批评)."""
        letter = self.letter_day(calendar, last_day)
        return calendar.add_working_days(letter, self.criticism_after_working_days)

    def rung(self, calendar: WorkingCalendar, last_day: date, today: date) -> Rung:
        """The rung an overdue clock with `last_day` has reached on `today` (call it for overdue clocks).

        Criticism switched off, a clock stays at the letter's rung.  Raises
        `govbiz.errors.CalendarCoverageError` past the calendar's years.
        """
        if today < self.letter_day(calendar, last_day):
            return Rung.OVERDUE
        if self.criticism and today >= self.criticism_day(calendar, last_day):
            return Rung.CRITICISM
        return Rung.REMINDER_LETTER

    def describe_zh(self) -> str:
        """The ladder in one Chinese sentence, for `govbiz county show` and documents."""
        letter = "超期次一工作日发出催办通知书" if self.reminder_letter else "不发催办通知书"
        if not self.criticism:
            return f"{letter}；不提请通报批评。"
        days = self.criticism_after_working_days
        return f"{letter}；其后满{days}个工作日仍未报送的，列入督查通报拟通报批评。"
