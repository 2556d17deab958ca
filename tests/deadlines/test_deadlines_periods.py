"""Hand-checked periods around every holiday of 2024–2026 (Civil Code art. 201–203)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from govbiz.calendar import DayKind, WorkingCalendar
from govbiz.deadlines import DeadlinePolicy, StepReason, Unit
from govbiz.deadlines.explanation import count_steps
from govbiz.errors import ValidationError

BEIJING = ZoneInfo("Asia/Shanghai")
D = date


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING)


POLICY = DeadlinePolicy.default()


@pytest.mark.parametrize(
    ("assigned", "last_day"),
    [
        (D(2025, 9, 26), D(2025, 10, 13)),  # the issue: Sun 9-28 and Sat 10-11 worked, 10-1..8 off
        (D(2024, 2, 8), D(2024, 2, 23)),  # 春节 2024: 2-10..17 off, Sun 2-18 worked
        (D(2024, 4, 3), D(2024, 4, 15)),  # 清明 2024: 4-4..6 off, Sun 4-7 worked
        (D(2024, 4, 26), D(2024, 5, 9)),  # 劳动节 2024: Sun 4-28 worked, 5-1..5 off
        (D(2024, 6, 6), D(2024, 6, 18)),  # 端午 2024: Mon 6-10 off
        (D(2024, 9, 12), D(2024, 9, 24)),  # 中秋 2024: Sat 9-14 worked, 9-15..17 off
        (D(2024, 9, 27), D(2024, 10, 12)),  # 国庆 2024: Sun 9-29 worked, 10-1..7 off, Sat 10-12 worked
        (D(2024, 12, 27), D(2025, 1, 8)),  # 元旦 2025: 1-1 off
        (D(2025, 1, 24), D(2025, 2, 10)),  # 春节 2025: Sun 1-26 worked, 1-28..2-4 off, Sat 2-8 worked
        (D(2025, 4, 2), D(2025, 4, 14)),  # 清明 2025: 4-4..6 off
        (D(2025, 4, 25), D(2025, 5, 8)),  # 劳动节 2025: Sun 4-27 worked, 5-1..5 off
        (D(2025, 5, 29), D(2025, 6, 10)),  # 端午 2025: 5-31..6-2 off
        (D(2025, 12, 30), D(2026, 1, 9)),  # 元旦 2026: 1-1..3 off, Sun 1-4 worked
        (D(2026, 2, 12), D(2026, 2, 28)),  # 春节 2026: Sat 2-14 worked, 2-15..23 off, Sat 2-28 worked
        (D(2026, 4, 2), D(2026, 4, 14)),  # 清明 2026: 4-4..6 off
        (D(2026, 4, 29), D(2026, 5, 12)),  # 劳动节 2026: 5-1..5 off, Sat 5-9 worked
        (D(2026, 6, 17), D(2026, 6, 29)),  # 端午 2026: 6-19..21 off
        (D(2026, 9, 17), D(2026, 9, 28)),  # 中秋 2026: Sun 9-20 worked, 9-25..27 off
        (D(2026, 9, 29), D(2026, 10, 14)),  # 国庆 2026: 10-1..7 off, Sat 10-10 worked
    ],
)
def test_progress_in_7_working_days(assigned: date, last_day: date) -> None:
    progress = POLICY.due_dates(at(assigned)).progress
    assert progress.last_day == last_day
    assert progress.cutoff == datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=BEIJING)
    assert progress.rule.unit is Unit.WORKING_DAYS
    assert progress.basis == "7个工作日"


@pytest.mark.parametrize(
    ("assigned", "last_day"),
    [
        (D(2025, 9, 5), D(2025, 10, 9)),  # the issue: day 30 is 10-5, inside 10-1..8
        (D(2026, 1, 29), D(2026, 2, 28)),  # the issue: day 30 is Sat 2-28, a working day: no move
        (D(2026, 1, 20), D(2026, 2, 24)),  # the issue: day 30 is 2-19, inside 2-15..23
        (D(2024, 1, 11), D(2024, 2, 18)),  # day 30 is 2-10 (春节): moves to Sunday 2-18, worked
        (D(2024, 3, 6), D(2024, 4, 7)),  # 4-5 (清明) → 4-6 off → Sunday 4-7 worked
        (D(2024, 4, 1), D(2024, 5, 6)),  # 5-1 → 5-6
        (D(2024, 5, 11), D(2024, 6, 11)),  # 6-10 (端午) → 6-11
        (D(2024, 8, 16), D(2024, 9, 18)),  # 9-15 (中秋) → 9-18
        (D(2024, 9, 1), D(2024, 10, 8)),  # 10-1 → 10-8
        (D(2024, 12, 2), D(2025, 1, 2)),  # 1-1 → 1-2
        (D(2024, 12, 28), D(2025, 1, 27)),  # a Monday: no move
        (D(2025, 1, 1), D(2025, 2, 5)),  # 1-31 (春节) → 2-5
        (D(2025, 3, 5), D(2025, 4, 7)),  # 4-4 (清明) → 4-7
        (D(2025, 4, 2), D(2025, 5, 6)),  # 5-2 → 5-6
        (D(2025, 5, 1), D(2025, 6, 3)),  # 5-31 (端午) → 6-3
        (D(2025, 8, 29), D(2025, 9, 28)),  # Sunday 9-28 is worked: no move
        (D(2025, 9, 9), D(2025, 10, 9)),  # a Thursday: no move
        (D(2025, 10, 2), D(2025, 11, 3)),  # Saturday 11-1 → Monday 11-3
        (D(2025, 12, 2), D(2026, 1, 4)),  # 1-1 (元旦) → Sunday 1-4, worked
        (D(2026, 3, 5), D(2026, 4, 7)),  # 4-4 (清明) → 4-7
        (D(2026, 4, 1), D(2026, 5, 6)),  # 5-1 → 5-6
        (D(2026, 5, 20), D(2026, 6, 22)),  # 6-19 (端午) → 6-22
        (D(2026, 8, 26), D(2026, 9, 28)),  # 9-25 (中秋) → 9-28
        (D(2026, 9, 1), D(2026, 10, 8)),  # 10-1 → 10-8
        (D(2026, 9, 10), D(2026, 10, 10)),  # Saturday 10-10 is worked: no move
    ],
)
def test_result_in_30_days(assigned: date, last_day: date) -> None:
    result = POLICY.due_dates(at(assigned)).result
    assert result.last_day == last_day
    assert result.rule.unit is Unit.CALENDAR_DAYS
    assert result.basis == "30日"


def test_an_assignment_at_0030_beijing_given_in_utc_belongs_to_the_beijing_day() -> None:
    utc = datetime(2025, 9, 25, 16, 30, tzinfo=UTC)  # 2025-09-26 00:30 in Beijing
    due = POLICY.due_dates(utc)
    assert due.progress.start_day == D(2025, 9, 26)
    assert due.progress.last_day == D(2025, 10, 13)
    late_evening = POLICY.due_dates(datetime(2025, 9, 25, 15, 30, tzinfo=UTC))  # 23:30 on 9-25
    assert late_evening.progress.last_day == D(2025, 10, 11)


def test_cutoff_is_2400_of_the_last_day_or_close_of_business() -> None:
    progress = POLICY.due_dates(at(D(2025, 9, 26))).progress
    assert progress.cutoff == datetime(2025, 10, 14, 0, 0, tzinfo=BEIJING)
    assert progress.cutoff.utcoffset() is not None
    assert not progress.is_late(datetime(2025, 10, 13, 23, 59, 59, tzinfo=BEIJING))
    assert progress.is_late(datetime(2025, 10, 13, 16, 0, tzinfo=UTC))  # 00:00 in Beijing
    county = DeadlinePolicy(close_of_business=time(17, 30))
    closing = county.due_dates(at(D(2025, 9, 26))).progress
    assert closing.cutoff == datetime(2025, 10, 13, 17, 30, tzinfo=BEIJING)
    assert closing.is_late(datetime(2025, 10, 13, 17, 30, tzinfo=BEIJING))
    assert "17:30" in closing.explain()


def test_naive_datetimes_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        POLICY.due_dates(datetime(2025, 9, 26, 10))
    assert caught.value.field == "assigned_at"
    with pytest.raises(ValidationError) as caught:
        POLICY.deadline("result", datetime(2025, 9, 26, 10))
    assert caught.value.field == "start"


def test_sign_and_return_visit_clocks() -> None:
    due = POLICY.due_dates(at(D(2025, 9, 26)))
    assert due.sign is not None
    assert due.sign.last_day == D(2025, 9, 28)  # the Sunday worked before 国庆
    assert [d.clock for d in due] == ["sign", "progress", "result"]
    assert due.get("return_visit") is None  # started by the result, not the assignment
    visit = POLICY.deadline("return_visit", at(D(2025, 9, 30), 15))
    assert visit.last_day == D(2025, 10, 14)  # 10-9, 10, 11 (Sat, worked), 13, 14
    with pytest.raises(KeyError):
        due["return_visit"]
    with pytest.raises(ValidationError) as caught:
        POLICY.deadline("nonsense", at(D(2025, 9, 26)))
    assert caught.value.field == "clock"


def test_the_explanation_lists_each_day_and_why() -> None:
    progress = POLICY.due_dates(at(D(2025, 9, 26))).progress
    steps = progress.explanation.steps
    assert steps[0].day == D(2025, 9, 27)
    assert steps[0].reason is StepReason.REST_DAY_SKIPPED
    assert (steps[1].day, steps[1].kind, steps[1].ordinal) == (
        D(2025, 9, 28), DayKind.ADJUSTED_WORKING_DAY, 1
    )
    skipped = [s.day for s in steps if s.kind is DayKind.HOLIDAY]
    assert skipped == [D(2025, 10, d) for d in range(1, 9)]
    assert all(s.holiday == "国庆节、中秋节" for s in steps if s.kind is DayKind.HOLIDAY)
    assert steps[-1].day == progress.last_day
    assert steps[-1].ordinal == 7
    text = progress.explain()
    assert "开始的当日不计入" in text
    assert "2025-09-28 星期日 调休上班（国庆节、中秋节，国办发明电〔2024〕12号） —— 第1个工作日" in text
    holiday = "2025-10-01 至 2025-10-08 节假日放假（国庆节、中秋节，国办发明电〔2024〕12号）"
    assert f"{holiday} —— 不计（8天）" in text
    assert "2025-10-11 星期六 调休上班" in text
    assert "最后一日：2025年10月13日（星期一）" in text
    english = progress.explain(lang="en")
    assert "adjusted working day (国庆节、中秋节" in english
    assert "working day 7" in english
    with pytest.raises(ValueError, match="lang"):
        progress.explain(lang="fr")


def test_the_explanation_of_a_moved_last_day() -> None:
    result = POLICY.due_dates(at(D(2026, 1, 20))).result
    assert result.explanation.nominal_last_day == D(2026, 2, 19)
    reasons = [s.reason for s in result.explanation.steps]
    assert reasons.count(StepReason.COUNTED) == 30
    assert reasons.count(StepReason.MOVED_PAST_REST_DAY) == 4  # 2-20..23
    assert reasons[-1] is StepReason.MOVED_LAST_DAY
    text = result.explain()
    assert "第30日为2026年2月19日（星期四），是节假日放假（春节" in text
    assert "第二百零三条" in text
    assert "2026-02-24 星期二 工作日 —— 休息日结束的次日，为期间最后一日" in text
    no_move = POLICY.due_dates(at(D(2026, 1, 29))).result
    assert no_move.explanation.nominal_last_day == no_move.last_day == D(2026, 2, 28)
    assert "顺延" not in no_move.explain()


def test_counted_steps_are_remembered_per_calendar_never_across_calendars() -> None:
    # A county's own rest day (a local holiday) must change its count, even right after the
    # national calendar counted the same period from the same day.
    national = POLICY.calendar
    local = national.with_local_days(rest=[D(2025, 4, 9)], name="本地假日")
    first = count_steps(national, D(2025, 4, 2), 7, Unit.WORKING_DAYS)
    assert count_steps(national, D(2025, 4, 2), 7, Unit.WORKING_DAYS) is first  # remembered
    theirs = count_steps(local, D(2025, 4, 2), 7, Unit.WORKING_DAYS)
    assert (first[1], theirs[1]) == (D(2025, 4, 14), D(2025, 4, 15))
    assert [s.reason for s in theirs[0] if s.day == D(2025, 4, 9)] == [StepReason.REST_DAY_SKIPPED]
    # An equal calendar built anew counts the same days (and is its own cache entry).
    again = WorkingCalendar(national.notices, national.local_days)
    recounted = count_steps(again, D(2025, 4, 2), 7, Unit.WORKING_DAYS)
    assert recounted == first
    assert recounted is not first
