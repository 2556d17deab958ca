"""The national calendar of mainland China shipped with govbiz (全国节假日安排).

The data are the State Council (General Office) notices from 2004 on, one TOML
file per year under `govbiz/calendar/data`.  They are read on the first call
of `china_calendar`, never at import.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable
from importlib import resources

import attrs

from govbiz.calendar.notice import HolidayNotice, NoticeOrigin, parse_notices
from govbiz.calendar.working_calendar import WorkingCalendar

__all__ = ["china_calendar", "national_notices"]


@functools.cache
def national_notices() -> tuple[HolidayNotice, ...]:
    """Return every notice shipped with govbiz, oldest year first (read once, then cached)."""
    folder = resources.files("govbiz.calendar").joinpath("data")
    notices: list[HolidayNotice] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            parsed = parse_notices(tomllib.loads(entry.read_text(encoding="utf-8")))
            notices.extend(attrs.evolve(n, origin=NoticeOrigin.PACKAGE) for n in parsed)
    return tuple(notices)


def china_calendar(extra_notices: Iterable[HolidayNotice] = ()) -> WorkingCalendar:
    """Return the national working-day calendar of mainland China (全国工作日历).

    `extra_notices` adds notices that a deployment has before a govbiz
    release (next year's arrangement, an amendment); each wins over the
    package's own for every day it names.  The five years after the latest
    notice are derived from the holiday law and marked provisional
    (`WorkingCalendar.provisional_years`).  Calendars are cached per set of extra
    notices, so repeated calls are free.  Feeding plugin data is one line::

        china_calendar(extra_notices=chain.from_iterable(pm.hook.govbiz_calendar_data()))
    """
    return _build(tuple(extra_notices))


@functools.lru_cache(maxsize=16)
def _build(extra_notices: tuple[HolidayNotice, ...]) -> WorkingCalendar:
    return WorkingCalendar(national_notices() + extra_notices)
