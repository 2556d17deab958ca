"""Provisional years: rest days derived from the holiday law, checked against every notice since 2008."""

from __future__ import annotations

from datetime import date

import pytest

from govbiz.calendar import DayKind, NoticeOrigin, china_calendar, national_notices
from govbiz.calendar.law import DECREE_513, DECREE_644, DECREE_795, derived_notice, law_for, statutory_days
from govbiz.errors import ValidationError

D = date


def _days(*texts: str) -> list[date]:
    return [date.fromisoformat(t) for t in texts]


def _published(year: int) -> tuple[set[date], list[date]]:
    notices = [n for n in national_notices() if n.year == year]
    rest = {d for n in notices for d in n.rest_days()}
    working = sorted(d for n in notices for d in n.working_days())
    return rest, working


def _weekdays(days: set[date]) -> list[date]:
    return sorted(d for d in days if d.weekday() < 5)


def test_the_law_in_force_for_each_year() -> None:
    assert law_for(2008) is DECREE_513
    assert law_for(2013) is DECREE_513
    assert law_for(2014) is DECREE_644
    assert law_for(2024) is DECREE_644
    assert law_for(2025) is DECREE_795
    assert law_for(2030) is DECREE_795
    with pytest.raises(ValidationError) as caught:
        law_for(2007)
    assert caught.value.field == "year"
    assert "国务院令第513号" in str(caught.value)


def test_thirteen_statutory_days_under_decree_795() -> None:
    days = statutory_days(2027)
    assert len(days) == 13
    assert [(d.day, d.holiday, d.part) for d in days if d.holiday == "春节"] == [
        (D(2027, 2, 5), "春节", "除夕"),  # 腊月廿九: the twelfth month of 丙午 has 29 days
        (D(2027, 2, 6), "春节", "正月初一"),
        (D(2027, 2, 7), "春节", "正月初二"),
        (D(2027, 2, 8), "春节", "正月初三"),
    ]
    assert {d.holiday: d.day for d in days if d.holiday in ("清明节", "端午节", "中秋节")} == {
        "清明节": D(2027, 4, 5),
        "端午节": D(2027, 6, 9),
        "中秋节": D(2027, 9, 15),
    }


def test_chuxi_is_the_thirtieth_when_the_twelfth_month_has_thirty_days() -> None:
    spring = [d for d in statutory_days(2033) if d.holiday == "春节"]
    assert spring[0].part == "除夕"
    assert spring[0].day == D(2033, 1, 30)  # 腊月三十 of 壬子; 正月初一 is 2033-01-31


def test_2025_derivation_gives_every_statutory_day_of_the_notice() -> None:
    rest, working = _published(2025)
    statutory = {d.day for d in statutory_days(2025)}
    derived = set(derived_notice(2025).rest_days())
    assert sorted(statutory) == _days(
        "2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-04-04",
        "2025-05-01", "2025-05-02", "2025-05-31", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06",
    )
    # Art. 6: 端午节 on Saturday 31 May is made up on Monday 2 June.
    assert _weekdays(derived - statutory) == _days("2025-06-02")
    assert derived <= rest
    # What only the notice could decide: its bridge days and the weekends worked for them.
    bridge_days = _days("2025-02-03", "2025-02-04", "2025-05-05", "2025-10-07", "2025-10-08")
    assert _weekdays(rest - derived) == bridge_days
    assert working == _days("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11")


def test_2026_derivation_gives_every_statutory_day_of_the_notice() -> None:
    rest, working = _published(2026)
    statutory = {d.day for d in statutory_days(2026)}
    derived = set(derived_notice(2026).rest_days())
    assert sorted(statutory) == _days(
        "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-04-05",
        "2026-05-01", "2026-05-02", "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02", "2026-10-03",
    )
    # 清明节 on Sunday 5 April, 劳动节's 2 May and 国庆节's 3 October on Saturdays: made up after each.
    assert _weekdays(derived - statutory) == _days("2026-04-06", "2026-05-04", "2026-10-05")
    assert derived <= rest
    assert _weekdays(rest - derived) == _days(
        "2026-01-02", "2026-02-20", "2026-02-23", "2026-05-05", "2026-10-06", "2026-10-07"
    )
    assert working == _days(
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"
    )


#: Years whose notice placed an Art. 6 make-up day elsewhere than the first working day after.
NOTICE_MOVED_THE_MAKE_UP_DAY = {
    D(2012, 6, 25): "国办发明电〔2011〕45号: 端午节 (Saturday 23 June) was made up on Friday 22 June",
    D(2015, 9, 28): "国办发明电〔2014〕28号: 中秋节 (Sunday 27 September) was given no Monday",
}


@pytest.mark.parametrize("year", range(2008, 2027))
def test_every_statutory_day_since_2008_is_a_day_off_in_its_notice(year: int) -> None:
    rest, _ = _published(year)
    assert [d for d in statutory_days(year) if d.day not in rest] == []
    make_up = [d for d in derived_notice(year).rest_days() if d not in rest and d.weekday() < 5]
    assert make_up == [d for d in NOTICE_MOVED_THE_MAKE_UP_DAY if d.year == year]


def test_spring_festival_2027_from_the_law() -> None:
    notice = derived_notice(2027)
    assert notice.provisional
    assert notice.origin is NoticeOrigin.DERIVED
    assert notice.number == "暂按国务院令第795号推算"
    spring = next(h for h in notice.holidays if h.name == "春节")
    # 除夕 Friday to 初三 Monday; Saturday 6 and Sunday 7 are made up on Tuesday 9 and Wednesday 10.
    assert (spring.first, spring.last, spring.working) == (D(2027, 2, 5), D(2027, 2, 10), ())
    calendar = china_calendar()
    assert calendar.next_working_day_on_or_after(D(2027, 2, 5)) == D(2027, 2, 11)
    assert D(2027, 2, 11).weekday() == 3  # a Thursday


def test_no_adjusted_working_weekend_is_invented() -> None:
    calendar = china_calendar()
    for year in sorted(calendar.provisional_years):
        assert list(derived_notice(year).working_days()) == []
        saturdays = [d.day for d in calendar.days(D(year, 1, 1), D(year, 12, 31)) if d.day.weekday() == 5]
        assert all(not calendar.is_working_day(d) for d in saturdays)


def test_mid_autumn_on_national_day_is_owed_its_own_day() -> None:
    # 2028: 中秋节 falls on 3 October, a 国庆节 day; 1 October is a Sunday.
    national = next(h for h in derived_notice(2028).holidays if "国庆节" in h.name)
    assert national.name == "国庆节、中秋节"
    assert (national.first, national.last) == (D(2028, 10, 1), D(2028, 10, 5))  # two days made up


def test_provisional_days_name_the_decree_they_follow() -> None:
    info = china_calendar().day_info(D(2027, 5, 4))
    assert (info.kind, info.holiday, info.notice, info.provisional) == (
        DayKind.HOLIDAY, "劳动节", "暂按国务院令第795号推算", True,
    )
