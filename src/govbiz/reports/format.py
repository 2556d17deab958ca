"""Report formats: the port a reporting plugin implements.

A report is anything with a title and a JSON-ready `to_dict()`; a format
renders it to bytes (a Markdown page, a CSV file, an xlsx workbook).
Formats are registered through the `govbiz_report_formats` hook.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["Report", "ReportFormat"]


@runtime_checkable
class Report(Protocol):
    """What a format needs from a report."""

    @property
    def title(self) -> str:
        """The report's title (e.g. 2025年1–10月交办问题办理情况)."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Every figure, its definition and its drill-down, as JSON-ready data."""
        ...


@runtime_checkable
class ReportFormat(Protocol):
    """What a report format provides."""

    @property
    def name(self) -> str:
        """The format's unique name, as typed after `--format` (e.g. `"xlsx"`)."""
        ...

    @property
    def suffix(self) -> str:
        """The file suffix, with its dot (e.g. `".xlsx"`)."""
        ...

    def render(self, report: Report) -> bytes:
        """The report as the bytes of a file in this format."""
        ...
