"""What a calendar covers, year by year (日历状态): official or provisional, and from where.

`govbiz calendar status` prints it; `upcoming_year_warning` is the line
that `govbiz remind` and the report's summary print from 1 October on,
while next year still has no published notice.
"""

from __future__ import annotations

from datetime import date

import attrs

from govbiz.calendar.notice import HolidayNotice, NoticeOrigin
from govbiz.calendar.working_calendar import WorkingCalendar

__all__ = ["CalendarStatus", "NoticeSummary", "YearStatus", "calendar_status", "upcoming_year_warning"]

#: From this month on, a missing notice for next year is worth a warning (published Oct–Dec).
WARN_FROM_MONTH = 10


@attrs.frozen(slots=True)
class NoticeSummary:
    """One notice in force for a year: document number, date of issue, where it comes from."""

    number: str
    published: date
    origin: NoticeOrigin

    @classmethod
    def of(cls, notice: HolidayNotice) -> NoticeSummary:
        """The summary of `notice`."""
        return cls(notice.number, notice.published, notice.origin)


@attrs.frozen(slots=True)
class YearStatus:
    """One covered year: official (a published notice) or provisional (derived from the law).

    `notices` are those in force for the year, the winning one last (a
    notice kept in the ledger replaces one govbiz ships with the same
    document number).  `differs` is true when a notice kept in the ledger
    (or supplied by a plugin) and the one govbiz ships give different days
    for the year.
    """

    year: int
    provisional: bool
    notices: tuple[NoticeSummary, ...]
    differs: bool = False

    @property
    def official(self) -> bool:
        """True when a published notice decides the year."""
        return not self.provisional


@attrs.frozen(slots=True)
class CalendarStatus:
    """A calendar's coverage as of `today`, and the warning a clerk should see, if any.

    `covered_until` is the last day any deadline can end on (the end of the
    last provisional year); `official_until` the end of the last year with
    a published notice.
    """

    today: date
    years: tuple[YearStatus, ...]
    official_until: date | None
    covered_until: date
    warning: str | None

    def year(self, year: int) -> YearStatus | None:
        """The status of `year`, or `None` if it is not covered."""
        return next((y for y in self.years if y.year == year), None)


def calendar_status(calendar: WorkingCalendar, today: date) -> CalendarStatus:
    """The status of every year `calendar` covers, as of `today`."""
    span = range(calendar.first_date.year, calendar.last_date.year + 1)
    years = tuple(_year(calendar, year) for year in span)
    official = calendar.official_through
    return CalendarStatus(
        today=today,
        years=years,
        official_until=date(official, 12, 31) if official is not None else None,
        covered_until=calendar.last_date,
        warning=upcoming_year_warning(calendar, today),
    )


def upcoming_year_warning(calendar: WorkingCalendar, today: date) -> str | None:
    """From 1 October, while next year has no published notice: a line that says so, else `None`."""
    if today.month < WARN_FROM_MONTH:
        return None
    following = today.year + 1
    if not calendar.covers(date(following, 1, 1)):
        return (
            f"注意：日历不覆盖{following}年，跨年的期限无法计算；"
            f"请录入国务院{following}年放假安排（govbiz calendar add-notice FILE.toml）。"
        )
    if following not in calendar.provisional_years:
        return None
    return (
        f"注意：国务院{following}年放假安排尚未录入，涉及{following}年的期限暂按法定节假日推算（不含调休）；"
        "发布后请用 govbiz calendar add-notice FILE.toml 录入，已通知的期限将自动复核。"
    )


def _year(calendar: WorkingCalendar, year: int) -> YearStatus:
    given = [n for n in calendar.notices if n.year == year and not n.provisional]  # in force or not
    return YearStatus(
        year=year,
        provisional=year in calendar.provisional_years,
        notices=tuple(NoticeSummary.of(n) for n in calendar.notices_for(year)),
        differs=_differ(given),
    )


def _differ(notices: list[HolidayNotice]) -> bool:
    """True when notices of different origins give the year different days."""
    by_origin: dict[NoticeOrigin, tuple[frozenset[date], frozenset[date]]] = {}
    for origin in {n.origin for n in notices}:
        mine = [n for n in notices if n.origin is origin]
        by_origin[origin] = (
            frozenset(d for n in mine for d in n.rest_days()),
            frozenset(d for n in mine for d in n.working_days()),
        )
    return len(set(by_origin.values())) > 1
