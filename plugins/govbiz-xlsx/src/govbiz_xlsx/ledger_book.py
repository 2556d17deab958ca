"""The ledger workbook (问题台账.xlsx): a row per problem and a summary sheet.

Laid out the way a reception-day office keeps its ledger: a title row, the
as-of line, then a header row that stays frozen with the first three
columns, an auto-filter, dates as dates (yyyy-mm-dd), each status cell
coloured (green completed, blue in hand, amber long-term, red overdue), and
print settings (A4 landscape, fit to width, header row repeated).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from govbiz.metrics.definitions import MetricKind
from govbiz.metrics.figures import MetricsResult
from govbiz.reports.ledger_table import LEDGER_COLUMNS, ColumnKind, LedgerReport
from govbiz_xlsx.styles import FONT, TONE_FILLS, body_cell, header_cell, set_value, title_cell

__all__ = ["HEADER_ROW", "ledger_workbook"]

#: The ledger's header row (a title and the as-of line are above it).
HEADER_ROW = 3
#: Columns whose text is long enough to wrap.
_WRAPPED = frozenset({"title", "description", "progress", "result", "return_visit", "enterprise"})


def ledger_workbook(report: LedgerReport) -> Workbook:
    """The ledger as a workbook: sheet 问题台账 and sheet 汇总."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "问题台账"
    _ledger_sheet(sheet, report)
    _summary_sheet(book.create_sheet("汇总"), report)
    return book


def _ledger_sheet(sheet: Worksheet, report: LedgerReport) -> None:
    last = get_column_letter(len(LEDGER_COLUMNS))
    sheet.merge_cells(f"A1:{last}1")
    title_cell(sheet["A1"], report.title)
    sheet.row_dimensions[1].height = 28
    sheet.merge_cells(f"A2:{last}2")
    set_value(sheet["A2"], f"统计时点：{report.as_of.isoformat()}　共{len(report.rows)}件")
    for n, column in enumerate(LEDGER_COLUMNS, start=1):
        header_cell(sheet.cell(HEADER_ROW, n), column.header)
        sheet.column_dimensions[get_column_letter(n)].width = column.width
    for r, row in enumerate(report.rows, start=HEADER_ROW + 1):
        for n, column in enumerate(LEDGER_COLUMNS, start=1):
            cell = sheet.cell(r, n)
            body_cell(
                cell,
                row.value(column),
                wrap=column.field in _WRAPPED,
                numeric=column.kind is ColumnKind.NUMBER,
            )
            if column.field in ("status", "overdue") and (column.field == "status" or row.overdue == "是"):
                cell.fill = TONE_FILLS[row.tone]
    # The header rows and 序号, 问题编号, 企业名称 stay in view while scrolling.
    sheet.freeze_panes = f"D{HEADER_ROW + 1}"
    end = HEADER_ROW + max(len(report.rows), 1)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{end}"
    _print_setup(sheet)


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _summary_sheet(sheet: Worksheet, report: LedgerReport) -> None:
    sheet.merge_cells("A1:F1")
    title_cell(sheet["A1"], f"{report.title} 汇总", size=14)
    set_value(sheet["A2"], f"统计时点：{report.as_of.isoformat()}")
    row = 4
    for result in report.summary:
        row = write_result_table(sheet, result, row) + 2
    sheet.column_dimensions["A"].width = 18
    for letter in "BCDEF":
        sheet.column_dimensions[letter].width = 12


def write_result_table(sheet: Worksheet, result: MetricsResult, top: int) -> int:
    """A grouped result as a table (groups x metrics) with each metric's definition right below it.

    Returns the last row used.
    """
    label = result.grouping_label_zh or "分组"
    set_value(sheet.cell(top, 1), f"按{label}统计")
    sheet.cell(top, 1).font = Font(name=FONT, bold=True)
    header = top + 1
    header_cell(sheet.cell(header, 1), label)
    for n, definition in enumerate(result.definitions, start=2):
        header_cell(sheet.cell(header, n), definition.name_zh)
    row = header
    for group in (*result.groups, result.total):
        row += 1
        body_cell(sheet.cell(row, 1), group.label)
        for n, definition in enumerate(result.definitions, start=2):
            figure = group.figure(definition.name)
            value: object = figure.text() if definition.kind is MetricKind.RATE else len(figure.numerator)
            body_cell(sheet.cell(row, n), value, numeric=True)
    for definition in result.definitions:  # every figure's definition, right under its table
        row += 1
        set_value(sheet.cell(row, 1), f"{definition.name_zh}口径：{definition.statement_zh()}")
    return row
