"""The working-day calendar (工作日历): national notices plus local days, as lookup tables."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import attrs

from govbiz.calendar.day import DayInfo, DayKind
from govbiz.calendar.notice import HolidayNotice
from govbiz.errors import CalendarCoverageError, ValidationError

__all__ = ["PROVISIONAL_YEARS", "LocalDays", "WorkingCalendar"]

#: How many years after the latest published notice are derived from the holiday law.
#: Five: far enough for any deadline a reception day sets, near enough that the law
#: (revised in 2007, 2013 and 2024) is still the one in force.
PROVISIONAL_YEARS = 5

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
_NEVER = 10_000  # a year after every date


@attrs.frozen(slots=True)
class LocalDays:
    """A county's or prefecture's own days (地方休息日 / 地方工作日), e.g. a minority festival.

    `name` is what the explanation shows (`"苗族四月八"`); `source` is
    the local document that decided the days, if any.
    """

    name: str
    rest: tuple[date, ...] = ()
    working: tuple[date, ...] = ()
    source: str = ""


def _notice_tuple(notices: Iterable[HolidayNotice]) -> tuple[HolidayNotice, ...]:
    return tuple(notices)


def _local_tuple(layers: Iterable[LocalDays]) -> tuple[LocalDays, ...]:
    return tuple(layers)


@attrs.frozen(slots=True)
class WorkingCalendar:
    """A working-day calendar built from holiday notices and local days (工作日历).

    Immutable: `with_notice` and `with_local_days` return new
    calendars.  Lookups are answered from tables computed once at
    construction, so `is_working_day`, `add_working_days` and
    `working_days_between` take constant time.

    The `provisional_horizon` years after the latest published notice
    (`PROVISIONAL_YEARS` by default, 0 for none) are derived from the
    holiday law (`govbiz.calendar.law.derived_notice`): their days say
    `provisional=True`.  Any date outside `first_date`–`last_date`
    raises `govbiz.errors.CalendarCoverageError`, naming the limit.
    """

    notices: tuple[HolidayNotice, ...] = attrs.field(converter=_notice_tuple)
    local_days: tuple[LocalDays, ...] = attrs.field(default=(), converter=_local_tuple)
    provisional_horizon: int = attrs.field(default=PROVISIONAL_YEARS, kw_only=True)
    # Derived tables, filled in by __attrs_post_init__ (frozen, hence object.__setattr__).
    _in_force: tuple[HolidayNotice, ...] = attrs.field(init=False, eq=False, repr=False)
    _provisional: frozenset[int] = attrs.field(init=False, eq=False, repr=False)
    _first_provisional: int = attrs.field(init=False, eq=False, repr=False)
    _official_through: int | None = attrs.field(init=False, eq=False, repr=False)
    _first_year: int = attrs.field(init=False, eq=False, repr=False)
    _last_year: int = attrs.field(init=False, eq=False, repr=False)
    _special: dict[date, DayInfo] = attrs.field(init=False, eq=False, repr=False)
    _working: dict[date, bool] = attrs.field(init=False, eq=False, repr=False)
    _rank: dict[date, int] = attrs.field(init=False, eq=False, repr=False)
    _working_dates: tuple[date, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.provisional_horizon, bool) or not 0 <= self.provisional_horizon <= 20:
            raise ValidationError("provisional_horizon", self.provisional_horizon, "must be 0 to 20 years")
        in_force = _with_derived_years(self.notices, self.provisional_horizon)
        first_year, last_year = _coverage(in_force)
        provisional = frozenset(
            {n.year for n in in_force} - {n.year for n in in_force if not n.provisional}
        )
        special = _special_days(in_force, self.local_days, first_year, last_year, provisional)
        working: dict[date, bool] = {}
        rank: dict[date, int] = {}
        working_dates: list[date] = []
        day, last = date(first_year, 1, 1), date(last_year, 12, 31)
        while day <= last:
            info = special.get(day)
            is_working = info.kind.is_working if info else day.weekday() < _SATURDAY
            if is_working:
                working_dates.append(day)
            working[day] = is_working
            rank[day] = len(working_dates)  # working days in [first_date, day]
            day += _ONE_DAY
        setattr_ = object.__setattr__
        setattr_(self, "_in_force", in_force)
        setattr_(self, "_provisional", provisional)
        setattr_(self, "_first_provisional", min(provisional, default=_NEVER))
        official = [n.year for n in in_force if not n.provisional]
        setattr_(self, "_official_through", max(official) if official else None)
        setattr_(self, "_first_year", first_year)
        setattr_(self, "_last_year", last_year)
        setattr_(self, "_special", special)
        setattr_(self, "_working", working)
        setattr_(self, "_rank", rank)
        setattr_(self, "_working_dates", tuple(working_dates))

    # -- coverage ---------------------------------------------------------------

    @property
    def first_date(self) -> date:
        """The first covered day: 1 January of the earliest notice's year."""
        return date(self._first_year, 1, 1)

    @property
    def last_date(self) -> date:
        """The last covered day: 31 December of the latest notice's year."""
        return date(self._last_year, 12, 31)

    def covers(self, d: date) -> bool:
        """True when `d` lies in the covered range (有放假安排的年份，含暂按法定节假日推算的年份)."""
        return self.first_date <= d <= self.last_date

    @property
    def provisional_years(self) -> frozenset[int]:
        """Covered years without a published notice, derived from the holiday law (暂定年份)."""
        return self._provisional

    @property
    def official_through(self) -> int | None:
        """The latest year with a published notice (`None` if every year is derived)."""
        return self._official_through

    def is_provisional(self, d: date) -> bool:
        """True when `d` lies in a provisional year: its kind may change when the notice comes."""
        return d.year in self._provisional

    def provisional_years_between(self, first: date, last: date) -> tuple[int, ...]:
        """The provisional years that days `first` to `last` (inclusive) touch, in order."""
        # Asked for every deadline counted: most end before the first provisional year.
        if last.year < self._first_provisional or last < first:
            return ()
        return tuple(y for y in range(first.year, last.year + 1) if y in self._provisional)

    def notices_for(self, year: int) -> tuple[HolidayNotice, ...]:
        """The notices in force for `year`, the one that wins last (a derived one if provisional)."""
        return tuple(n for n in self._in_force if n.year == year)

    # -- the three fast operations ------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Return True when `d` is a working day (工作日, including 调休上班)."""
        try:
            return self._working[d]
        except (KeyError, TypeError):
            raise self._not_covered(d) from None

    def add_working_days(self, d: date, n: int) -> date:
        """Return the `n`-th working day strictly after `d` (`n` > 0).

        `d` itself never counts, whatever day it is (Civil Code art. 201:
        开始的当日不计入).  `n == 0` returns `d`.  A negative `n` goes
        backwards: the `|n|`-th working day strictly before `d`.  Raises
        `govbiz.errors.CalendarCoverageError` when `d` or the walk
        leaves the covered years.
        """
        try:
            rank = self._rank[d]
        except (KeyError, TypeError):
            raise self._not_covered(d) from None
        if n > 0:
            index = rank + n - 1
            if index < len(self._working_dates):
                return self._working_dates[index]
            raise self._coverage_error(self._last_year + 1)
        if n == 0:
            return d
        # working days strictly before d = rank minus d itself when d is a working day
        index = rank - self._working[d] + n
        if index >= 0:
            return self._working_dates[index]
        raise self._coverage_error(self._first_year - 1)

    def working_days_between(self, a: date, b: date) -> int:
        """Return the number of working days in (a, b]; negative when `b < a`.

        For `b < a` the result is `-working_days_between(b, a)`, so the
        count is antisymmetric and `working_days_between(d, add_working_days(d, n)) == n`
        for every `n >= 0`.
        """
        try:
            return self._rank[b] - self._rank[a]
        except (KeyError, TypeError):
            raise self._not_covered(a if not self._is_covered_date(a) else b) from None

    # -- explanations -------------------------------------------------------------

    def day_info(self, d: date) -> DayInfo:
        """Return what `d` is (`DayInfo`): kind, holiday name and notice."""
        if not self._is_covered_date(d):
            raise self._not_covered(d)
        info = self._special.get(d)
        if info is not None:
            return info
        kind = DayKind.WORKING_DAY if d.weekday() < _SATURDAY else DayKind.WEEKEND
        return DayInfo(d, kind, provisional=d.year in self._provisional)

    def next_working_day_on_or_after(self, d: date) -> date:
        """Return `d` if it is a working day, else the first working day after it.

        This is where Civil Code art. 203 moves a period whose last day is a
        rest day (期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日).
        """
        return d if self.is_working_day(d) else self.add_working_days(d, 1)

    def days(self, first: date, last: date) -> Iterable[DayInfo]:
        """Yield `DayInfo` for every day from `first` to `last` inclusive."""
        day = first
        while day <= last:
            yield self.day_info(day)
            day += _ONE_DAY

    # -- composition ----------------------------------------------------------------

    def with_notice(self, *notices: HolidayNotice) -> WorkingCalendar:
        """Return a new calendar that also holds `notices` (next year's, or an amendment)."""
        return WorkingCalendar(
            self.notices + notices, self.local_days, provisional_horizon=self.provisional_horizon
        )

    def with_local_days(
        self,
        *,
        rest: Iterable[date] = (),
        working: Iterable[date] = (),
        name: str,
        source: str = "",
    ) -> WorkingCalendar:
        """Return a new calendar with a county's own rest and working days on top.

        Local days override the national calendar for the days they name; a
        later layer overrides an earlier one.  Every day must be covered and no
        day may be both a rest day and a working day of the same layer.
        """
        layer = LocalDays(name=name, rest=tuple(rest), working=tuple(working), source=source)
        _validate_local(layer, self)
        return WorkingCalendar(
            self.notices, (*self.local_days, layer), provisional_horizon=self.provisional_horizon
        )

    # -- errors ---------------------------------------------------------------------

    def _is_covered_date(self, d: object) -> bool:
        return isinstance(d, date) and not isinstance(d, datetime) and d in self._working

    def _coverage_error(self, year: int) -> CalendarCoverageError:
        return CalendarCoverageError(year, self._first_year, self._last_year, self._official_through)

    def _not_covered(self, d: object) -> Exception:
        if isinstance(d, datetime):
            return ValidationError(
                "date", d, "pass a date, not a datetime: convert it to the county's local date first"
            )
        if not isinstance(d, date):
            return TypeError(f"expected a datetime.date, got {type(d).__name__}")
        return self._coverage_error(d.year)


def _with_derived_years(notices: tuple[HolidayNotice, ...], horizon: int) -> tuple[HolidayNotice, ...]:
    """The notices in force: published ones, then the derived years after the latest of them.

    A derived notice for a year that has a published one is dropped, and so
    is a notice whose document number a notice of higher origin also has
    (the same document, transcribed again: it replaces the other whole).
    The result is ordered by precedence (see `NoticeOrigin`), so a later
    notice wins for every day it names (an amendment with its own number).
    """
    from govbiz.calendar.law import derived_notice  # deferred: imports lunar-python

    official = {n.year for n in notices if not n.provisional}
    top_rank: dict[str, int] = {}
    for notice in notices:
        top_rank[notice.number] = max(top_rank.get(notice.number, -1), notice.origin.rank)
    kept = [
        n
        for n in notices
        if not (n.provisional and n.year in official) and n.origin.rank == top_rank[n.number]
    ]
    if official and horizon:
        latest = max(official)
        have = {n.year for n in kept}
        kept.extend(derived_notice(y) for y in range(latest + 1, latest + horizon + 1) if y not in have)
    return tuple(sorted(kept, key=lambda n: (n.origin.rank, n.published, n.year, n.number)))


def _coverage(notices: tuple[HolidayNotice, ...]) -> tuple[int, int]:
    if not notices:
        raise ValidationError("notices", notices, "a calendar needs at least one notice")
    years = {notice.year for notice in notices}
    first, last = min(years), max(years)
    missing = sorted(set(range(first, last + 1)) - years)
    if missing:
        raise ValidationError("notices", missing, "the covered years must be contiguous; add these")
    return first, last


def _special_days(
    notices: Iterable[HolidayNotice],
    local_days: Iterable[LocalDays],
    first_year: int,
    last_year: int,
    provisional: frozenset[int],
) -> dict[date, DayInfo]:
    """Every day that is not a plain weekday or weekend, the latest source winning.

    `notices` come in order of precedence (see `_with_derived_years`).
    """
    first, last = date(first_year, 1, 1), date(last_year, 12, 31)
    special: dict[date, DayInfo] = {}
    for notice in notices:
        for holiday in notice.holidays:
            for day in holiday.rest_days():
                special[day] = DayInfo(
                    day, DayKind.HOLIDAY, holiday.name, notice.number, day.year in provisional
                )
            for day in holiday.working:
                special[day] = DayInfo(
                    day, DayKind.ADJUSTED_WORKING_DAY, holiday.name, notice.number, day.year in provisional
                )
    for layer in local_days:
        source = layer.source or None
        for day in layer.rest:
            special[day] = DayInfo(day, DayKind.LOCAL_REST_DAY, layer.name, source, day.year in provisional)
        for day in layer.working:
            special[day] = DayInfo(
                day, DayKind.LOCAL_WORKING_DAY, layer.name, source, day.year in provisional
            )
    # A notice for year Y may name days of late Y-1; outside the covered years they are dropped.
    return {day: info for day, info in special.items() if first <= day <= last}


def _validate_local(layer: LocalDays, calendar: WorkingCalendar) -> None:
    if not layer.name.strip():
        raise ValidationError("name", layer.name, "local days need a name (e.g. the festival)")
    for field, days in (("rest", layer.rest), ("working", layer.working)):
        for i, day in enumerate(days):
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValidationError(f"{field}[{i}]", day, "must be a date")
            if not calendar.covers(day):
                raise CalendarCoverageError(
                    day.year, calendar.first_date.year, calendar.last_date.year
                )
    both = sorted(set(layer.rest) & set(layer.working))
    if both:
        raise ValidationError("working", both[0], "is also listed as a local rest day")
