"""Every day 2004-01-01..2026-12-31 against chinesecalendar, holidays and the raw TOML data."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from importlib import resources
from typing import Any

import chinese_calendar
import holidays
import pytest

from govbiz.calendar import DayKind, china_calendar

FIRST, LAST = date(2004, 1, 1), date(2026, 12, 31)
ALL_DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]

# Days on which a reference package disagrees with the State Council notice.
# Each entry: the package that is wrong, and the notice text that decides it.
# The test below checks that the package still disagrees, so a fixed upstream
# bug makes this table fail and get trimmed rather than hide a new mistake.
KNOWN_DISCREPANCIES: dict[date, tuple[str, str]] = {
    date(2005, 12, 31): (
        "chinesecalendar",
        "国办发明电〔2005〕35号 (2006年): '将12月31日(星期六)、1月1日(星期日)两个公休日调至"
        "1月2日(星期一)、3日(星期二)，12月31日(星期六)上班' — a working Saturday. "
        "chinesecalendar files each notice under its own year and so never marks this "
        "2005 day; holidays (weekend_workdays) has it right.",
    ),
}


@pytest.fixture(scope="module")
def china_holidays() -> holidays.HolidayBase:
    return holidays.China(years=range(FIRST.year, LAST.year + 1))


def test_every_day_matches_chinesecalendar() -> None:
    cal = china_calendar()
    mismatches = [
        d for d in ALL_DAYS
        if cal.is_working_day(d) != chinese_calendar.is_workday(d)
        and KNOWN_DISCREPANCIES.get(d, ("",))[0] != "chinesecalendar"
    ]
    assert mismatches == []


def test_every_day_matches_holidays(china_holidays: holidays.HolidayBase) -> None:
    cal = china_calendar()
    # holidays' is_working_day includes its weekend_workdays (调休上班) data.
    mismatches = [
        d for d in ALL_DAYS
        if cal.is_working_day(d) != china_holidays.is_working_day(d)
        and KNOWN_DISCREPANCIES.get(d, ("",))[0] != "holidays"
    ]
    assert mismatches == []


@pytest.mark.parametrize("day", sorted(KNOWN_DISCREPANCIES))
def test_known_discrepancies_are_still_real(
    day: date, china_holidays: holidays.HolidayBase
) -> None:
    wrong_package, _why = KNOWN_DISCREPANCIES[day]
    answers = {
        "chinesecalendar": chinese_calendar.is_workday(day),
        "holidays": china_holidays.is_working_day(day),
    }
    ours = china_calendar().is_working_day(day)
    assert answers[wrong_package] != ours
    right_package = "holidays" if wrong_package == "chinesecalendar" else "chinesecalendar"
    assert answers[right_package] == ours


def _raw_files() -> dict[str, dict[str, Any]]:
    folder = resources.files("govbiz.calendar").joinpath("data")
    return {
        entry.name: tomllib.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def test_one_data_file_per_year_holding_that_years_notices() -> None:
    files = _raw_files()
    assert sorted(files) == [f"{year}.toml" for year in range(2004, 2027)]
    for name, data in files.items():
        years = {notice["year"] for notice in data["notice"]}
        assert years == {int(name.removesuffix(".toml"))}, name
        for notice in data["notice"]:
            assert notice["number"].endswith("号"), name
            assert notice["published"] < date(notice["year"], 12, 31), name


def _expected_kinds_from_raw_toml() -> dict[date, tuple[DayKind, str, str]]:
    """Re-derive the special days from the files without using govbiz's parser."""
    notices = [n for data in _raw_files().values() for n in data["notice"]]
    notices.sort(key=lambda n: n["published"])  # a later notice wins
    expected: dict[date, tuple[DayKind, str, str]] = {}
    for notice in notices:
        for holiday in notice["holidays"]:
            day = holiday["first"]
            while day <= holiday["last"]:
                expected[day] = (DayKind.HOLIDAY, holiday["name"], notice["number"])
                day += timedelta(days=1)
            for day in holiday.get("working", []):
                expected[day] = (DayKind.ADJUSTED_WORKING_DAY, holiday["name"], notice["number"])
    return expected


def test_every_day_matches_the_typed_notices() -> None:
    cal = china_calendar()
    expected = _expected_kinds_from_raw_toml()
    wrong = []
    for d in ALL_DAYS:
        info = cal.day_info(d)
        if d in expected:
            want = expected[d]
        else:
            want = (DayKind.WEEKEND if d.weekday() >= 5 else DayKind.WORKING_DAY, None, None)
        if (info.kind, info.holiday, info.notice) != want:
            wrong.append((d, info, want))
    assert wrong == []


def test_adjusted_working_days_are_exactly_holidays_weekend_workdays(
    china_holidays: holidays.HolidayBase,
) -> None:
    cal = china_calendar()
    ours = {d for d in ALL_DAYS if cal.day_info(d).kind is DayKind.ADJUSTED_WORKING_DAY}
    theirs = {d for d in china_holidays.weekend_workdays if FIRST <= d <= LAST}
    assert ours == theirs


@pytest.mark.parametrize(
    ("year", "rest_days", "adjusted_working_days"),
    [
        # Counted by hand from the notices: days off in holiday ranges, 调休上班 days.
        (2024, 28, 8),
        (2025, 28, 5),
        (2026, 33, 6),
    ],
)
def test_year_totals(year: int, rest_days: int, adjusted_working_days: int) -> None:
    cal = china_calendar()
    kinds = [i.kind for i in cal.days(date(year, 1, 1), date(year, 12, 31))]
    assert kinds.count(DayKind.HOLIDAY) == rest_days
    assert kinds.count(DayKind.ADJUSTED_WORKING_DAY) == adjusted_working_days


@pytest.mark.parametrize("year", range(2004, 2027))
def test_working_day_count_per_year_matches_holidays(
    year: int, china_holidays: holidays.HolidayBase
) -> None:
    cal = china_calendar()
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    ours = cal.working_days_between(jan1, dec31) + cal.is_working_day(jan1)
    # holidays counts the closed interval [start, end], ours the half-open (start, end].
    assert ours == china_holidays.get_working_days_count(jan1, dec31)
