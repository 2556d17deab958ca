"""Working-day calendar of mainland China (工作日历): holidays, 调休上班 and local days.

Usage::

    from govbiz.calendar import china_calendar

    cal = china_calendar()
    cal.is_working_day(date(2025, 9, 28))            # True: 调休上班 (国庆节、中秋节)
    cal.add_working_days(date(2025, 9, 26), 7)       # date(2025, 10, 13)
    cal.working_days_between(date(2025, 9, 26), date(2025, 10, 13))  # 7

The national data are the State Council notices for 2004 to 2026, shipped as
TOML and loaded on the first call.  The five years after the latest notice
are derived from the holiday law (`govbiz.calendar.law`) and marked
provisional; dates outside the covered years raise
`govbiz.errors.CalendarCoverageError`.  A ledger keeps notices added with
`govbiz calendar add-notice`, code adds one with
`china_calendar(extra_notices=[HolidayNotice.from_toml(path)])`, and a county
adds its own days with `WorkingCalendar.with_local_days`.
"""

from __future__ import annotations

from govbiz.calendar.day import DayInfo, DayKind
from govbiz.calendar.national import china_calendar, national_notices
from govbiz.calendar.notice import HolidayNotice, HolidayRange, NoticeOrigin, load_notices, parse_notices
from govbiz.calendar.working_calendar import PROVISIONAL_YEARS, LocalDays, WorkingCalendar

__all__ = [
    "PROVISIONAL_YEARS",
    "DayInfo",
    "DayKind",
    "HolidayNotice",
    "HolidayRange",
    "LocalDays",
    "NoticeOrigin",
    "WorkingCalendar",
    "china_calendar",
    "load_notices",
    "national_notices",
    "parse_notices",
]
