"""Deadline rules that a court would uphold (期限计算): clocks, periods, warnings.

Usage::

    from datetime import datetime
    from zoneinfo import ZoneInfo
    from govbiz.deadlines import DeadlinePolicy

    policy = DeadlinePolicy.default()
    due = policy.due_dates(datetime(2025, 9, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    due.progress.last_day      # date(2025, 10, 13): 7 working days
    due.result.last_day        # date(2025, 10, 27): 30 days
    print(due.progress.explain())

Periods follow Civil Code articles 201–203: the start day is not counted, a
working-day period ends on the n-th working day after it, a period in days
whose last day is a rest day ends on the next working day, and the cutoff is
24:00 of the last day or the close of business.
"""

from __future__ import annotations

from govbiz.deadlines.deadline import Deadline
from govbiz.deadlines.escalation import DEFAULT_ESCALATED_CLOCKS, EscalationPolicy, Rung
from govbiz.deadlines.explanation import DayStep, Explanation, Extension, StepReason, Suspension
from govbiz.deadlines.policy import DeadlinePolicy, DueDates
from govbiz.deadlines.rules import ClockRule, Trigger, Unit, default_clocks
from govbiz.deadlines.warning import WarningLevel, WarningThresholds

__all__ = [
    "DEFAULT_ESCALATED_CLOCKS",
    "ClockRule",
    "DayStep",
    "Deadline",
    "DeadlinePolicy",
    "DueDates",
    "EscalationPolicy",
    "Explanation",
    "Extension",
    "Rung",
    "StepReason",
    "Suspension",
    "Trigger",
    "Unit",
    "WarningLevel",
    "WarningThresholds",
    "default_clocks",
]
