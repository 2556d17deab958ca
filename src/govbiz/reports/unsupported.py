"""The error a format raises for a report it cannot lay out."""

from __future__ import annotations

from govbiz.errors import ValidationError
from govbiz.ports.report_format import Report

__all__ = ["unsupported"]


def unsupported(format_name: str, report: Report) -> ValidationError:
    """A `ValidationError` saying which reports `format_name` renders."""
    return ValidationError(
        "report",
        type(report).__name__,
        f"the {format_name} format renders a MetricsReport or a LedgerReport",
    )
