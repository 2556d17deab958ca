"""The supervision circular (督查通报) as a sheet of the report workbook, when the report carries one.

The circular is the document `govbiz document circular` writes (its text
from `govbiz.documents.circular_document`): the title, the addressees, each
heading and paragraph on a row of its own across the page, each table as
cells (numbers right-aligned), and the annex with every rate's definition.
It prints A4 portrait, one page wide.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govbiz.documents import DocumentSettings, Heading, Paragraph, Table, circular_document
from govbiz.documents.model import Block
from govbiz.metrics.facts import local_day
from govbiz.reports.report import MetricsReport
from govbiz_xlsx.styles import FONT, body_cell, header_cell, landscape_fit_to_width, set_value, title_cell

__all__ = ["circular_sheet"]

_COLUMNS = 6
#: Characters of a row across the sheet's six columns, for the height of a wrapped paragraph.
_ACROSS = 48


def circular_sheet(sheet: Worksheet, report: MetricsReport) -> None:
    """Write the report's circular into `sheet`."""
    assert report.circular is not None
    settings = DocumentSettings.default(report.county_name or report.county or "", local_day(report.as_of))
    document = circular_document(report.circular, settings)
    for n, width in enumerate((18, 30, 14, 16, 12, 10), start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    row = _across(sheet, 1, document.title)
    title_cell(sheet.cell(1, 1), document.title, size=14)
    sheet.row_dimensions[1].height = 40
    row = _across(sheet, row + 2, document.addressee_line())
    row = _blocks(sheet, row + 1, document.body)
    for annex in document.annexes:
        row = _across(sheet, row + 2, f"附件：{annex.title}", bold=True)
        row = _blocks(sheet, row + 1, annex.blocks)
    landscape_fit_to_width(sheet, "", landscape=False)


def _blocks(sheet: Worksheet, row: int, blocks: tuple[Block, ...]) -> int:
    for block in blocks:
        if isinstance(block, Table):
            row = _table(sheet, row, block)
        elif isinstance(block, Heading):
            row = _across(sheet, row, block.text, bold=True) + 1
        elif isinstance(block, Paragraph):
            row = _across(sheet, row, "　　" + block.text) + 1
    return row


def _across(sheet: Worksheet, row: int, text: str, *, bold: bool = False) -> int:
    """`text` merged across the sheet's columns on `row`, wrapped, the row tall enough; returns `row`."""
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=_COLUMNS)
    cell = sheet.cell(row, 1)
    set_value(cell, text)
    cell.font = Font(name=FONT, size=11, bold=bold)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    lines = max(1, -(-len(text) // _ACROSS))
    sheet.row_dimensions[row].height = 15 * lines + 2
    return row


def _table(sheet: Worksheet, row: int, table: Table) -> int:
    for n, header in enumerate(table.headers, start=1):
        header_cell(sheet.cell(row, n), header)
    for cells in table.rows:
        row += 1
        for n, text in enumerate(cells, start=1):
            numeric = n - 1 in table.numeric
            value: object = int(text) if numeric and text.isdigit() else text
            body_cell(sheet.cell(row, n), value, wrap=True, numeric=numeric)
        lines = max(len(c.splitlines()) for c in cells)
        sheet.row_dimensions[row].height = 14 * max(lines, 1) + 2
    return row + 2
