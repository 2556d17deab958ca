"""What a single day is: working day, weekend, holiday, adjusted working day (日的属性)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import attrs

__all__ = ["DayInfo", "DayKind"]


class DayKind(StrEnum):
    """The kind of a day in a working-day calendar (日类型).

    Two kinds are working days: an ordinary weekday (工作日) and a weekend day
    that a notice turns into a working day (调休上班), plus a county's own
    local working day (地方工作日).  The others are rest days (休息日), which
    is what Civil Code article 203 calls 法定休假日: a period whose last day
    falls on one ends on the next working day.
    """

    WORKING_DAY = "working_day"
    """An ordinary Monday–Friday working day (工作日)."""
    WEEKEND = "weekend"
    """A Saturday or Sunday that is a rest day (公休日)."""
    HOLIDAY = "holiday"
    """A day of a holiday range in a State Council notice (节假日放假, 含调休放假)."""
    ADJUSTED_WORKING_DAY = "adjusted_working_day"
    """A weekend day that a notice makes a working day (调休上班)."""
    LOCAL_REST_DAY = "local_rest_day"
    """A rest day that only a county or prefecture observes (地方休息日)."""
    LOCAL_WORKING_DAY = "local_working_day"
    """A day that a county makes a working day on its own (地方工作日)."""

    @property
    def is_working(self) -> bool:
        """True for the three working kinds, False for the rest days."""
        return self in _WORKING_KINDS

    @property
    def zh(self) -> str:
        """The Chinese name of the kind, as a clerk would write it."""
        return _ZH[self]

    @property
    def en(self) -> str:
        """The English name of the kind."""
        return _EN[self]


_WORKING_KINDS = frozenset(
    {DayKind.WORKING_DAY, DayKind.ADJUSTED_WORKING_DAY, DayKind.LOCAL_WORKING_DAY}
)
_ZH = {
    DayKind.WORKING_DAY: "工作日",
    DayKind.WEEKEND: "周末休息日",
    DayKind.HOLIDAY: "节假日放假",
    DayKind.ADJUSTED_WORKING_DAY: "调休上班",
    DayKind.LOCAL_REST_DAY: "地方休息日",
    DayKind.LOCAL_WORKING_DAY: "地方工作日",
}
_EN = {
    DayKind.WORKING_DAY: "working day",
    DayKind.WEEKEND: "weekend rest day",
    DayKind.HOLIDAY: "public holiday",
    DayKind.ADJUSTED_WORKING_DAY: "adjusted working day",
    DayKind.LOCAL_REST_DAY: "local rest day",
    DayKind.LOCAL_WORKING_DAY: "local working day",
}


@attrs.frozen(slots=True)
class DayInfo:
    """One day as the calendar sees it (某日的属性): its kind and where that comes from.

    `holiday` names the holiday (`"国庆节、中秋节"`) or the local day for
    holiday, adjusted-working and local days, else `None`; `notice` is the
    notice number (`"国办发明电〔2024〕12号"`) or the local source that decided
    the day, else `None`.  `provisional` is true for every day of a year
    without a published notice, whose rest days are derived from the holiday
    law (暂按法定节假日推算): such a day may still change when the notice comes.
    """

    day: date
    kind: DayKind
    holiday: str | None = None
    notice: str | None = None
    provisional: bool = False

    @property
    def is_working_day(self) -> bool:
        """True when work is done on this day (工作日, 调休上班 or 地方工作日)."""
        return self.kind.is_working

    @property
    def is_rest_day(self) -> bool:
        """True when the day is a rest day (休息日): weekend, holiday or local rest day."""
        return not self.kind.is_working
