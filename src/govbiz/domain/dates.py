"""The days a ledger accepts (日期范围): from 2000 to 2099.

A date typed wrongly (`0001-01-01` from an empty spreadsheet cell, `9999-12-31`
as "no end") is not a fact of a reception day: stored, it crashed every
export and import of its county, whose date arithmetic and spreadsheet
formats do not reach year 1.  The mechanism dates from the 2020s, so every
day a command carries must lie in `EARLIEST_DAY` … `LATEST_DAY`; days that
record something that happened (a problem's collection, a circular's period)
may in addition not lie after the command's instant, which the handlers check.
"""

from __future__ import annotations

from datetime import date, datetime

from govbiz.errors import ValidationError

__all__ = ["EARLIEST_DAY", "LATEST_DAY", "check_day", "check_not_after"]

#: The earliest day a command may name.
EARLIEST_DAY = date(2000, 1, 1)
#: The latest day a command may name (a deadline or a planned session is never further off).
LATEST_DAY = date(2099, 12, 31)


def check_day(field: str, day: date) -> date:
    """Return `day` (a date, or the date of a datetime) if it lies from 2000 to 2099."""
    plain = day.date() if isinstance(day, datetime) else day
    if not EARLIEST_DAY <= plain <= LATEST_DAY:
        raise ValidationError(
            field,
            day.isoformat(),
            f"is outside the days a ledger accepts ({EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()})",
        )
    return day


def check_not_after(field: str, day: date, today: date) -> date:
    """Return `day` if it is not after `today` (the command's day): it records what happened."""
    if day > today:
        raise ValidationError(
            field, day.isoformat(), f"is after the day of the command ({today.isoformat()})"
        )
    return day
