"""Warning levels of a running clock (预警等级), and the dates that decide them on a day."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import attrs

__all__ = ["WarningLevel", "WarningThresholds"]


class WarningLevel(StrEnum):
    """How urgent a running clock is at an instant (预警等级), from calm to circular-worthy."""

    NORMAL = "normal"
    """More working days left than the approaching threshold (正常)."""
    APPROACHING = "approaching"
    """Few working days left (临期), e.g. 2 or fewer."""
    DUE_TODAY = "due_today"
    """Today is the last day and the cutoff has not passed (今日到期)."""
    OVERDUE = "overdue"
    """The cutoff has passed (逾期)."""
    SERIOUSLY_OVERDUE = "seriously_overdue"
    """Late by more than the threshold, e.g. 5 working days (严重逾期, 通报)."""

    @property
    def zh(self) -> str:
        """Return the Chinese name of the level."""
        return _ZH[self]


_ZH = {
    WarningLevel.NORMAL: "正常",
    WarningLevel.APPROACHING: "临期",
    WarningLevel.DUE_TODAY: "今日到期",
    WarningLevel.OVERDUE: "逾期",
    WarningLevel.SERIOUSLY_OVERDUE: "严重逾期",
}


@attrs.frozen(slots=True)
class WarningThresholds:
    """The last days that separate the warning levels at one instant, for one county (预警分界日).

    A clock's level depends only on its last day once the instant and the
    county's policy are fixed, and it never gets calmer as the last day gets
    earlier.  So the working-day arithmetic can be done once per county and
    sweep (`govbiz.deadlines.DeadlinePolicy.thresholds`), and each clock is
    classified by comparing dates, in Python or in SQL:

    * `last_day <= overdue_through`: the cutoff has passed (逾期), and
      `last_day < seriously_before` too: late by more than the county's
      threshold (严重逾期);
    * else `last_day <= today`: due today (今日到期);
    * else `last_day <= approaching_through`: approaching (临期);
    * else normal.
    """

    today: date
    overdue_through: date
    seriously_before: date
    approaching_through: date

    def level(self, last_day: date) -> WarningLevel:
        """The warning level of a running clock whose last day is `last_day`."""
        if last_day <= self.overdue_through:
            late = last_day < self.seriously_before
            return WarningLevel.SERIOUSLY_OVERDUE if late else WarningLevel.OVERDUE
        if last_day <= self.today:
            return WarningLevel.DUE_TODAY
        if last_day <= self.approaching_through:
            return WarningLevel.APPROACHING
        return WarningLevel.NORMAL
