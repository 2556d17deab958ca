"""Hypothesis properties of the working-day arithmetic, national and with local days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from govbiz.calendar import WorkingCalendar, china_calendar
from govbiz.errors import CalendarCoverageError

CAL = china_calendar()
# Stay a little inside the table so most walks do not run off the end.
days = st.dates(min_value=date(2004, 3, 1), max_value=date(2026, 10, 15))
steps = st.integers(min_value=-60, max_value=60)


def _naive_add(cal: WorkingCalendar, d: date, n: int) -> date:
    step = timedelta(days=1 if n > 0 else -1)
    found = 0
    while found < abs(n):
        d += step
        found += cal.is_working_day(d)
    return d


@given(days, st.integers(min_value=0, max_value=40))
def test_counting_undoes_adding(d: date, n: int) -> None:
    assert CAL.working_days_between(d, CAL.add_working_days(d, n)) == n


@given(days, st.integers(min_value=1, max_value=40))
def test_the_nth_working_day_is_a_working_day_after_d(d: date, n: int) -> None:
    result = CAL.add_working_days(d, n)
    assert result > d
    assert CAL.is_working_day(result)


@given(days, st.integers(min_value=1, max_value=40))
def test_backwards_is_the_mirror_of_forwards(d: date, n: int) -> None:
    before = CAL.add_working_days(d, -n)
    assert before < d
    assert CAL.is_working_day(before)
    # exactly n working days in [before, d)
    assert CAL.working_days_between(before - timedelta(days=1), d - timedelta(days=1)) == n


@given(days, steps)
def test_matches_a_day_by_day_walk(d: date, n: int) -> None:
    assert CAL.add_working_days(d, n) == _naive_add(CAL, d, n)


@given(days, st.integers(min_value=-400, max_value=400))
def test_between_is_antisymmetric_and_matches_a_count(a: date, offset: int) -> None:
    b = min(max(a + timedelta(days=offset), CAL.first_date), CAL.last_date)
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
    lo, hi = min(a, b), max(a, b)
    count = sum(CAL.is_working_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    assert abs(CAL.working_days_between(a, b)) == count


@given(days, days, st.integers(min_value=0, max_value=60))
def test_adding_is_monotonic(a: date, b: date, n: int) -> None:
    assume(a <= b)
    assert CAL.add_working_days(a, n) <= CAL.add_working_days(b, n)
    assert CAL.add_working_days(a, n) <= CAL.add_working_days(a, n + 1)


@given(days, days, days)
def test_between_is_additive(a: date, b: date, c: date) -> None:
    assert CAL.working_days_between(a, c) == (
        CAL.working_days_between(a, b) + CAL.working_days_between(b, c)
    )


@given(
    st.lists(st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31)), max_size=8),
    st.lists(st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31)), max_size=8),
    st.dates(min_value=date(2024, 11, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=40),
)
def test_local_days_compose(rest: list[date], working: list[date], d: date, n: int) -> None:
    working = [w for w in working if w not in rest]
    local = CAL.with_local_days(rest=rest, working=working, name="地方节日")
    for day in rest:
        assert not local.is_working_day(day)
    for day in working:
        assert local.is_working_day(day)
    untouched = d + timedelta(days=1)
    if untouched not in rest and untouched not in working:
        assert local.is_working_day(untouched) == CAL.is_working_day(untouched)
    try:
        result = local.add_working_days(d, n)
    except CalendarCoverageError:
        return
    assert local.working_days_between(d, result) == n
    assert result == _naive_add(local, d, n)
