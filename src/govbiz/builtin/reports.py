"""Built-in plugin: the Markdown, JSON, CSV and HTML report formats."""

from __future__ import annotations

from collections.abc import Iterable

from govbiz.ports.hooks import hookimpl
from govbiz.ports.report_format import ReportFormat


@hookimpl
def govbiz_report_formats() -> Iterable[ReportFormat]:
    """`markdown`, `json`, `csv` (UTF-8 with BOM) and `html` (self-contained, offline)."""
    from govbiz.reports.csv_format import CsvFormat
    from govbiz.reports.html import HtmlFormat
    from govbiz.reports.json_format import JsonFormat
    from govbiz.reports.markdown import MarkdownFormat

    return [MarkdownFormat(), JsonFormat(), CsvFormat(), HtmlFormat()]
