"""The `xlsx` report format: writes workbooks and reads a ledger sheet back."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import TYPE_CHECKING

from govbiz.errors import ValidationError
from govbiz.ports.report_format import Cell, Report
from govbiz.reports.ledger_table import LedgerReport
from govbiz.reports.report import MetricsReport

if TYPE_CHECKING:
    from govbiz.reports.ledger_file import Workbook

__all__ = ["LEDGER_SHEET", "XlsxFormat"]

#: The sheet `read_rows` prefers when a workbook has several.
LEDGER_SHEET = "问题台账"


class XlsxFormat:
    """Excel workbook (`.xlsx`), written and read with openpyxl."""

    name = "xlsx"
    suffix = ".xlsx"
    #: What `read_workbook` reads (told by content: a renamed file is read for what it is).
    reads = (".xlsx", ".xlsm", ".xls", ".ods")

    def render(self, report: Report) -> bytes:
        """A `LedgerReport` as the ledger workbook, a `MetricsReport` as the report workbook."""
        if isinstance(report, LedgerReport):
            from govbiz_xlsx.ledger_book import ledger_workbook

            book = ledger_workbook(report)
        elif isinstance(report, MetricsReport):
            from govbiz_xlsx.metrics_book import metrics_workbook

            book = metrics_workbook(report)
        else:
            raise ValidationError(
                "report", type(report).__name__, "xlsx renders a LedgerReport or a MetricsReport"
            )
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def read_rows(self, data: bytes) -> list[tuple[Cell, ...]]:
        """The rows of the 问题台账 sheet (or the first sheet), cell values as stored (no formulas run)."""
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises zipfile, KeyError, InvalidFileException ...
            raise ValidationError("file", "xlsx", f"not a readable xlsx workbook: {error}") from error
        try:
            sheet = book[LEDGER_SHEET] if LEDGER_SHEET in book.sheetnames else book.worksheets[0]
            return [tuple(_cell(v) for v in row) for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()


    def read_workbook(self, data: bytes, source: str) -> Workbook:
        """Every sheet of an xlsx, xls or ods workbook, hidden ones marked, merged cells filled."""
        from govbiz_xlsx.reading import read_workbook

        return read_workbook(data, source)


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | datetime | date):
        return value
    return str(value)
