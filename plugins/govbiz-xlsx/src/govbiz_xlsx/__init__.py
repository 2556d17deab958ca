"""govbiz-xlsx: Excel workbooks (.xlsx) for the problem ledger (问题台账) and the metrics report.

Registers one report format, `xlsx`, through `govbiz_report_formats`:

* `govbiz export --format xlsx` writes the ledger as offices keep it: a row
  per problem, a summary sheet (汇总), frozen header, column widths, date
  formats and status colours;
* `govbiz report --format xlsx` writes the metrics report, every rate with
  its definition (口径);
* `govbiz import FILE.xlsx` reads an existing ledger back (the format is
  also a `govbiz.reports.TableReader`).

openpyxl is imported only when a workbook is written or read.
"""

from __future__ import annotations

from collections.abc import Iterable

from govbiz import hookimpl
from govbiz.ports.report_format import ReportFormat
from govbiz_xlsx.fmt import XlsxFormat

__all__ = ["XlsxFormat", "govbiz_report_formats"]


@hookimpl
def govbiz_report_formats() -> Iterable[ReportFormat]:
    """The `xlsx` format."""
    return [XlsxFormat()]
