"""A county's deadline policy (时限规定): named clocks and the rules that run them."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from govbiz.calendar import WorkingCalendar, china_calendar
from govbiz.deadlines.config import policy_kwargs
from govbiz.deadlines.deadline import Deadline
from govbiz.deadlines.escalation import EscalationPolicy
from govbiz.deadlines.explanation import Explanation, Extension, Suspension, count_steps
from govbiz.deadlines.rules import ClockRule, Trigger, Unit, default_clocks
from govbiz.deadlines.warning import WarningLevel, WarningThresholds
from govbiz.domain.handling import Satisfaction
from govbiz.errors import ValidationError

__all__ = ["DEFAULT_CLOSING_SATISFACTION", "DEFAULT_RETURN_REASONS", "DeadlinePolicy", "DueDates"]

#: The levels of a return visit that close a problem by default: every level but a 差评.
DEFAULT_CLOSING_SATISFACTION = frozenset(
    {Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED}
)
#: The grounds a department may give for returning an assignment (退单理由), as 12345 rules list them.
DEFAULT_RETURN_REASONS = ("不属于本部门职责", "已由其他部门办理", "诉求不明确")

K = TypeVar("K")
_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0)


@attrs.frozen(slots=True)
class DueDates:
    """The deadlines started by one assignment (交办), one per enabled clock.

    `due.progress` and `due.result` are the progress and result
    deadlines; `due.sign` is `None` when the county switched the
    sign-for clock off.  `due["name"]` reaches any clock, including a
    county's own.
    """

    deadlines: tuple[Deadline, ...]

    def get(self, clock: str) -> Deadline | None:
        """Return the deadline of `clock`, or `None` if that clock is not running."""
        for deadline in self.deadlines:
            if deadline.clock == clock:
                return deadline
        return None

    def __getitem__(self, clock: str) -> Deadline:
        deadline = self.get(clock)
        if deadline is None:
            running = ", ".join(d.clock for d in self.deadlines)
            raise KeyError(f"no running clock {clock!r} (running: {running})")
        return deadline

    def __iter__(self) -> Iterator[Deadline]:
        return iter(self.deadlines)

    def __len__(self) -> int:
        return len(self.deadlines)

    @property
    def sign(self) -> Deadline | None:
        """Return the sign-for-or-return deadline (签收或退回), or `None` if switched off."""
        return self.get("sign")

    @property
    def progress(self) -> Deadline:
        """Return the progress-report deadline (报送落实情况)."""
        return self["progress"]

    @property
    def result(self) -> Deadline:
        """Return the result-report deadline (报送办理结果)."""
        return self["result"]


def _check_clocks(_: object, __: object, clocks: tuple[ClockRule, ...]) -> None:
    names = [c.name for c in clocks]
    for i, rule in enumerate(clocks):
        if not rule.name.strip():
            raise ValidationError(f"clocks[{i}].name", rule.name, "must be a non-empty name")
        if names.count(rule.name) > 1:
            raise ValidationError(f"clocks.{rule.name}", rule.name, "is defined twice")
        if isinstance(rule.amount, bool) or not isinstance(rule.amount, int) or rule.amount < 1:
            raise ValidationError(f"clocks.{rule.name}.amount", rule.amount, "must be a whole number ≥ 1")


def _non_negative(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, value, "must be a whole number ≥ 0")


def _clock_tuple(clocks: Iterable[ClockRule]) -> tuple[ClockRule, ...]:
    return tuple(clocks)


def _levels(levels: Iterable[Satisfaction | str]) -> frozenset[Satisfaction]:
    return frozenset(Satisfaction(level) for level in levels)


def _check_levels(_: object, __: object, levels: frozenset[Satisfaction]) -> None:
    if not levels:
        raise ValidationError("closing_satisfaction", [], "must name at least one level that closes")


def _check_reasons(_: object, __: object, reasons: tuple[str, ...]) -> None:
    if not reasons or any(not isinstance(r, str) or not r.strip() for r in reasons):
        raise ValidationError("return_reasons", list(reasons), "must list at least one non-empty reason")


@attrs.frozen(slots=True)
class DeadlinePolicy:
    """The deadline rules of one county (时限规定), with defaults from the source article.

    `clocks` are the named clocks (`ClockRule`); the periods are
    computed in `timezone` (Asia/Shanghai by default) on `calendar`
    (the national calendar by default).  `close_of_business` makes the
    cutoff the end of business hours instead of 24:00 (民法典第二百零三条:
    有业务时间的，停止业务活动的时间为截止时间).  `approaching_working_days`:
    a clock with that many working days left or fewer is *approaching*;
    `seriously_overdue_working_days`: late by more than that many working
    days is *seriously overdue*.  `max_fixed_days` bounds a deadline fixed on
    the spot or extended, counted in days from the start day;
    `extension_lead_working_days`: an extension must be requested at least
    that many working days before the last day (0: any time before the cutoff).

    The county's handling rules sit beside the clocks:
    `closing_satisfaction` are the return-visit levels that close a problem
    (default 非常满意, 满意, 基本满意; any other level sends it back, 重办);
    `return_reasons` are the grounds a department may give when it returns
    an assignment (退单理由, default 不属于本部门职责, 已由其他部门办理, 诉求不明确);
    `returns_per_department` is how often one department may return one
    problem (default once); `appeal_working_days`: a department appeals a
    rating (申诉复核) within that many working days after the visit (default 5).
    `escalation` is the county's escalation ladder (督办升级: 催办通知书, then
    拟通报批评; `govbiz.deadlines.EscalationPolicy`).
    """

    clocks: tuple[ClockRule, ...] = attrs.field(
        factory=default_clocks, converter=_clock_tuple, validator=_check_clocks
    )
    timezone: str = "Asia/Shanghai"
    close_of_business: time | None = None
    approaching_working_days: int = attrs.field(default=2, validator=_non_negative)
    seriously_overdue_working_days: int = attrs.field(default=5, validator=_non_negative)
    max_fixed_days: int = attrs.field(default=365, validator=_non_negative)
    extension_lead_working_days: int = attrs.field(default=1, validator=_non_negative)
    closing_satisfaction: frozenset[Satisfaction] = attrs.field(
        default=DEFAULT_CLOSING_SATISFACTION, converter=_levels, validator=_check_levels
    )
    return_reasons: tuple[str, ...] = attrs.field(
        default=DEFAULT_RETURN_REASONS, converter=tuple, validator=_check_reasons
    )
    returns_per_department: int = attrs.field(default=1, validator=_non_negative)
    appeal_working_days: int = attrs.field(default=5, validator=_non_negative)
    escalation: EscalationPolicy = attrs.field(factory=EscalationPolicy)
    calendar: WorkingCalendar = attrs.field(factory=china_calendar, repr=False)
    _tz: ZoneInfo = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValidationError("timezone", self.timezone, "is not an IANA time zone") from None
        if self.close_of_business is not None and not isinstance(self.close_of_business, time):
            raise ValidationError("close_of_business", self.close_of_business, "must be a time")
        unknown = sorted(self.escalation.clocks - {rule.name for rule in self.clocks})
        if unknown:
            known = ", ".join(rule.name for rule in self.clocks)
            raise ValidationError("escalation.clocks", unknown[0], f"is not a clock of this policy ({known})")
        object.__setattr__(self, "_tz", tz)

    # -- construction -----------------------------------------------------------------

    @classmethod
    def default(cls, calendar: WorkingCalendar | None = None) -> DeadlinePolicy:
        """Return the default policy: sign 1 working day, progress 7 working days,
        result 30 days, return visit 5 working days, Beijing time, cutoff 24:00."""
        return cls() if calendar is None else cls(calendar=calendar)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, calendar: WorkingCalendar | None = None
    ) -> DeadlinePolicy:
        """Build a county's policy from plain data (a parsed TOML/JSON config).

        Keys not given keep their defaults; `clocks` maps a clock name to the
        fields to change (`amount`, `unit`, `label`, `enabled`,
        `starts_on`); a new name adds a clock.  Raises
        `govbiz.errors.ValidationError` naming the field
        (e.g. `clocks.progress.amount`).
        """
        kwargs = policy_kwargs(data, default_clocks())
        return cls(**kwargs) if calendar is None else cls(calendar=calendar, **kwargs)

    @classmethod
    def from_toml(
        cls, path: str | os.PathLike[str], *, calendar: WorkingCalendar | None = None
    ) -> DeadlinePolicy:
        """Read a county's policy from a TOML file (see `from_dict` for the keys)."""
        with open(path, "rb") as handle:
            return cls.from_dict(tomllib.load(handle), calendar=calendar)

    # -- handling rules -----------------------------------------------------------------

    def closes(self, level: Satisfaction) -> bool:
        """True if a return visit at `level` closes the problem (销号) in this county."""
        return level in self.closing_satisfaction

    def check_return_reason(self, reason: str) -> str:
        """`reason` if it is one of the county's grounds for a return (退单理由); else a ValidationError."""
        if reason not in self.return_reasons:
            grounds = "、".join(self.return_reasons)
            raise ValidationError("ground", reason, f"is not a ground for a return here: {grounds}")
        return reason

    # -- lookups ------------------------------------------------------------------------

    def rule(self, clock: str) -> ClockRule:
        """Return the rule of `clock`; a ValidationError names the known clocks otherwise."""
        for rule in self.clocks:
            if rule.name == clock:
                return rule
        known = ", ".join(r.name for r in self.clocks)
        raise ValidationError("clock", clock, f"unknown clock; this policy has {known}")

    def local_day(self, instant: datetime, field: str = "at") -> date:
        """Return the day `instant` (aware) falls on in the county's time zone."""
        return self._local(instant, field).date()

    # -- computing deadlines ----------------------------------------------------------------

    def due_dates(self, assigned_at: datetime) -> DueDates:
        """Return the deadlines an assignment (交办) at `assigned_at` starts.

        `assigned_at` must be timezone-aware; it is read in the county's
        time zone, so 00:30 Beijing time given in UTC belongs to the Beijing
        day.  Only enabled clocks started by the assignment are included.  A
        redo (重办) starts fresh clocks: call this again with the redo instant.
        """
        start = self._local(assigned_at, "assigned_at")
        return DueDates(
            tuple(
                self._compute(rule, start)
                for rule in self.clocks
                if rule.enabled and rule.starts_on is Trigger.ASSIGNED
            )
        )

    def deadline(self, clock: str, start: datetime) -> Deadline:
        """Return the deadline of one clock started at `start` (aware).

        Used for the return visit after a result (`"return_visit"`) and to
        restart a single clock.  A switched-off clock raises ValidationError.
        """
        rule = self.rule(clock)
        if not rule.enabled:
            raise ValidationError("clock", clock, "is switched off in this county's policy")
        return self._compute(rule, self._local(start, "start"))

    def fixed_deadline(self, clock: str, start: datetime, last_day: date) -> Deadline:
        """Return a deadline whose last day the chair fixed on the spot (现场明确解决期限).

        `last_day` may not be before the start day nor more than
        `max_fixed_days` after it; a ValidationError names `last_day`.
        """
        rule = self.rule(clock)
        local = self._local(start, "start")
        start_day = local.date()
        self._check_last_day("last_day", last_day, start_day, earliest=start_day)
        cutoff = self._cutoff(last_day)
        explanation = Explanation(
            clock=rule.name, label=rule.label, amount=rule.amount, unit=rule.unit,
            start=local, start_day=start_day, counted_from=start_day, steps=(),
            last_day=last_day, cutoff=cutoff, close_of_business=self.close_of_business,
            fixed_on_the_spot=True, last_day_kind=self.calendar.day_info(last_day).kind,
        )
        return Deadline(rule.name, rule, local, last_day, cutoff, explanation)

    def restore(self, clock: str, start: datetime, last_day: date) -> Deadline:
        """Return a stored deadline (its clock, start and current last day) as a Deadline.

        The ledger stores the computed last day in its events; to extend or
        resume such a deadline later it is restored here.  Unlike
        `fixed_deadline` this neither marks it as fixed on the spot nor
        checks `max_fixed_days`: the stored day was validated when it was
        set.  The explanation counts the rule from `start` and records the
        stored last day where it differs.
        """
        rule = self.rule(clock)
        computed = self._compute(rule, self._local(start, "start"))
        if computed.last_day == last_day:
            return computed
        cutoff = self._cutoff(last_day)
        explanation = attrs.evolve(
            computed.explanation, last_day=last_day, cutoff=cutoff,
            last_day_kind=self.calendar.day_info(last_day).kind,
        )
        return attrs.evolve(computed, last_day=last_day, cutoff=cutoff, explanation=explanation)

    def extension_request_deadline(self, deadline: Deadline) -> date:
        """Return the last day on which an extension (延期申请) of `deadline` may be requested."""
        lead = self.extension_lead_working_days
        return self.calendar.add_working_days(deadline.last_day, -lead) if lead else deadline.last_day

    def extend(
        self, deadline: Deadline, *, new_last_day: date, requested_at: datetime, reason: str = ""
    ) -> Deadline:
        """Return `deadline` moved to `new_last_day` by an approved extension (延期).

        The request must have been made in time: by the day
        `extension_request_deadline` returns and before the cutoff;
        `new_last_day` must be after the current last day and within
        `max_fixed_days` of the start day.  Only this clock moves; the
        extension is recorded in the explanation.
        """
        requested = self._local(requested_at, "requested_at")
        latest = self.extension_request_deadline(deadline)
        if requested.date() > latest or requested >= deadline.cutoff:
            raise ValidationError(
                "requested_at", requested.isoformat(),
                f"an extension must be requested by {latest.isoformat()}, "
                f"{self.extension_lead_working_days} working day(s) before the last day "
                f"{deadline.last_day.isoformat()}",
            )
        self._check_last_day(
            "new_last_day", new_last_day, deadline.start_day, earliest=deadline.last_day + _ONE_DAY
        )
        extension = Extension(deadline.last_day, new_last_day, requested, reason)
        moved = self._moved(deadline, new_last_day, extension)
        # An approved day is a date, not a count: it no longer rests on a provisional year.
        return attrs.evolve(moved, explanation=attrs.evolve(moved.explanation, provisional_years=()))

    def resume(self, deadline: Deadline, suspended_at: datetime, resumed_at: datetime) -> Deadline:
        """Return `deadline` after a suspension (中止) from `suspended_at` to `resumed_at`.

        The clock resumes with the time that was left when it paused, in the
        rule's unit: working days after the day of suspension up to the last
        day for working-day clocks, days for calendar-day clocks.  The day of
        resumption is not counted (like a start day), and the new cutoff is
        always after `resumed_at`: time that has not run never makes a clock
        overdue.  A clock whose cutoff had passed cannot be suspended.
        """
        suspended = self._local(suspended_at, "suspended_at")
        resumed = self._local(resumed_at, "resumed_at")
        if resumed < suspended:
            raise ValidationError("resumed_at", resumed.isoformat(), "is before suspended_at")
        if suspended < deadline.start:
            raise ValidationError("suspended_at", suspended.isoformat(), "is before the clock started")
        if suspended >= deadline.cutoff:
            raise ValidationError(
                "suspended_at", suspended.isoformat(),
                f"the clock had already run out at {deadline.cutoff.isoformat()}",
            )
        unit, cal = deadline.rule.unit, self.calendar
        suspended_day, resumed_day = suspended.date(), resumed.date()
        if unit is Unit.WORKING_DAYS:
            remaining = cal.working_days_between(suspended_day, deadline.last_day)
        else:
            remaining = (deadline.last_day - suspended_day).days
        if remaining:
            steps, last_day, nominal = count_steps(cal, resumed_day, remaining, unit)
        else:  # suspended on the last day itself: the resumption day (or next working day) is last
            steps, last_day, nominal = (), cal.next_working_day_on_or_after(resumed_day), None
        while self._cutoff(last_day) <= resumed:  # resumed after close of business on that day
            last_day = cal.add_working_days(last_day, 1)
        suspension = Suspension(suspended, resumed, deadline.last_day, remaining, unit)
        moved = self._moved(deadline, last_day, suspension)
        # A working-day clock's time left was counted on the calendar too.
        left_years = (
            cal.provisional_years_between(suspended_day + _ONE_DAY, deadline.last_day)
            if unit is Unit.WORKING_DAYS
            else ()
        )
        counted_years = self._provisional_years(resumed_day, last_day, nominal)
        explanation = attrs.evolve(
            moved.explanation, counted_from=resumed_day, steps=steps, nominal_last_day=nominal,
            amount=remaining or deadline.explanation.amount,
            provisional_years=tuple(sorted({*left_years, *counted_years})),
        )
        return attrs.evolve(moved, explanation=explanation)

    # -- warnings ---------------------------------------------------------------------------

    def warning_level(self, deadline: Deadline, at: datetime) -> WarningLevel:
        """Return how urgent `deadline` is at the instant `at` (aware) (预警等级)."""
        local = self._local(at, "at")
        return self._level(deadline, local, local.date())

    def sweep(self, items: Iterable[tuple[K, Deadline]], at: datetime) -> list[tuple[K, WarningLevel]]:
        """Return the warning level of every `(key, deadline)` at the instant `at`.

        The instant is converted once; each item costs a few table lookups.
        """
        local = self._local(at, "at")
        today = local.date()
        return [(key, self._level(deadline, local, today)) for key, deadline in items]

    def thresholds(self, at: datetime) -> WarningThresholds:
        """Return the last days that separate the warning levels at the instant `at` (预警分界日).

        `thresholds(at).level(d)` equals `warning_level` of a deadline with
        last day `d` restored under this policy, for every `d` the calendar
        covers; a sweep classifies thousands of clocks with it (or hands the
        dates to SQL) instead of counting working days for each.  It never
        raises for calendar coverage: counting stops at the calendar's ends.
        """
        local = self._local(at, "at")
        today = local.date()
        cal = self.calendar
        n_late, n_left = self.seriously_overdue_working_days, self.approaching_working_days
        overdue_through = today if self._cutoff(today) <= local else today - _ONE_DAY
        # Counting stops at the calendar's ends, so a sweep never fails for coverage: past the
        # last covered day the days late are a lower bound, and no last day beyond it is listed.
        anchor = min(today, cal.last_date)
        # Late by more than N working days: every last day before the first one that is not.
        seriously_before = anchor
        while seriously_before > cal.first_date and (
            cal.working_days_between(seriously_before - _ONE_DAY, anchor) <= n_late
        ):
            seriously_before -= _ONE_DAY
        # Approaching: every last day with at most N working days left.
        approaching_through = today
        while approaching_through < cal.last_date and (
            cal.working_days_between(today, approaching_through + _ONE_DAY) <= n_left
        ):
            approaching_through += _ONE_DAY
        return WarningThresholds(
            today=today,
            overdue_through=overdue_through,
            seriously_before=seriously_before,
            approaching_through=approaching_through,
        )

    def _level(self, deadline: Deadline, at: datetime, today: date) -> WarningLevel:
        if at >= deadline.cutoff:
            late = self.calendar.working_days_between(deadline.last_day, today)
            if late > self.seriously_overdue_working_days:
                return WarningLevel.SERIOUSLY_OVERDUE
            return WarningLevel.OVERDUE
        if today >= deadline.last_day:
            return WarningLevel.DUE_TODAY
        left = self.calendar.working_days_between(today, deadline.last_day)
        if left <= self.approaching_working_days:
            return WarningLevel.APPROACHING
        return WarningLevel.NORMAL

    # -- internals ----------------------------------------------------------------------------

    def _local(self, instant: datetime, field: str) -> datetime:
        if not isinstance(instant, datetime):
            raise ValidationError(field, instant, "must be a timezone-aware datetime")
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValidationError(
                field, instant.isoformat(), "needs a time zone (a naive datetime is ambiguous)"
            )
        return instant.astimezone(self._tz)

    def _cutoff(self, last_day: date) -> datetime:
        if self.close_of_business is None:
            return datetime.combine(last_day + _ONE_DAY, _MIDNIGHT, tzinfo=self._tz)
        return datetime.combine(last_day, self.close_of_business, tzinfo=self._tz)

    def _compute(self, rule: ClockRule, start: datetime) -> Deadline:
        start_day = start.date()
        steps, last_day, nominal = count_steps(self.calendar, start_day, rule.amount, rule.unit)
        cutoff = self._cutoff(last_day)
        explanation = Explanation(
            clock=rule.name, label=rule.label, amount=rule.amount, unit=rule.unit,
            start=start, start_day=start_day, counted_from=start_day, steps=steps,
            last_day=last_day, cutoff=cutoff, close_of_business=self.close_of_business,
            nominal_last_day=nominal, last_day_kind=self.calendar.day_info(last_day).kind,
            provisional_years=self._provisional_years(start_day, last_day, nominal),
        )
        return Deadline(rule.name, rule, start, last_day, cutoff, explanation)

    def _provisional_years(self, counted_from: date, last_day: date, nominal: date | None) -> tuple[int, ...]:
        """The provisional years of the days a count read: each day after `counted_from` for
        working days; for days, only the nominal last day and the rest days it moved past."""
        first = nominal if nominal is not None else counted_from + _ONE_DAY
        return self.calendar.provisional_years_between(first, last_day)

    def _moved(self, deadline: Deadline, last_day: date, event: Extension | Suspension) -> Deadline:
        cutoff = self._cutoff(last_day)
        explanation = attrs.evolve(
            deadline.explanation, last_day=last_day, cutoff=cutoff,
            last_day_kind=self.calendar.day_info(last_day).kind,
            events=(*deadline.explanation.events, event),
        )
        return attrs.evolve(deadline, last_day=last_day, cutoff=cutoff, explanation=explanation)

    def _check_last_day(self, field: str, last_day: date, start_day: date, *, earliest: date) -> None:
        if not isinstance(last_day, date) or isinstance(last_day, datetime):
            raise ValidationError(field, last_day, "must be a date")
        if last_day < earliest:
            raise ValidationError(field, last_day.isoformat(), f"must be on or after {earliest.isoformat()}")
        latest = start_day + timedelta(days=self.max_fixed_days)
        if last_day > latest:
            raise ValidationError(
                field, last_day.isoformat(),
                f"is more than {self.max_fixed_days} days after the start day {start_day.isoformat()}",
            )
