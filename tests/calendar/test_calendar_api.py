"""The public calendar API: hand-checked cases, coverage errors, notices and local days."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from govbiz.calendar import (
    DayInfo,
    DayKind,
    HolidayNotice,
    WorkingCalendar,
    china_calendar,
    load_notices,
)
from govbiz.errors import CalendarCoverageError, ValidationError

D = date


def test_china_calendar_is_cached_and_covers_2004_to_2031_the_last_five_provisional() -> None:
    cal = china_calendar()
    assert cal is china_calendar()
    assert (cal.first_date, cal.last_date) == (D(2004, 1, 1), D(2031, 12, 31))
    assert cal.official_through == 2026
    assert cal.provisional_years == frozenset(range(2027, 2032))
    assert not cal.day_info(D(2026, 12, 31)).provisional
    assert cal.day_info(D(2027, 1, 4)) == DayInfo(D(2027, 1, 4), DayKind.WORKING_DAY, provisional=True)
    assert cal.day_info(D(2027, 2, 9)) == DayInfo(
        D(2027, 2, 9), DayKind.HOLIDAY, "春节", "暂按国务院令第795号推算", provisional=True
    )


@pytest.mark.parametrize(
    ("day", "kind", "holiday"),
    [
        (D(2025, 9, 28), DayKind.ADJUSTED_WORKING_DAY, "国庆节、中秋节"),  # Sunday worked
        (D(2025, 10, 11), DayKind.ADJUSTED_WORKING_DAY, "国庆节、中秋节"),  # Saturday worked
        (D(2025, 10, 8), DayKind.HOLIDAY, "国庆节、中秋节"),
        (D(2025, 10, 12), DayKind.WEEKEND, None),
        (D(2025, 10, 9), DayKind.WORKING_DAY, None),
        (D(2026, 2, 28), DayKind.ADJUSTED_WORKING_DAY, "春节"),
        (D(2026, 2, 23), DayKind.HOLIDAY, "春节"),
        (D(2026, 1, 4), DayKind.ADJUSTED_WORKING_DAY, "元旦"),
        (D(2024, 2, 18), DayKind.ADJUSTED_WORKING_DAY, "春节"),
        (D(2015, 9, 3), DayKind.HOLIDAY, "抗战胜利70周年纪念日"),
        (D(2019, 5, 3), DayKind.HOLIDAY, "劳动节"),  # the March 2019 amendment
        (D(2019, 5, 5), DayKind.ADJUSTED_WORKING_DAY, "劳动节"),
        (D(2020, 2, 1), DayKind.HOLIDAY, "春节"),  # worked at first, then the extension
        (D(2022, 12, 31), DayKind.HOLIDAY, "元旦"),  # the 2023 notice reaches into 2022
    ],
)
def test_day_info(day: date, kind: DayKind, holiday: str | None) -> None:
    info = china_calendar().day_info(day)
    assert (info.kind, info.holiday) == (kind, holiday)
    assert info.is_working_day == kind.is_working
    assert china_calendar().is_working_day(day) == kind.is_working


def test_day_info_names_the_deciding_notice() -> None:
    cal = china_calendar()
    assert cal.day_info(D(2020, 2, 1)).notice == "国办发明电〔2020〕1号"
    assert cal.day_info(D(2020, 1, 19)).notice == "国办发明电〔2019〕16号"
    assert cal.day_info(D(2025, 3, 3)) == DayInfo(D(2025, 3, 3), DayKind.WORKING_DAY)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Hand-checked around each holiday of 2024–2026.
        (D(2025, 9, 26), 7, D(2025, 10, 13)),  # 9-28 and 10-11 worked, 10-1..8 off
        (D(2025, 9, 26), 1, D(2025, 9, 28)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2024, 2, 8), 1, D(2024, 2, 9)),  # 除夕 2024 (Friday 2-9) is a working day
        (D(2024, 2, 9), 1, D(2024, 2, 18)),  # 春节 2024: 2-10..17 off, Sunday 2-18 worked
        (D(2024, 2, 9), 2, D(2024, 2, 19)),
        (D(2024, 4, 3), 1, D(2024, 4, 7)),  # 清明 2024: 4-4..6 off, Sunday 4-7 worked
        (D(2024, 4, 30), 1, D(2024, 5, 6)),  # 劳动节 2024: 5-1..5 off
        (D(2024, 5, 10), 1, D(2024, 5, 11)),  # Saturday 5-11 worked
        (D(2024, 6, 7), 1, D(2024, 6, 11)),  # 端午 2024: 6-10 with the weekend
        (D(2024, 9, 13), 1, D(2024, 9, 14)),  # 中秋 2024: Saturday 9-14 worked
        (D(2024, 9, 14), 1, D(2024, 9, 18)),
        (D(2024, 9, 27), 2, D(2024, 9, 30)),  # Sunday 9-29 worked
        (D(2024, 9, 30), 1, D(2024, 10, 8)),
        (D(2024, 12, 31), 1, D(2025, 1, 2)),  # 元旦 2025: 1-1 only
        (D(2025, 1, 24), 1, D(2025, 1, 26)),  # 春节 2025: Sunday 1-26 worked
        (D(2025, 1, 27), 1, D(2025, 2, 5)),
        (D(2025, 2, 7), 1, D(2025, 2, 8)),  # Saturday 2-8 worked
        (D(2025, 4, 3), 1, D(2025, 4, 7)),  # 清明 2025: 4-4..6, no 调休
        (D(2025, 4, 25), 1, D(2025, 4, 27)),  # 劳动节 2025: Sunday 4-27 worked
        (D(2025, 4, 30), 1, D(2025, 5, 6)),
        (D(2025, 5, 30), 1, D(2025, 6, 3)),  # 端午 2025: 5-31..6-2
        (D(2025, 12, 31), 1, D(2026, 1, 4)),  # 元旦 2026: 1-1..3 off, Sunday 1-4 worked
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # 春节 2026: Saturday 2-14 worked
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # 2-15..23 off
        (D(2026, 2, 27), 1, D(2026, 2, 28)),  # Saturday 2-28 worked
        (D(2026, 4, 3), 1, D(2026, 4, 7)),  # 清明 2026: 4-4..6
        (D(2026, 4, 30), 1, D(2026, 5, 6)),  # 劳动节 2026: 5-1..5
        (D(2026, 5, 8), 1, D(2026, 5, 9)),  # Saturday 5-9 worked
        (D(2026, 6, 18), 1, D(2026, 6, 22)),  # 端午 2026: 6-19..21
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Sunday 9-20 worked
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # 中秋 2026: 9-25..27
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # 国庆 2026: 10-1..7
        (D(2026, 10, 9), 1, D(2026, 10, 10)),  # Saturday 10-10 worked
        # zero and negative n
        (D(2025, 10, 5), 0, D(2025, 10, 5)),
        (D(2025, 10, 9), -1, D(2025, 9, 30)),
        (D(2025, 10, 5), -1, D(2025, 9, 30)),
        (D(2025, 10, 13), -7, D(2025, 9, 26)),
        (D(2026, 2, 24), -1, D(2026, 2, 14)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert china_calendar().add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2025, 9, 26), D(2025, 10, 13), 7),
        (D(2025, 10, 13), D(2025, 9, 26), -7),
        (D(2025, 10, 1), D(2025, 10, 8), 0),
        (D(2025, 10, 1), D(2025, 10, 1), 0),
        (D(2026, 2, 13), D(2026, 2, 28), 6),  # 2-14, then 2-24..28 (2-28 worked)
    ],
)
def test_working_days_between(a: date, b: date, expected: int) -> None:
    assert china_calendar().working_days_between(a, b) == expected


def test_next_working_day_on_or_after() -> None:
    cal = china_calendar()
    assert cal.next_working_day_on_or_after(D(2025, 10, 5)) == D(2025, 10, 9)
    assert cal.next_working_day_on_or_after(D(2025, 10, 11)) == D(2025, 10, 11)
    assert cal.next_working_day_on_or_after(D(2025, 10, 12)) == D(2025, 10, 13)


@pytest.mark.parametrize(
    "call",
    [
        lambda cal: cal.is_working_day(D(2032, 1, 5)),
        lambda cal: cal.day_info(D(2032, 1, 5)),
        lambda cal: cal.add_working_days(D(2032, 1, 5), 1),
        lambda cal: cal.working_days_between(D(2031, 12, 1), D(2032, 1, 5)),
        lambda cal: cal.working_days_between(D(2032, 1, 5), D(2031, 12, 1)),
        lambda cal: cal.add_working_days(D(2031, 12, 30), 5),  # the walk runs off the end
    ],
)
def test_beyond_the_provisional_years_is_refused_naming_the_limit(call: object) -> None:
    with pytest.raises(CalendarCoverageError) as caught:
        call(china_calendar())  # type: ignore[operator]
    assert (caught.value.year, caught.value.last_year, caught.value.official_through) == (2032, 2031, 2026)
    message = str(caught.value)
    assert "no holiday arrangement for 2032" in message
    assert "notices through 2026" in message
    assert "provisional up to 2031" in message
    assert "govbiz calendar add-notice" in message


def test_a_calendar_without_provisional_years_refuses_the_year_after_the_last_notice() -> None:
    strict = WorkingCalendar(china_calendar().notices, provisional_horizon=0)
    assert strict.last_date == D(2026, 12, 31)
    assert strict.provisional_years == frozenset()
    with pytest.raises(CalendarCoverageError) as caught:
        strict.add_working_days(D(2026, 12, 30), 5)
    assert caught.value.year == 2027
    assert "provisional" not in str(caught.value)
    with pytest.raises(ValidationError) as invalid:
        WorkingCalendar(china_calendar().notices, provisional_horizon=-1)
    assert invalid.value.field == "provisional_horizon"


def test_before_the_first_notice_is_refused() -> None:
    cal = china_calendar()
    with pytest.raises(CalendarCoverageError) as caught:
        cal.add_working_days(D(2004, 1, 5), -3)
    assert caught.value.year == 2003
    with pytest.raises(CalendarCoverageError):
        cal.is_working_day(D(2003, 12, 31))


def test_datetimes_are_refused_because_their_day_depends_on_the_time_zone() -> None:
    with pytest.raises(ValidationError) as caught:
        china_calendar().is_working_day(datetime(2025, 1, 2, 12))
    assert caught.value.field == "date"
    with pytest.raises(TypeError):
        china_calendar().is_working_day("2025-01-02")  # type: ignore[arg-type]


NOTICE_2027 = """\
[[notice]]
year = 2027
number = "国办发明电〔2026〕99号"
title = "国务院办公厅关于2027年部分节假日安排的通知"
published = 2026-11-01
holidays = [
  { name = "元旦", first = 2027-01-01, last = 2027-01-03 },
  { name = "春节", first = 2027-02-05, last = 2027-02-12, working = [2027-02-14] },
]
"""


def test_a_deployment_adds_next_year_before_a_release(tmp_path: Path) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(NOTICE_2027, encoding="utf-8")
    notice = HolidayNotice.from_toml(path)
    cal = china_calendar(extra_notices=[notice])
    assert cal.official_through == 2027
    assert cal.last_date == D(2032, 12, 31)  # the provisional years move on with it
    assert 2027 not in cal.provisional_years
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert cal.day_info(D(2027, 2, 14)).kind is DayKind.ADJUSTED_WORKING_DAY
    assert not cal.day_info(D(2027, 2, 14)).provisional
    assert cal is china_calendar(extra_notices=[notice])  # cached per set of notices
    assert china_calendar().official_through == 2026  # the national one is untouched
    assert cal.with_notice() == cal
    assert china_calendar().with_notice(notice).official_through == 2027


def test_a_gap_year_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "2028.toml"
    path.write_text(
        NOTICE_2027.replace("2027", "2028").replace(", working = [2028-02-14]", ""),
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        china_calendar(extra_notices=load_notices(path))
    assert caught.value.field == "notices"
    assert caught.value.value == [2027]


def test_local_days_compose_with_the_national_calendar() -> None:
    national = china_calendar()
    # A prefecture's own festival on Thursday–Friday 2025-05-08/09, worked back on Sunday 05-11.
    local = national.with_local_days(
        rest=[D(2025, 5, 8), D(2025, 5, 9)], working=[D(2025, 5, 11)], name="苗族四月八",
        source="州政府办〔2025〕1号",
    )
    assert national.is_working_day(D(2025, 5, 8))
    assert not local.is_working_day(D(2025, 5, 8))
    assert local.is_working_day(D(2025, 5, 11))
    assert local.day_info(D(2025, 5, 9)) == DayInfo(
        D(2025, 5, 9), DayKind.LOCAL_REST_DAY, "苗族四月八", "州政府办〔2025〕1号"
    )
    assert local.add_working_days(D(2025, 5, 7), 1) == D(2025, 5, 11)
    assert local.working_days_between(D(2025, 5, 4), D(2025, 5, 11)) == \
        national.working_days_between(D(2025, 5, 4), D(2025, 5, 11)) - 1
    # Layers stack; the later one wins for the days it names.
    again = local.with_local_days(working=[D(2025, 5, 9)], name="补班")
    assert again.day_info(D(2025, 5, 9)).kind is DayKind.LOCAL_WORKING_DAY
    assert isinstance(again, WorkingCalendar)
    assert again.local_days[0].name == "苗族四月八"


def test_local_days_are_validated() -> None:
    cal = china_calendar()
    with pytest.raises(ValidationError) as caught:
        cal.with_local_days(rest=[D(2025, 5, 8)], working=[D(2025, 5, 8)], name="x")
    assert caught.value.field == "working"
    with pytest.raises(ValidationError) as caught:
        cal.with_local_days(rest=[D(2025, 5, 8)], name=" ")
    assert caught.value.field == "name"
    with pytest.raises(CalendarCoverageError):
        cal.with_local_days(rest=[D(2032, 5, 8)], name="x")


def test_importing_reads_no_data() -> None:
    code = (
        "import govbiz.calendar, govbiz.deadlines\n"
        "from govbiz.calendar.national import national_notices\n"
        "assert national_notices.cache_info().currsize == 0\n"
        "govbiz.calendar.china_calendar()\n"
        "assert national_notices.cache_info().currsize == 1\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
