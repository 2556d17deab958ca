"""Clocks: where the ledger learns the time (no hidden `datetime.now()`).

The `govbiz.Ledger` asks its clock for the current instant once per
command and stamps every event with it.  Production code uses
`SystemClock`; tests and the simulation use `ManualClock` and
move it forward themselves, so every run is reproducible.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo

from govbiz.errors import ValidationError

__all__ = ["Clock", "ManualClock", "SystemClock", "beijing", "end_of_day", "require_aware"]


@cache
def beijing() -> ZoneInfo:
    """Asia/Shanghai, the default time zone of every county (北京时间)."""
    return ZoneInfo("Asia/Shanghai")


def end_of_day(day: date) -> datetime:
    """The end of `day` in Beijing time (its 24时): the first instant of the next day.

    A figure "as of 2023-12-31" counts everything that happened on that day,
    so every command given a date for its as-of instant takes this one
    (`govbiz report`, `export`, `score`, `remind`, `simulate`, `document` ...).
    """
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=beijing())


def require_aware(value: datetime, field: str) -> datetime:
    """Return `value` if it carries a time zone; refuse a naive datetime.

    A naive datetime is ambiguous (server time? UTC? Beijing?) and an
    ambiguous instant can move a deadline by a day, so it is an error.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, value.isoformat(), "needs a time zone (naive datetimes are ambiguous)")
    return value


class Clock(Protocol):
    """Anything with a `now()` that returns a timezone-aware datetime."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock, in `tz` (Beijing time by default)."""

    def __init__(self, tz: tzinfo | None = None) -> None:
        self._tz = tz or beijing()

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(self._tz)


class ManualClock:
    """A clock that moves only when told to: for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "start")

    def now(self) -> datetime:
        """The instant the clock was last set to."""
        return self._now

    def set(self, at: datetime) -> None:
        """Move the clock to `at` (forwards or backwards)."""
        self._now = require_aware(at, "at")

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` and return the new instant."""
        if delta < timedelta(0):
            raise ValidationError("delta", str(delta), "a clock advances forwards; use set() to go back")
        self._now = self._now + delta
        return self._now
