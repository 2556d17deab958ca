"""A State Council holiday notice as data (国务院办公厅关于某年部分节假日安排的通知).

Each year's arrangement is published as a notice listing holiday ranges (放假)
and the weekend days that become working days (调休上班).  govbiz keeps the
notices as readable TOML, one file per year.  A year whose notice is not yet
published is derived from the holiday law (`govbiz.calendar.law`) and
marked provisional, never guessed silently.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import attrs

from govbiz.errors import ValidationError

__all__ = ["HolidayNotice", "HolidayRange", "NoticeOrigin", "load_notices", "parse_notices"]

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


class NoticeOrigin(StrEnum):
    """Where a notice in a calendar comes from; a later origin in this list wins for its days.

    Derived years lose to any notice, the package's own notices to one that
    code or a plugin supplies, and those to a notice kept in the ledger
    (`govbiz calendar add-notice`), which every process of the ledger uses.
    """

    DERIVED = "derived"
    """Derived from the holiday law for a year without a notice: provisional (暂按法定节假日推算)."""
    PACKAGE = "package"
    """Shipped with govbiz (`govbiz/calendar/data/YYYY.toml`)."""
    SUPPLIED = "supplied"
    """Passed in by code or by a `govbiz_calendar_data` plugin."""
    LEDGER = "ledger"
    """Kept in the ledger, added with `govbiz calendar add-notice`."""

    @property
    def rank(self) -> int:
        """Precedence: a notice of higher rank wins for every day it names."""
        return _ORIGIN_RANK[self]


_ORIGIN_RANK = {origin: rank for rank, origin in enumerate(NoticeOrigin)}


@attrs.frozen(slots=True)
class HolidayRange:
    """One holiday of a notice (节假日安排): its 放假 days and its 调休上班 days.

    `first` to `last` (both included) are the days off, weekend days inside
    the range included; `working` are the weekend days the notice makes
    working days for this holiday.
    """

    name: str
    first: date
    last: date
    working: tuple[date, ...] = ()

    def rest_days(self) -> Iterator[date]:
        """Yield every day off of the range, `first` to `last` inclusive."""
        day = self.first
        while day <= self.last:
            yield day
            day += _ONE_DAY


@attrs.frozen(slots=True)
class HolidayNotice:
    """A holiday arrangement notice (放假安排通知) for one calendar year.

    `number` is the document number (发文字号, e.g. `"国办发明电〔2024〕12号"`),
    `published` the date it was issued (成文日期).  When several notices
    concern the same year (an amendment such as the 2019 劳动节 change), the
    one of higher `origin` wins for every day it names, and among those of
    one origin the later `published` one.  `origin` says where the notice
    comes from (`NoticeOrigin`); a derived one is provisional.
    """

    year: int
    number: str
    title: str
    published: date
    holidays: tuple[HolidayRange, ...]
    issuer: str = "国务院办公厅"
    origin: NoticeOrigin = NoticeOrigin.SUPPLIED

    @property
    def provisional(self) -> bool:
        """True for a year derived from the holiday law rather than published (暂按法定节假日推算)."""
        return self.origin is NoticeOrigin.DERIVED

    def rest_days(self) -> Iterator[date]:
        """Every day off the notice names, holiday by holiday."""
        for holiday in self.holidays:
            yield from holiday.rest_days()

    def working_days(self) -> Iterator[date]:
        """Every weekend day the notice makes a working day (调休上班)."""
        for holiday in self.holidays:
            yield from holiday.working

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, field: str = "notice") -> HolidayNotice:
        """Build and validate a notice from plain data (TOML or JSON shaped).

        Dates may be `datetime.date` objects or ISO strings.  Raises
        `govbiz.errors.ValidationError` naming the offending field,
        e.g. `notice.holidays[2].working[0]`.
        """
        return _parse_notice(data, field)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> HolidayNotice:
        """Read a TOML file that holds exactly one notice and return it.

        Files with several notices (a year and its amendments) are read with
        `load_notices`.
        """
        notices = load_notices(path)
        if len(notices) != 1:
            raise ValidationError(
                "notice", os.fspath(path), f"expected one notice, found {len(notices)}; "
                "use govbiz.calendar.load_notices for a file with several",
            )
        return notices[0]


def load_notices(path: str | os.PathLike[str]) -> tuple[HolidayNotice, ...]:
    """Read every notice of a calendar data file (`[[notice]]` tables or a bare table)."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return parse_notices(data)


def parse_notices(data: Mapping[str, Any]) -> tuple[HolidayNotice, ...]:
    """Return the notices of one parsed data file (`[[notice]]` list or one bare notice)."""
    if "notice" not in data:
        return (_parse_notice(data, "notice"),)
    items = data["notice"]
    if not isinstance(items, list) or not items:
        raise ValidationError("notice", items, "must be a non-empty list of [[notice]] tables")
    return tuple(_parse_notice(item, f"notice[{i}]") for i, item in enumerate(items))


def _parse_notice(data: Any, field: str) -> HolidayNotice:
    if not isinstance(data, Mapping):
        raise ValidationError(field, data, "must be a table")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2199:
        raise ValidationError(f"{field}.year", year, "must be a year such as 2027")
    ranges = data.get("holidays")
    if not isinstance(ranges, list) or not ranges:
        raise ValidationError(f"{field}.holidays", ranges, "must be a non-empty list")
    holidays = tuple(
        _parse_range(item, f"{field}.holidays[{i}]", year) for i, item in enumerate(ranges)
    )
    _check_no_overlap(holidays, f"{field}.holidays")
    return HolidayNotice(
        year=year,
        number=_text(data, "number", field),
        title=_text(data, "title", field),
        published=_date(data.get("published"), f"{field}.published"),
        holidays=holidays,
        issuer=_text(data, "issuer", field) if "issuer" in data else "国务院办公厅",
    )


def _parse_range(data: Any, field: str, year: int) -> HolidayRange:
    if not isinstance(data, Mapping):
        raise ValidationError(field, data, "must be a table with name, first, last")
    first = _date(data.get("first"), f"{field}.first")
    last = _date(data.get("last"), f"{field}.last")
    if last < first:
        raise ValidationError(f"{field}.last", last, f"is before first ({first})")
    # A notice for year Y may reach back into late December of Y-1 (元旦 ranges and
    # their 调休上班 Saturdays), never further.
    earliest, latest = date(year - 1, 12, 1), date(year, 12, 31)
    for name, day in (("first", first), ("last", last)):
        if not earliest <= day <= latest:
            raise ValidationError(f"{field}.{name}", day, f"is outside the notice's year {year}")
    working_raw = data.get("working", [])
    if not isinstance(working_raw, Sequence) or isinstance(working_raw, str):
        raise ValidationError(f"{field}.working", working_raw, "must be a list of dates")
    working = tuple(
        _working_day(item, f"{field}.working[{i}]", (earliest, latest), (first, last))
        for i, item in enumerate(working_raw)
    )
    return HolidayRange(_text(data, "name", field), first, last, working)


def _working_day(
    value: Any, field: str, year_span: tuple[date, date], holiday_span: tuple[date, date]
) -> date:
    day = _date(value, field)
    (earliest, latest), (first, last) = year_span, holiday_span
    if day.weekday() < _SATURDAY:
        raise ValidationError(field, day, "an adjusted working day (调休上班) must be a weekend day")
    if not earliest <= day <= latest:
        raise ValidationError(field, day, "is outside the notice's year")
    if first <= day <= last:
        raise ValidationError(field, day, "lies inside the holiday's own range")
    return day


def _check_no_overlap(holidays: tuple[HolidayRange, ...], field: str) -> None:
    rest: dict[date, str] = {}
    for holiday in holidays:
        for day in holiday.rest_days():
            if day in rest:
                raise ValidationError(field, day, f"is a day off of both {rest[day]} and {holiday.name}")
            rest[day] = holiday.name
    for holiday in holidays:
        for day in holiday.working:
            if day in rest:
                raise ValidationError(field, day, f"is both a working day and a day off of {rest[day]}")


def _text(data: Mapping[str, Any], key: str, field: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field}.{key}", value, "must be a non-empty string")
    return value.strip()


def _date(value: Any, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(field, value, "must be a date such as 2027-01-01")
