"""Reports (统计报表与问题台账): figures and the ledger rendered into the formats offices read.

Usage::

    from govbiz.plugins import report_formats
    from govbiz.reports import build_metrics_report

    report = build_metrics_report(ledger, viewer, as_of=as_of, county="430800")
    html = report_formats()["html"].render(report)      # bytes of one offline HTML file

A report is a `MetricsReport` (totals, breakdowns by department, category
and month, the overdue trend, optionally a circular) or a `LedgerReport`
(the problem ledger, 问题台账, a row per problem).  Formats are plugins:
Markdown, JSON, CSV and HTML are built in, xlsx comes with `govbiz-xlsx`.
`import_ledger` reads an existing ledger (CSV, or xlsx with the plugin)
into the ledger, all rows or none.
"""

from govbiz.ports.report_format import Cell, Report, ReportFormat, TableReader
from govbiz.reports.cells import neutralise, restore
from govbiz.reports.ledger_table import LEDGER_COLUMNS, Column, LedgerReport, LedgerRow, build_ledger_report
from govbiz.reports.report import (
    DEFAULT_GROUPINGS,
    REPORT_METRICS,
    MetricsReport,
    ReportSection,
    TrendPoint,
    build_metrics_report,
)

__all__ = [
    "DEFAULT_GROUPINGS",
    "LEDGER_COLUMNS",
    "REPORT_METRICS",
    "Cell",
    "Column",
    "LedgerReport",
    "LedgerRow",
    "MetricsReport",
    "Report",
    "ReportFormat",
    "ReportSection",
    "TableReader",
    "TrendPoint",
    "build_ledger_report",
    "build_metrics_report",
    "neutralise",
    "restore",
]
