"""The report-format port, where plugins have always imported it: see `govbiz.ports.report_format`."""

from govbiz.ports.report_format import (
    Cell,
    Report,
    ReportFormat,
    TableReader,
)

__all__ = [
    "Cell",
    "Report",
    "ReportFormat",
    "TableReader",
]
