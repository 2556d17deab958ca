"""Reports: figures rendered into the formats offices read."""

from govbiz.reports.format import Report, ReportFormat

__all__ = ["Report", "ReportFormat"]
