"""Report formats: the port a reporting plugin implements.

A report is anything with a title and a JSON-ready `to_dict()`; a format
renders it to bytes (a Markdown page, a CSV file, an xlsx workbook).
Formats are registered through the `govbiz_report_formats` hook.

A format that can also read a table back (CSV, xlsx) implements
`TableReader` as well; `govbiz import` uses it to read an existing ledger.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from govbiz.reports.ledger_file import Workbook

__all__ = ["Cell", "Report", "ReportFormat", "TableReader", "WorkbookReader"]

#: A cell read from a table: text, a number, a date or datetime, or `None` when empty.
Cell = str | int | float | date | datetime | None


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


@runtime_checkable
class TableReader(Protocol):
    """A format that can read a table back: the rows of a CSV file or an xlsx sheet."""

    @property
    def suffix(self) -> str:
        """The file suffix it reads, with its dot (e.g. `".csv"`)."""
        ...

    def read_rows(self, data: bytes) -> list[tuple[Cell, ...]]:
        """Every row of the file's (first, or 问题台账) table, blank rows included, in order.

        Row *n* of the result is the row a spreadsheet shows as *n + 1*.
        """
        ...


@runtime_checkable
class WorkbookReader(Protocol):
    """A format that reads every sheet of a workbook (hidden ones too), merged cells filled in.

    `govbiz import` prefers it to `TableReader`: it chooses the sheet a clerk
    sees (`govbiz.reports.ledger_file.Workbook.choose`).
    """

    @property
    def reads(self) -> tuple[str, ...]:
        """The file suffixes it reads, with their dots (e.g. `(".xlsx", ".xls", ".ods")`)."""
        ...

    def read_workbook(self, data: bytes, source: str) -> Workbook:
        """Every sheet of the file `data`; `source` (the file's name) is named in errors.

        Raises `govbiz.reports.import_errors.ImportRejected` for a file it cannot read.
        """
        ...
