"""The holiday law (《全国年节及纪念日放假办法》) and the rest days it decides on its own.

Each year the State Council General Office publishes the arrangement for the
next year (放假安排通知) between late October and early December.  Until it
does, the only certain rest days are those the law itself fixes: the
statutory holidays for all citizens (全体公民放假的节日) and, under its
Art. 6, the make-up day (补假) on the first working day after a holiday for
each holiday day that falls on a Saturday or Sunday.  A year derived this
way is *provisional* (暂按法定节假日推算): it has no bridge days and no
adjusted working weekends (调休上班), because only a notice can decide
those, and every deadline counted through it says so.

Three versions of the law apply to the years govbiz covers:

* 国务院令第513号 (in force 2008-01-01): 春节 除夕 to 正月初二, 劳动节 1 May;
* 国务院令第644号 (in force 2014-01-01): 春节 正月初一 to 初三;
* 国务院令第795号 (in force 2025-01-01): 春节 除夕 to 正月初三 (four days),
  劳动节 1–2 May, and Art. 7 on 调休 ("法定节假日假期前后连续工作一般不超过6天").

Lunar dates and the 清明 solar term come from lunar-python (the Python port of
6tail's lunar library), never from a hand-typed table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar

import attrs

from govbiz.calendar.notice import HolidayNotice, HolidayRange, NoticeOrigin
from govbiz.errors import ValidationError

if TYPE_CHECKING:
    from govbiz.calendar.working_calendar import WorkingCalendar

__all__ = [
    "DECREE_513",
    "DECREE_644",
    "DECREE_795",
    "HOLIDAY_LAWS",
    "HolidayLaw",
    "StatutoryDay",
    "check_notice",
    "derived_notice",
    "law_for",
    "statutory_days",
]

T = TypeVar("T")
_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
#: Names of the days of the Spring Festival, by their offset from 正月初一.
_SPRING_FESTIVAL_DAYS = {-1: "除夕", 0: "正月初一", 1: "正月初二", 2: "正月初三"}


@attrs.frozen(slots=True)
class StatutoryDay:
    """One day of a statutory holiday for all citizens (全体公民放假的节日), e.g. 春节's 除夕.

    `holiday` is the holiday (`"春节"`), `part` the day within it
    (`"除夕"`, `"5月2日"`).  Two statutory days may share a date (中秋节 on
    1–3 October): each is owed a day off.
    """

    day: date
    holiday: str
    part: str


@attrs.frozen(slots=True)
class HolidayLaw:
    """One version of 《全国年节及纪念日放假办法》: which days are statutory holidays.

    `decree` is the State Council decree that made this version
    (`"国务院令第795号"`), `in_force` the first day it applies.
    `spring_festival` lists the days of 春节 as offsets from 正月初一
    (-1 is 除夕, the last day of the lunar year); `labour_days` is how many
    days from 1 May are 劳动节.  `max_working_run` is the longest run of
    working days the law wants next to a holiday (Art. 7 of Decree 795:
    "一般不超过6天"), `None` where it says nothing.
    """

    decree: str
    decided: date
    in_force: date
    spring_festival: tuple[int, ...]
    labour_days: int
    max_working_run: int | None = None

    def statutory_days(self, year: int) -> tuple[StatutoryDay, ...]:
        """Every statutory holiday day of `year` under this law, in date order."""
        from lunar_python import Lunar, Solar

        def solar(lunar_month: int, lunar_day: int) -> date:
            found = Lunar.fromYmd(year, lunar_month, lunar_day).getSolar()
            return date(found.getYear(), found.getMonth(), found.getDay())

        new_year = solar(1, 1)
        qingming = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
        days = [
            StatutoryDay(date(year, 1, 1), "元旦", "1月1日"),
            *(
                StatutoryDay(new_year + timedelta(days=offset), "春节", _SPRING_FESTIVAL_DAYS[offset])
                for offset in self.spring_festival
            ),
            StatutoryDay(
                date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节", "清明"
            ),
            *(StatutoryDay(date(year, 5, 1 + i), "劳动节", f"5月{1 + i}日") for i in range(self.labour_days)),
            StatutoryDay(solar(5, 5), "端午节", "农历五月初五"),
            StatutoryDay(solar(8, 15), "中秋节", "农历八月十五"),
            *(StatutoryDay(date(year, 10, 1 + i), "国庆节", f"10月{1 + i}日") for i in range(3)),
        ]
        return tuple(sorted(days, key=lambda d: d.day))


#: 国务院令第513号 (2007): 春节 除夕、初一、初二; 清明、端午、中秋 become holidays.
DECREE_513 = HolidayLaw("国务院令第513号", date(2007, 12, 14), date(2008, 1, 1), (-1, 0, 1), 1)
#: 国务院令第644号 (2013): 春节 初一、初二、初三.
DECREE_644 = HolidayLaw("国务院令第644号", date(2013, 12, 11), date(2014, 1, 1), (0, 1, 2), 1)
#: 国务院令第795号 (2024): 春节 除夕 to 初三, 劳动节 1–2 May; in force since 2025.
DECREE_795 = HolidayLaw("国务院令第795号", date(2024, 11, 10), date(2025, 1, 1), (-1, 0, 1, 2), 2, 6)
#: The versions of the law govbiz knows, oldest first.
HOLIDAY_LAWS: tuple[HolidayLaw, ...] = (DECREE_513, DECREE_644, DECREE_795)


def law_for(year: int) -> HolidayLaw:
    """The version of the holiday law in force for the whole of `year`.

    Raises `govbiz.errors.ValidationError` (field `year`) for a year
    before 2008, which no version govbiz knows covers.
    """
    for law in reversed(HOLIDAY_LAWS):
        if law.in_force <= date(year, 1, 1):
            return law
    first = HOLIDAY_LAWS[0]
    raise ValidationError(
        "year", year, f"govbiz knows the holiday law from {first.decree} (in force {first.in_force}) on"
    )


def statutory_days(year: int) -> tuple[StatutoryDay, ...]:
    """The statutory holiday days of `year` under the law in force (全体公民放假的节日)."""
    return law_for(year).statutory_days(year)


@functools.cache
def derived_notice(year: int) -> HolidayNotice:
    """The rest days of `year` as the law alone decides them: a provisional notice.

    Each run of statutory days (two holidays a weekend apart count as one,
    as 国庆节 and 中秋节 do) becomes one holiday range, from its first
    statutory day to its last make-up day.  Under Art. 6 a statutory day on a
    Saturday or Sunday is made up on the first working day after the holiday;
    so is a statutory day that shares its date with another (the notices of
    2009 and 2020 gave 中秋节 on 国庆节 its own day).  No 调休上班 is derived.
    The result is marked `origin=NoticeOrigin.DERIVED`; its `number` names
    the decree it follows.
    """
    law = law_for(year)
    days = law.statutory_days(year)
    rest = {d.day for d in days}
    for run in _grouped(days, lambda d: d.day):
        rest.update(_make_up_days(run, rest))
    ranges = []
    for cluster in _grouped(sorted(rest), lambda d: d):
        first, last = cluster[0], cluster[-1]
        names = dict.fromkeys(d.holiday for d in days if first <= d.day <= last)
        ranges.append(HolidayRange("、".join(names), first, last))
    return HolidayNotice(
        year=year,
        number=f"暂按{law.decree}推算",
        title=f"{year}年节假日（国务院尚未发布放假安排，暂按《全国年节及纪念日放假办法》推算）",
        published=law.decided,
        holidays=tuple(ranges),
        issuer="govbiz",
        origin=NoticeOrigin.DERIVED,
    )


def check_notice(notice: HolidayNotice, calendar: WorkingCalendar | None = None) -> tuple[str, ...]:
    """Check a published notice against the law in force; return warnings, raise on errors.

    Every statutory day of the notice's year must be a day off of one of its
    holidays: a missing one raises `govbiz.errors.ValidationError` naming
    the day (a transcription mistake, most likely).  Under Decree 795 Art. 7
    a run of more than six working days before or after a holiday is allowed
    but unusual ("一般不超过6天"): each is returned as a warning, counted on
    `calendar` (the national one by default) with this notice in force.
    """
    law = law_for(notice.year)
    rest = set(notice.rest_days())
    for day in law.statutory_days(notice.year):
        if day.day not in rest:
            raise ValidationError(
                "notice.holidays", day.day.isoformat(),
                f"is {day.holiday}（{day.part}）, a statutory holiday under {law.decree}, "
                "but no holiday of the notice gives it off",
            )
    if law.max_working_run is None:
        return ()
    from govbiz.calendar.national import china_calendar

    with_notice = (calendar or china_calendar()).with_notice(notice)
    warnings = []
    for holiday in notice.holidays:
        for side, run in (("前", _working_run(with_notice, holiday.first, -1)),
                          ("后", _working_run(with_notice, holiday.last, 1))):
            if len(run) > law.max_working_run:
                first, last = min(run), max(run)
                warnings.append(
                    f"{holiday.name}{side}连续工作{len(run)}天（{first.isoformat()} 至 {last.isoformat()}），"
                    f"超过{law.decree}第七条“法定节假日假期前后连续工作一般不超过{law.max_working_run}天”"
                )
    return tuple(warnings)


def _working_run(calendar: WorkingCalendar, edge: date, step: int) -> list[date]:
    """The working days next to `edge` (a holiday's first or last day), walking by `step` days."""
    run: list[date] = []
    day = edge + timedelta(days=step)
    while calendar.covers(day) and calendar.is_working_day(day):
        run.append(day)
        day += timedelta(days=step)
    return run


def _grouped(items: Iterable[T], day_of: Callable[[T], date]) -> Iterator[list[T]]:
    """Items grouped into holidays by their day: only weekend days may lie between two of a group."""
    group: list[T] = []
    for item in items:
        if group and not _only_weekend_between(day_of(group[-1]), day_of(item)):
            yield group
            group = []
        group.append(item)
    if group:
        yield group


def _only_weekend_between(a: date, b: date) -> bool:
    day = a + _ONE_DAY
    while day < b:
        if day.weekday() < _SATURDAY:
            return False
        day += _ONE_DAY
    return True


def _make_up_days(run: list[StatutoryDay], rest: set[date]) -> list[date]:
    """The make-up days (补假) Art. 6 owes one holiday: the first working days after it.

    One is owed for each statutory day on a Saturday or Sunday and for each
    that shares its date with another; days already off are passed over.
    """
    owed = sum(1 for d in run if d.day.weekday() >= _SATURDAY) + len(run) - len({d.day for d in run})
    found: list[date] = []
    day = run[-1].day
    while len(found) < owed:
        day += _ONE_DAY
        if day.weekday() < _SATURDAY and day not in rest:
            found.append(day)
    return found
