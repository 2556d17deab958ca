"""Supervision circulars (督查通报)."""

from __future__ import annotations

from datetime import date, datetime

import attrs

from govbiz.domain.text import division_code, optional_text, required_text
from govbiz.errors import ValidationError

__all__ = ["Circular"]


@attrs.frozen(slots=True)
class Circular:
    """A circular (通报) the supervision office publishes about a period.

    It names departments (for example those with overdue assignments) and
    the problems concerned; it reaches every department it names.
    """

    id: str
    county: str = attrs.field(validator=division_code)
    title: str = attrs.field(validator=required_text(300))
    period_start: date
    period_end: date
    published_at: datetime
    published_by: str
    departments: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    body: str = attrs.field(default="", validator=optional_text(100_000))

    def __attrs_post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValidationError(
                "period_end",
                self.period_end.isoformat(),
                f"the period ends before it starts ({self.period_start.isoformat()})",
            )
