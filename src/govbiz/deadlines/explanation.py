"""How a deadline was computed, day by day (期限计算说明), in data and in words.

Every `govbiz.deadlines.Deadline` carries an `Explanation`: the
rule, the start day (not counted, 民法典第二百零一条), each following day with
whether it was counted and why not, the move of a last day that fell on a
rest day (第二百零三条), and any on-the-spot fixing, extension or suspension.
A clerk can check it against a printed calendar.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import attrs

from govbiz.calendar import DayKind, WorkingCalendar
from govbiz.deadlines.rules import Unit
from govbiz.errors import ValidationError

__all__ = [
    "DayStep",
    "Explanation",
    "Extension",
    "StepReason",
    "Suspension",
    "count_steps",
    "provisional_note",
    "render",
]

_ONE_DAY = timedelta(days=1)
_WEEKDAYS_ZH = "一二三四五六日"


class StepReason(StrEnum):
    """Why a day after the start day was or was not counted."""

    COUNTED = "counted"
    """Counted towards the period (计入)."""
    REST_DAY_SKIPPED = "rest_day_skipped"
    """A rest day inside a working-day period (休息日不计)."""
    MOVED_PAST_REST_DAY = "moved_past_rest_day"
    """A rest day after a last day that fell on a rest day: passed over (顺延, 第二百零三条)."""
    MOVED_LAST_DAY = "moved_last_day"
    """The first working day after that rest: the period's last day (以休假日结束的次日为最后一日)."""


@attrs.frozen(slots=True)
class DayStep:
    """One day of the counting: the day, what it is, and whether it counted.

    `ordinal` is the day's number in the period (第几日 / 第几个工作日) when
    counted, else `None`; `holiday` and `notice` come from the calendar.
    """

    day: date
    kind: DayKind
    reason: StepReason
    ordinal: int | None = None
    holiday: str | None = None
    notice: str | None = None


@attrs.frozen(slots=True)
class Extension:
    """An approved extension (延期) of one clock: from which last day to which, asked when."""

    previous_last_day: date
    new_last_day: date
    requested_at: datetime
    reason: str = ""


@attrs.frozen(slots=True)
class Suspension:
    """A suspension (中止) of one clock and the time that was left when it paused.

    `remaining` is in the rule's unit (working days or days), counted after
    the day of suspension up to the previous last day.
    """

    suspended_at: datetime
    resumed_at: datetime
    previous_last_day: date
    remaining: int
    unit: Unit


@attrs.frozen(slots=True)
class Explanation:
    """The structured account of a deadline (期限计算说明).

    `counted_from` is the day after which counting starts: the start day,
    or the day of resumption after a suspension.  `steps` are the days
    counted or skipped after it; `nominal_last_day` is the day the plain
    count reached before a rest-day move (calendar-day periods only).
    `fixed_on_the_spot` marks a last day fixed by the chair (现场明确).
    `events` are the extensions and suspensions, oldest first.
    `provisional_years` are the years without a State Council notice whose
    days the counting went through (暂按法定节假日推算); empty when every
    day it read is published.
    """

    clock: str
    label: str
    amount: int
    unit: Unit
    start: datetime
    start_day: date
    counted_from: date
    steps: tuple[DayStep, ...]
    last_day: date
    cutoff: datetime
    close_of_business: time | None = None
    nominal_last_day: date | None = None
    fixed_on_the_spot: bool = False
    last_day_kind: DayKind | None = None
    events: tuple[Extension | Suspension, ...] = ()
    provisional_years: tuple[int, ...] = ()


#: What `count_steps` returns: the steps, the last day and the nominal last day.
Counted = tuple[tuple[DayStep, ...], date, date | None]


def count_steps(calendar: WorkingCalendar, counted_from: date, amount: int, unit: Unit) -> Counted:
    """Count `amount` units after `counted_from`; return (steps, last day, nominal last day).

    The nominal last day is only set for calendar-day periods, where the
    count may end on a rest day and then moves forward (第二百零三条).
    The answer is remembered per calendar (see `_counted`).
    """
    return _counted(_SameCalendar(calendar), counted_from, amount, unit)


class _SameCalendar:
    """A calendar as a cache key: the same object, not an equal one (hashing a calendar walks its notices)."""

    __slots__ = ("calendar",)

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    def __hash__(self) -> int:
        return id(self.calendar)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SameCalendar) and other.calendar is self.calendar


# A reception day assigns dozens of problems from the same day, and counting a 30-day period
# day by day cost more than the rest of an assignment.  Steps are immutable, so one answer serves
# every deadline counted from the same day; the cache holds its calendars, so an id is never reused.
@lru_cache(maxsize=1024)  # at most a few MB of steps
def _counted(same: _SameCalendar, counted_from: date, amount: int, unit: Unit) -> Counted:
    calendar = same.calendar
    if unit is Unit.WORKING_DAYS:
        steps = tuple(_working_day_steps(calendar, counted_from, amount))
        last = steps[-1].day if steps else counted_from
        return steps, last, None
    counted = [
        _step(calendar, counted_from + timedelta(days=i), StepReason.COUNTED, i)
        for i in range(1, amount + 1)
    ]
    nominal = counted_from + timedelta(days=amount)
    last = calendar.next_working_day_on_or_after(nominal)
    moved = [
        _step(calendar, nominal + timedelta(days=i), StepReason.MOVED_PAST_REST_DAY, None)
        for i in range(1, (last - nominal).days)
    ]
    if last != nominal:
        moved.append(_step(calendar, last, StepReason.MOVED_LAST_DAY, None))
    return (*counted, *moved), last, nominal


def _working_day_steps(calendar: WorkingCalendar, counted_from: date, amount: int) -> Iterator[DayStep]:
    day, counted = counted_from, 0
    while counted < amount:
        day += _ONE_DAY
        if calendar.is_working_day(day):
            counted += 1
            yield _step(calendar, day, StepReason.COUNTED, counted)
        else:
            yield _step(calendar, day, StepReason.REST_DAY_SKIPPED, None)


def _step(calendar: WorkingCalendar, day: date, reason: StepReason, ordinal: int | None) -> DayStep:
    info = calendar.day_info(day)
    return DayStep(day, info.kind, reason, ordinal, info.holiday, info.notice)


# -- words ------------------------------------------------------------------------------


def render(explanation: Explanation, lang: str = "zh") -> str:
    """Return the explanation as text a clerk can check by hand (`lang` "zh" or "en")."""
    if lang not in ("zh", "en"):
        raise ValidationError("lang", lang, "must be 'zh' or 'en'")
    words = _ZH if lang == "zh" else _EN
    return "\n".join(words.lines(explanation))


class _Words(ABC):
    """Sentence builders for one language; subclasses fill in the phrases."""

    def lines(self, e: Explanation) -> Iterator[str]:
        yield self.title(e)
        if e.fixed_on_the_spot:
            yield self.fixed(e)
        else:
            yield self.rule(e)
            yield self.start(e)
            yield from self.steps(e)
        for event in e.events:
            yield self.extension(e, event) if isinstance(event, Extension) else self.suspension(event)
        if e.provisional_years:
            yield self.provisional(e.provisional_years)
        yield self.last(e)

    def steps(self, e: Explanation) -> Iterator[str]:
        announced = False
        for group in _groups(e.steps, e.unit):
            if not announced and group[0].reason in _MOVED and e.nominal_last_day is not None:
                # say why counting goes on past the n-th day before listing the moved days
                yield self.moved(e, _nominal_step(e, e.nominal_last_day))
                announced = True
            yield "  " + self.group(group, e.unit)

    # phrases, per language
    @abstractmethod
    def title(self, e: Explanation) -> str:
        """The heading line."""

    @abstractmethod
    def fixed(self, e: Explanation) -> str:
        """The line for a last day fixed on the spot."""

    @abstractmethod
    def rule(self, e: Explanation) -> str:
        """The rule and its legal basis."""

    @abstractmethod
    def start(self, e: Explanation) -> str:
        """The start day, which is not counted."""

    @abstractmethod
    def group(self, group: Sequence[DayStep], unit: Unit) -> str:
        """One line for a run of days (see _groups)."""

    @abstractmethod
    def extension(self, e: Explanation, x: Extension) -> str:
        """One approved extension."""

    @abstractmethod
    def suspension(self, s: Suspension) -> str:
        """One suspension and the time left."""

    @abstractmethod
    def moved(self, e: Explanation, nominal: DayStep) -> str:
        """Why counting goes on past the n-th day (art. 203)."""

    @abstractmethod
    def provisional(self, years: Sequence[int]) -> str:
        """Why the last day may still change: years counted on the holiday law alone."""

    @abstractmethod
    def last(self, e: Explanation) -> str:
        """The last day and the cutoff."""


_MOVED = frozenset({StepReason.MOVED_PAST_REST_DAY, StepReason.MOVED_LAST_DAY})


def _nominal_step(e: Explanation, nominal: date) -> DayStep:
    return next(step for step in e.steps if step.day == nominal)


def _groups(steps: Sequence[DayStep], unit: Unit) -> Iterator[list[DayStep]]:
    """Runs of days a clerk reads as one line.

    Working-day periods list every counted day and merge runs of rest days of
    the same kind and holiday; calendar-day periods merge runs of counted days.
    """
    run: list[DayStep] = []
    for step in steps:
        if run and _same_line(run[-1], step, unit):
            run.append(step)
            continue
        if run:
            yield run
        run = [step]
    if run:
        yield run


def _same_line(a: DayStep, b: DayStep, unit: Unit) -> bool:
    if a.reason is not b.reason:
        return False
    if a.reason is StepReason.COUNTED:
        return unit is Unit.CALENDAR_DAYS
    return (a.kind, a.holiday) == (b.kind, b.holiday)


def provisional_note(years: Sequence[int], lang: str = "zh") -> str:
    """The note a department reads beside a provisional last day, naming the year(s).

    `""` when `years` is empty.  Chinese: `"（暂按法定节假日推算，国务院2027年放假安排发布后复核）"`.
    """
    if not years:
        return ""
    if lang == "en":
        named = " and ".join(str(y) for y in years)
        return f" (provisional: counted on the statutory holidays; re-checked when the {named} notice is out)"
    named = "、".join(f"{y}年" for y in years)
    return f"（暂按法定节假日推算，国务院{named}放假安排发布后复核）"


def _zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAYS_ZH[day.weekday()]}）"


def _what_zh(step: DayStep) -> str:
    text = step.kind.zh
    if step.holiday:
        source = f"，{step.notice}" if step.notice else ""
        text += f"（{step.holiday}{source}）"
    return text


class _Chinese(_Words):
    def title(self, e: Explanation) -> str:
        return f"期限：{e.label}（时钟 {e.clock}）"

    def fixed(self, e: Explanation) -> str:
        note = "；该日为休息日，按现场确定的日期执行" if _rest(e.last_day_kind) else ""
        return (
            f"现场明确解决期限：自{_zh_date(e.start_day)}起，主持人现场确定最后一日为"
            f"{_zh_date(e.last_day)}{note}。"
        )

    def rule(self, e: Explanation) -> str:
        amount = e.unit.amount_text(e.amount)
        if e.unit is Unit.WORKING_DAYS:
            return f"规则：{amount}，开始的当日不计入，只计工作日（含调休上班日）（《民法典》第二百零一条）。"
        return (
            f"规则：{amount}，开始的当日不计入，逐日计算；期间最后一日是休息日或法定节假日的，"
            "以其结束的次日为最后一日（《民法典》第二百零一条、第二百零三条）。"
        )

    def start(self, e: Explanation) -> str:
        if e.counted_from != e.start_day:
            return f"起算：{_zh_date(e.counted_from)}恢复计时，当日不计入，自次日起算。"
        local = e.start.astimezone(e.cutoff.tzinfo)
        return f"起算：{_zh_date(e.start_day)}{local:%H:%M} 起算，当日不计入，自次日起算。"

    def group(self, group: Sequence[DayStep], unit: Unit) -> str:
        first, last = group[0], group[-1]
        when = f"{first.day:%Y-%m-%d}" + (f" 至 {last.day:%Y-%m-%d}" if len(group) > 1 else "")
        if first.reason is StepReason.COUNTED and unit is Unit.CALENDAR_DAYS:
            span = f"第{first.ordinal}日" + (f"至第{last.ordinal}日" if len(group) > 1 else "")
            holidays = sorted({s.holiday for s in group if s.holiday and not s.kind.is_working})
            inside = f"（其中{'、'.join(holidays)}放假日照常计算）" if holidays else ""
            return f"{when} —— {span}{inside}"
        if first.reason is StepReason.COUNTED:
            weekday = _WEEKDAYS_ZH[first.day.weekday()]
            return f"{when} 星期{weekday} {_what_zh(first)} —— 第{first.ordinal}个工作日"
        if len(group) == 1:
            when += f" 星期{_WEEKDAYS_ZH[first.day.weekday()]}"
        days = f"（{len(group)}天）" if len(group) > 1 else ""
        if first.reason is StepReason.REST_DAY_SKIPPED:
            return f"{when} {_what_zh(first)} —— 不计{days}"
        if first.reason is StepReason.MOVED_PAST_REST_DAY:
            return f"{when} {_what_zh(first)} —— 仍为休息日，继续顺延{days}"
        return f"{when} {_what_zh(first)} —— 休息日结束的次日，为期间最后一日"

    def moved(self, e: Explanation, nominal: DayStep) -> str:
        return (
            f"第{nominal.ordinal}日为{_zh_date(nominal.day)}，是{_what_zh(nominal)}，"
            "依《民法典》第二百零三条，以休息日结束的次日为期间最后一日："
        )

    def extension(self, e: Explanation, x: Extension) -> str:
        reason = f"，理由：{x.reason}" if x.reason else ""
        return (
            f"延期：{x.requested_at.astimezone(e.cutoff.tzinfo):%Y-%m-%d %H:%M} 申请并经批准，"
            f"最后一日由{_zh_date(x.previous_last_day)}延至{_zh_date(x.new_last_day)}{reason}。"
        )

    def suspension(self, s: Suspension) -> str:
        tz = s.resumed_at.tzinfo
        return (
            f"中止：{s.suspended_at.astimezone(tz):%Y-%m-%d %H:%M} 中止计时，原最后一日为"
            f"{_zh_date(s.previous_last_day)}，尚余{s.unit.amount_text(s.remaining)}；"
            f"{s.resumed_at:%Y-%m-%d %H:%M} 恢复，按剩余时间重新计算。"
        )

    def provisional(self, years: Sequence[int]) -> str:
        named = "、".join(f"{y}年" for y in years)
        return (
            f"暂定：国务院尚未发布{named}放假安排，其休息日暂按《全国年节及纪念日放假办法》推算"
            "（法定节假日及补假，不含调休上班）；放假安排发布后复核本期限，最后一日不早于已通知的日期。"
        )

    def last(self, e: Explanation) -> str:
        end = (
            f"{e.last_day.month}月{e.last_day.day}日{e.close_of_business:%H:%M}（停止业务活动的时间）"
            if e.close_of_business
            else f"{e.last_day.month}月{e.last_day.day}日24时"
        )
        return (
            f"最后一日：{_zh_date(e.last_day)}；截止时间：{end}，即 {e.cutoff:%Y-%m-%d %H:%M}"
            f"（{e.cutoff.tzinfo}），此刻起为逾期。"
        )


def _en_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _what_en(step: DayStep) -> str:
    text = step.kind.en
    if step.holiday:
        source = f", {step.notice}" if step.notice else ""
        text += f" ({step.holiday}{source})"
    return text


class _English(_Words):
    def title(self, e: Explanation) -> str:
        return f"Deadline: {e.label} (clock {e.clock})"

    def fixed(self, e: Explanation) -> str:
        note = "; that day is a rest day, kept as fixed" if _rest(e.last_day_kind) else ""
        return (
            f"Fixed on the spot (现场明确): started {_en_date(e.start_day)}, the chair set the last "
            f"day to {_en_date(e.last_day)}{note}."
        )

    def rule(self, e: Explanation) -> str:
        amount = e.unit.amount_text(e.amount, "en")
        if e.unit is Unit.WORKING_DAYS:
            return (
                f"Rule: {amount}; the start day is not counted; only working days count, "
                "adjusted working days included (Civil Code art. 201)."
            )
        return (
            f"Rule: {amount}; the start day is not counted; every day counts; a last day that is a "
            "rest day or holiday moves to the day after the rest ends (Civil Code art. 201, 203)."
        )

    def start(self, e: Explanation) -> str:
        if e.counted_from != e.start_day:
            return f"Start: resumed on {_en_date(e.counted_from)}, not counted; counting from the next day."
        local = e.start.astimezone(e.cutoff.tzinfo)
        return (
            f"Start: {_en_date(e.start_day)} at {local:%H:%M}, not counted; counting from the next day."
        )

    def group(self, group: Sequence[DayStep], unit: Unit) -> str:
        first, last = group[0], group[-1]
        when = f"{first.day:%Y-%m-%d}" + (f" to {last.day:%Y-%m-%d}" if len(group) > 1 else "")
        if first.reason is StepReason.COUNTED and unit is Unit.CALENDAR_DAYS:
            span = f"day {first.ordinal}" + (f" to {last.ordinal}" if len(group) > 1 else "")
            holidays = sorted({s.holiday for s in group if s.holiday and not s.kind.is_working})
            inside = f" (holiday days of {', '.join(holidays)} count as days)" if holidays else ""
            return f"{when}: {span}{inside}"
        if first.reason is StepReason.COUNTED:
            return f"{when} {first.day:%a} {_what_en(first)}: working day {first.ordinal}"
        if len(group) == 1:
            when += f" {first.day:%a}"
        days = f" ({len(group)} days)" if len(group) > 1 else ""
        if first.reason is StepReason.REST_DAY_SKIPPED:
            return f"{when} {_what_en(first)}: not counted{days}"
        if first.reason is StepReason.MOVED_PAST_REST_DAY:
            return f"{when} {_what_en(first)}: still a rest day, moving on{days}"
        return f"{when} {_what_en(first)}: the day after the rest ends, the period's last day"

    def moved(self, e: Explanation, nominal: DayStep) -> str:
        return (
            f"Day {nominal.ordinal} is {_en_date(nominal.day)}, a {_what_en(nominal)}; "
            "under Civil Code art. 203 the period ends on the day after the rest ends:"
        )

    def extension(self, e: Explanation, x: Extension) -> str:
        reason = f"; reason: {x.reason}" if x.reason else ""
        return (
            f"Extension: requested {x.requested_at.astimezone(e.cutoff.tzinfo):%Y-%m-%d %H:%M} and "
            f"approved; last day moved from {_en_date(x.previous_last_day)} to "
            f"{_en_date(x.new_last_day)}{reason}."
        )

    def suspension(self, s: Suspension) -> str:
        tz = s.resumed_at.tzinfo
        return (
            f"Suspension: paused {s.suspended_at.astimezone(tz):%Y-%m-%d %H:%M} with last day "
            f"{_en_date(s.previous_last_day)} and {s.unit.amount_text(s.remaining, 'en')} left; "
            f"resumed {s.resumed_at:%Y-%m-%d %H:%M} and counted again from there."
        )

    def provisional(self, years: Sequence[int]) -> str:
        named = " and ".join(str(y) for y in years)
        return (
            f"Provisional: the State Council has not yet published its holiday arrangement for {named}; "
            "its rest days follow the holiday law (statutory days and make-up days, no adjusted working "
            "days). The deadline is re-checked when the notice is out and never ends before the day "
            "already announced."
        )

    def last(self, e: Explanation) -> str:
        end = (
            f"close of business {e.close_of_business:%H:%M}" if e.close_of_business else "24:00"
        )
        return (
            f"Last day: {_en_date(e.last_day)}; cutoff {end}, i.e. {e.cutoff:%Y-%m-%d %H:%M} "
            f"({e.cutoff.tzinfo}); late from that instant on."
        )


def _rest(kind: DayKind | None) -> bool:
    return kind is not None and not kind.is_working


_ZH = _Chinese()
_EN = _English()
