"""Deadlines fixed on the spot, extended, suspended and resumed; warning levels; config."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govbiz.calendar import china_calendar
from govbiz.deadlines import (
    ClockRule,
    Deadline,
    DeadlinePolicy,
    Extension,
    Suspension,
    Trigger,
    Unit,
    WarningLevel,
)
from govbiz.errors import ValidationError

BEIJING = ZoneInfo("Asia/Shanghai")
D = date
POLICY = DeadlinePolicy.default()


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING)


def progress_from_0926() -> Deadline:
    return POLICY.due_dates(at(D(2025, 9, 26))).progress  # last day 2025-10-13


# -- fixed on the spot (现场明确解决期限) ------------------------------------------------------


def test_a_deadline_fixed_on_the_spot() -> None:
    fixed = POLICY.fixed_deadline("result", at(D(2025, 9, 26)), D(2025, 10, 20))
    assert (fixed.last_day, fixed.cutoff) == (D(2025, 10, 20), at(D(2025, 10, 21), 0))
    assert fixed.fixed_on_the_spot
    assert fixed.basis == "现场明确"
    assert "现场明确解决期限" in fixed.explain()
    assert "Fixed on the spot" in fixed.explain("en")
    same_day = POLICY.fixed_deadline("result", at(D(2025, 9, 26)), D(2025, 9, 26))
    assert same_day.last_day == D(2025, 9, 26)
    on_rest_day = POLICY.fixed_deadline("result", at(D(2025, 9, 26)), D(2025, 10, 5))
    assert "该日为休息日" in on_rest_day.explain()


@pytest.mark.parametrize(
    "last_day", [D(2025, 9, 25), D(2026, 9, 27)]  # before the start day; 366 days after it
)
def test_a_fixed_deadline_is_validated(last_day: date) -> None:
    with pytest.raises(ValidationError) as caught:
        POLICY.fixed_deadline("result", at(D(2025, 9, 26)), last_day)
    assert caught.value.field == "last_day"
    assert POLICY.fixed_deadline("result", at(D(2025, 9, 26)), D(2026, 9, 26)).last_day == D(
        2026, 9, 26
    )


# -- extension (延期) ---------------------------------------------------------------------------


def test_an_extension_requested_in_time_moves_only_that_clock() -> None:
    due = POLICY.due_dates(at(D(2025, 9, 26)))
    # 1 working day before Monday 10-13 is Saturday 10-11, a working day (调休上班).
    assert POLICY.extension_request_deadline(due.progress) == D(2025, 10, 11)
    extended = POLICY.extend(
        due.progress, new_last_day=D(2025, 10, 20), requested_at=at(D(2025, 10, 11), 16),
        reason="需协调省级部门",
    )
    assert (extended.last_day, extended.cutoff) == (D(2025, 10, 20), at(D(2025, 10, 21), 0))
    assert extended.extensions == (
        Extension(D(2025, 10, 13), D(2025, 10, 20), at(D(2025, 10, 11), 16), "需协调省级部门"),
    )
    assert extended.basis == "延期"
    assert due.progress.last_day == D(2025, 10, 13)  # the original is unchanged
    assert due.result.last_day == D(2025, 10, 27)  # other clocks do not move
    text = extended.explain()
    assert "延期" in text
    assert "由2025年10月13日（星期一）延至2025年10月20日（星期一）" in text
    assert "最后一日：2025年10月20日" in text
    assert "Extension" in extended.explain("en")


def test_an_extension_requested_too_late_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        POLICY.extend(
            progress_from_0926(), new_last_day=D(2025, 10, 20), requested_at=at(D(2025, 10, 12))
        )
    assert caught.value.field == "requested_at"
    assert "2025-10-11" in str(caught.value)
    no_lead = DeadlinePolicy(extension_lead_working_days=0)
    progress = no_lead.due_dates(at(D(2025, 9, 26))).progress
    assert no_lead.extend(
        progress, new_last_day=D(2025, 10, 14), requested_at=at(D(2025, 10, 13), 23, 59)
    ).last_day == D(2025, 10, 14)
    with pytest.raises(ValidationError):
        no_lead.extend(progress, new_last_day=D(2025, 10, 14), requested_at=at(D(2025, 10, 14), 0))


@pytest.mark.parametrize("new_last_day", [D(2025, 10, 13), D(2025, 10, 1), D(2026, 9, 27)])
def test_an_extension_must_move_the_day_forward_within_the_maximum(new_last_day: date) -> None:
    with pytest.raises(ValidationError) as caught:
        POLICY.extend(
            progress_from_0926(), new_last_day=new_last_day, requested_at=at(D(2025, 10, 9))
        )
    assert caught.value.field == "new_last_day"


# -- suspension (中止) --------------------------------------------------------------------------


def test_a_working_day_clock_resumes_with_the_working_days_left() -> None:
    progress = progress_from_0926()
    # Suspended Monday 9-29: left are 9-30, 10-9, 10-10, 10-11 (Sat, worked) and 10-13 = 5.
    resumed = POLICY.resume(progress, at(D(2025, 9, 29)), at(D(2025, 10, 20), 9))
    assert resumed.last_day == D(2025, 10, 27)  # 10-21, 22, 23, 24, 27
    assert resumed.suspensions == (
        Suspension(at(D(2025, 9, 29)), at(D(2025, 10, 20), 9), D(2025, 10, 13), 5,
                   Unit.WORKING_DAYS),
    )
    assert resumed.basis == "中止后恢复"
    assert resumed.start == progress.start
    assert POLICY.warning_level(resumed, at(D(2025, 10, 20), 9)) is WarningLevel.NORMAL
    text = resumed.explain()
    assert "尚余5个工作日" in text
    assert "恢复计时" in text
    assert "2025-10-27 星期一 工作日 —— 第5个工作日" in text


def test_a_calendar_day_clock_resumes_with_the_days_left() -> None:
    result = POLICY.due_dates(at(D(2025, 9, 5))).result  # last day 10-9
    resumed = POLICY.resume(result, at(D(2025, 9, 20)), at(D(2025, 11, 3)))
    # 19 days were left; 11-3 + 19 = Saturday 11-22, a rest day → Monday 11-24.
    assert resumed.suspensions[0].remaining == 19
    assert resumed.last_day == D(2025, 11, 24)


def test_suspended_on_the_last_day_resumes_with_that_day() -> None:
    progress = progress_from_0926()
    resumed = POLICY.resume(progress, at(D(2025, 10, 13), 15), at(D(2025, 10, 18)))
    assert resumed.last_day == D(2025, 10, 20)  # Saturday 10-18 is a rest day
    county = DeadlinePolicy(close_of_business=time(17, 30))
    closing = county.due_dates(at(D(2025, 9, 26))).progress
    late_resume = county.resume(closing, at(D(2025, 10, 13), 9), at(D(2025, 10, 13), 18))
    assert late_resume.last_day == D(2025, 10, 14)
    assert late_resume.cutoff > at(D(2025, 10, 13), 18)


def test_suspension_is_validated() -> None:
    progress = progress_from_0926()
    with pytest.raises(ValidationError) as caught:
        POLICY.resume(progress, at(D(2025, 10, 14), 9), at(D(2025, 10, 20)))
    assert caught.value.field == "suspended_at"
    with pytest.raises(ValidationError) as caught:
        POLICY.resume(progress, at(D(2025, 10, 9)), at(D(2025, 10, 8)))
    assert caught.value.field == "resumed_at"
    with pytest.raises(ValidationError) as caught:
        POLICY.resume(progress, at(D(2025, 9, 25)), at(D(2025, 10, 8)))
    assert caught.value.field == "suspended_at"


instants = st.datetimes(
    min_value=datetime(2004, 2, 1), max_value=datetime(2026, 6, 1), timezones=st.just(BEIJING)
)


@given(instants, st.integers(0, 60 * 24 * 40), st.integers(0, 60 * 24 * 60),
       st.sampled_from(["progress", "result", "sign"]))
def test_resuming_never_makes_a_clock_overdue_for_time_that_has_not_run(
    start: datetime, pause_after: int, pause_for: int, clock: str
) -> None:
    deadline = POLICY.deadline(clock, start)
    suspended = min(start + timedelta(minutes=pause_after), deadline.cutoff - timedelta(seconds=1))
    resumed_at = suspended + timedelta(minutes=pause_for)
    resumed = POLICY.resume(deadline, suspended, resumed_at)
    assert resumed.cutoff > resumed_at
    assert POLICY.warning_level(resumed, resumed_at) not in (
        WarningLevel.OVERDUE, WarningLevel.SERIOUSLY_OVERDUE
    )
    if pause_for == 0 and deadline.rule.unit is Unit.WORKING_DAYS:
        assert resumed.last_day >= deadline.last_day


@given(instants, st.sampled_from(["progress", "result", "sign"]))
def test_deadlines_follow_the_civil_code(start: datetime, clock: str) -> None:
    cal = china_calendar()
    deadline = POLICY.deadline(clock, start)
    start_day = start.date()
    rule = deadline.rule
    if rule.unit is Unit.WORKING_DAYS:
        assert deadline.last_day == cal.add_working_days(start_day, rule.amount)
        assert cal.working_days_between(start_day, deadline.last_day) == rule.amount
    else:
        nominal = start_day + timedelta(days=rule.amount)
        assert deadline.last_day >= nominal
        assert cal.is_working_day(deadline.last_day)
        # every day from the nominal last day up to the real one is a rest day
        assert cal.working_days_between(nominal - timedelta(days=1), deadline.last_day) == 1
    assert deadline.cutoff > start
    assert deadline.explanation.steps[-1].day == deadline.last_day


# -- warning levels -----------------------------------------------------------------------------


#: Levels of the progress clock started 2025-09-26 (last day 2025-10-13) at instants around it.
PROGRESS_LEVELS = [
    (at(D(2025, 9, 29)), WarningLevel.NORMAL),  # 5 working days left
    (at(D(2025, 10, 1)), WarningLevel.NORMAL),  # 4 left: 10-9, 10, 11, 13
    (at(D(2025, 10, 9)), WarningLevel.NORMAL),  # 3 left: 10-10, 10-11, 10-13
    (at(D(2025, 10, 10)), WarningLevel.APPROACHING),  # 2 left: 10-11, 10-13
    (at(D(2025, 10, 12)), WarningLevel.APPROACHING),  # 1 left
    (at(D(2025, 10, 13), 9), WarningLevel.DUE_TODAY),
    (at(D(2025, 10, 13), 23, 59), WarningLevel.DUE_TODAY),
    (at(D(2025, 10, 14), 0), WarningLevel.OVERDUE),  # 1 working day late
    (at(D(2025, 10, 20)), WarningLevel.OVERDUE),  # 5 working days late: not more than 5
    (at(D(2025, 10, 21)), WarningLevel.SERIOUSLY_OVERDUE),  # 6
]


@pytest.mark.parametrize(("instant", "level"), PROGRESS_LEVELS)
def test_warning_levels(instant: datetime, level: WarningLevel) -> None:
    assert POLICY.warning_level(progress_from_0926(), instant) is level


def test_sweep_matches_one_by_one_and_keeps_keys() -> None:
    deadlines = [
        (f"P{i}", POLICY.due_dates(at(D(2025, 9, 1) + timedelta(days=2 * i))).progress)
        for i in range(20)
    ]
    now = at(D(2025, 10, 10))
    swept = POLICY.sweep(deadlines, now)
    assert swept == [(key, POLICY.warning_level(d, now)) for key, d in deadlines]
    assert {level for _, level in swept} >= {WarningLevel.OVERDUE, WarningLevel.NORMAL}
    assert WarningLevel.SERIOUSLY_OVERDUE.zh == "严重逾期"
    with pytest.raises(ValidationError) as caught:
        POLICY.sweep(deadlines, datetime(2025, 10, 10))
    assert caught.value.field == "at"


@pytest.mark.parametrize(("instant", "level"), PROGRESS_LEVELS)
def test_thresholds_give_the_same_levels_as_counting(instant: datetime, level: WarningLevel) -> None:
    assert POLICY.thresholds(instant).level(progress_from_0926().last_day) is level


@given(
    instant=st.datetimes(
        min_value=datetime(2024, 2, 1), max_value=datetime(2026, 11, 30), timezones=st.just(BEIJING)
    ),
    offset=st.integers(min_value=-45, max_value=45),
    close=st.sampled_from([None, time(17, 30), time(18, 0)]),
    approaching=st.integers(min_value=0, max_value=6),
    seriously=st.integers(min_value=0, max_value=12),
)
def test_thresholds_agree_with_warning_level_for_any_last_day(
    instant: datetime, offset: int, close: time | None, approaching: int, seriously: int
) -> None:
    """The dates a sweep hands to SQL classify every last day as counting working days does."""
    policy = DeadlinePolicy(
        close_of_business=close,
        approaching_working_days=approaching,
        seriously_overdue_working_days=seriously,
    )
    last_day = instant.date() + timedelta(days=offset)
    deadline = policy.restore("result", at(last_day - timedelta(days=40)), last_day)
    assert policy.thresholds(instant).level(last_day) is policy.warning_level(deadline, instant)


# -- configuration ------------------------------------------------------------------------------


def test_a_county_configures_its_policy_from_plain_data(tmp_path: Path) -> None:
    text = """
timezone = "Asia/Urumqi"
close_of_business = "18:00"
approaching_working_days = 1
seriously_overdue_working_days = 3
max_fixed_days = 180
extension_lead_working_days = 2

[clocks.sign]
enabled = false

[clocks.progress]
amount = 5
label = "5个工作日内报送落实情况"

[clocks.contact]
amount = 2
unit = "working_days"
label = "2个工作日内联系企业"
"""
    path = tmp_path / "county.toml"
    path.write_text(text, encoding="utf-8")
    policy = DeadlinePolicy.from_toml(path)
    assert policy.timezone == "Asia/Urumqi"
    assert policy.close_of_business == time(18)
    assert policy.rule("progress") == ClockRule("progress", 5, Unit.WORKING_DAYS, "5个工作日内报送落实情况")
    assert policy.rule("contact").starts_on is Trigger.ASSIGNED
    due = policy.due_dates(datetime(2025, 9, 26, 10, tzinfo=ZoneInfo("Asia/Urumqi")))
    assert due.sign is None
    assert [d.clock for d in due] == ["progress", "result", "contact"]
    assert due.progress.last_day == D(2025, 10, 10)  # 9-28, 29, 30, 10-9, 10-10
    assert due["contact"].last_day == D(2025, 9, 29)
    assert due.progress.cutoff == datetime(2025, 10, 10, 18, tzinfo=ZoneInfo("Asia/Urumqi"))
    assert DeadlinePolicy.from_dict({}) == DeadlinePolicy.default()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"clocks": {"progress": {"amount": 0}}}, "clocks.progress.amount"),
        ({"clocks": {"progress": {"amount": "7"}}}, "clocks.progress.amount"),
        ({"clocks": {"progress": {"unit": "weeks"}}}, "clocks.progress.unit"),
        ({"clocks": {"progress": {"enabled": "no"}}}, "clocks.progress.enabled"),
        ({"clocks": {"progress": {"lable": "x"}}}, "clocks.progress.lable"),
        ({"clocks": {"contact": {"amount": 2}}}, "clocks.contact.unit"),
        ({"clocks": {"contact": {"amount": 2, "unit": "working_days", "label": "x",
                                 "starts_on": "never"}}}, "clocks.contact.starts_on"),
        ({"clocks": ["progress"]}, "clocks"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"close_of_business": "5pm"}, "close_of_business"),
        ({"approaching_working_days": -1}, "approaching_working_days"),
        ({"max_fixed_days": 1.5}, "max_fixed_days"),
        ({"aproaching_working_days": 2}, "aproaching_working_days"),
    ],
)
def test_bad_configuration_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DeadlinePolicy.from_dict(data)
    assert caught.value.field == field


def test_policies_validate_directly_built_values() -> None:
    with pytest.raises(ValidationError) as caught:
        DeadlinePolicy(clocks=(ClockRule("a", 1, Unit.WORKING_DAYS, "a"),) * 2)
    assert caught.value.field == "clocks.a"
    with pytest.raises(ValidationError) as caught:
        DeadlinePolicy(approaching_working_days=-2)
    assert caught.value.field == "approaching_working_days"
    no_sign = DeadlinePolicy.from_dict({"clocks": {"sign": {"enabled": False}}})
    with pytest.raises(ValidationError) as caught:
        no_sign.deadline("sign", at(D(2025, 9, 26)))
    assert caught.value.field == "clock"
    assert no_sign.fixed_deadline("sign", at(D(2025, 9, 26)), D(2025, 9, 29)).clock == "sign"


def test_restore_rebuilds_a_stored_deadline_without_treating_it_as_fixed() -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from govbiz.deadlines import DeadlinePolicy

    policy = DeadlinePolicy.default()
    start = datetime(2025, 9, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    computed = policy.deadline("progress", start)
    assert policy.restore("progress", start, computed.last_day) == computed
    moved = policy.restore("result", start, date(2026, 12, 1))  # beyond max_fixed_days: still restored
    assert moved.last_day == date(2026, 12, 1)
    assert not moved.fixed_on_the_spot
    assert moved.cutoff == datetime(2026, 12, 2, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
