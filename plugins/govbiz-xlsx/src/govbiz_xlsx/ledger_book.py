"""The ledger workbook (问题台账.xlsx): a row per problem and a summary sheet.

Laid out the way a reception-day office keeps its ledger: a title row, the
as-of line, then a header row that stays frozen with the first three
columns, an auto-filter, dates as dates (yyyy-mm-dd), each status cell
coloured (green completed, blue in hand, amber long-term, red overdue), and
print settings: A3 landscape one page wide, the header row repeated on every
page.  Its 21 columns are narrower for print than on screen would need
(`PRINT_WIDTHS`: long texts wrap instead), so the page is scaled to about
70 % and 10 pt text prints at about 7 pt; each row is as tall as its longest
wrapped cell needs, so no text is cut or runs into the next row.  The
summary sheet prints on its own page, A4 portrait one page wide; its rates
are numbers with a percentage format, each followed by its fraction.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govbiz.metrics.figures import MetricsResult
from govbiz.reports.ledger_table import LEDGER_COLUMNS, ColumnKind, LedgerReport
from govbiz_xlsx.styles import (
    FONT,
    TONE_FILLS,
    body_cell,
    figure_cell,
    header_cell,
    landscape_fit_to_width,
    readable_instant,
    set_value,
    title_cell,
)

__all__ = ["HEADER_ROW", "PRINT_WIDTHS", "ledger_workbook", "row_height"]

#: The ledger's header row (a title and the as-of line are above it).
HEADER_ROW = 3
#: Columns whose text is long enough to wrap.
_WRAPPED = frozenset({"title", "description", "progress", "result", "return_visit", "enterprise", "session",
                      "co_handlers", "lead"})  # fmt: skip
#: Column widths for print (characters of the default font), where they differ from the screen's.
PRINT_WIDTHS = {"enterprise": 18, "credit_code": 19, "title": 20, "description": 28, "session": 14,
                "lead": 12, "co_handlers": 12, "status": 10, "progress": 24, "result": 24,
                "return_visit": 18, "problem_id": 15}  # fmt: skip
#: Points a line of 10 pt 宋体 takes in a row, and the most a row may be (Excel's limit).
_LINE = 13.5
_MAX_HEIGHT = 409


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
    set_value(sheet["A2"], f"统计时点：{readable_instant(report.as_of)}　共{len(report.rows)}件")
    for n, column in enumerate(LEDGER_COLUMNS, start=1):
        header_cell(sheet.cell(HEADER_ROW, n), column.header)
        sheet.column_dimensions[get_column_letter(n)].width = PRINT_WIDTHS.get(column.field, column.width)
    sheet.row_dimensions[HEADER_ROW].height = 2 * _LINE + 4
    for r, row in enumerate(report.rows, start=HEADER_ROW + 1):
        texts = {}
        for n, column in enumerate(LEDGER_COLUMNS, start=1):
            cell = sheet.cell(r, n)
            value = row.value(column)
            if column.field in _WRAPPED and isinstance(value, str):
                texts[column.field] = value
            body_cell(
                cell,
                row.value(column),
                wrap=column.field in _WRAPPED,
                numeric=column.kind is ColumnKind.NUMBER,
            )
            if column.field in ("status", "overdue") and (column.field == "status" or row.overdue == "是"):
                cell.fill = TONE_FILLS[row.tone]
        sheet.row_dimensions[r].height = row_height(texts)
    # The header rows and 序号, 问题编号, 企业名称 stay in view while scrolling.
    sheet.freeze_panes = f"D{HEADER_ROW + 1}"
    end = HEADER_ROW + max(len(report.rows), 1)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{end}"
    landscape_fit_to_width(sheet, f"{HEADER_ROW}:{HEADER_ROW}", paper="A3")


def row_height(texts: dict[str, str]) -> float:
    """Points a ledger row needs for its wrapped texts: the most lines any of them takes, at 13.5 pt a line.

    A Chinese character takes about two units of a column's width, a Latin
    letter or digit one; an explicit line break starts a line.
    """
    lines = 1
    for field, text in texts.items():
        width = next(PRINT_WIDTHS.get(c.field, c.width) for c in LEDGER_COLUMNS if c.field == field)
        usable = max(width - 1, 1)
        count = sum(-(-max(_units(part), 1) // usable) for part in text.splitlines() or [""])
        lines = max(lines, count)
    return min(lines * _LINE + 3, _MAX_HEIGHT)


def _units(text: str) -> int:
    return sum(1 if ord(c) < 0x2E80 else 2 for c in text)


def _summary_sheet(sheet: Worksheet, report: LedgerReport) -> None:
    sheet.merge_cells("A1:F1")
    title_cell(sheet["A1"], f"{report.title} 汇总", size=14)
    set_value(sheet["A2"], f"统计时点：{readable_instant(report.as_of)}")
    row = 4
    widest = 1
    from govbiz_xlsx.metrics_book import metric_columns

    for result in report.summary:
        row = write_result_table(sheet, result, row) + 2
        widest = max(widest, 1 + len(metric_columns(result)))
    sheet.column_dimensions["A"].width = 18
    for n in range(2, widest + 1):
        sheet.column_dimensions[get_column_letter(n)].width = 11
    # Its own page: A4 portrait, one page wide; the definitions under each table wrap, not the page.
    landscape_fit_to_width(sheet, "", landscape=False)


def write_result_table(sheet: Worksheet, result: MetricsResult, top: int) -> int:
    """A grouped result as a table (groups x metrics) with each metric's definition right below it.

    A rate is a number formatted as a percentage, followed by its 分子/分母.
    Returns the last row used.
    """
    from govbiz_xlsx.metrics_book import metric_columns

    label = result.grouping_label_zh or "分组"
    set_value(sheet.cell(top, 1), f"按{label}统计")
    sheet.cell(top, 1).font = Font(name=FONT, bold=True)
    header = top + 1
    header_cell(sheet.cell(header, 1), label)
    columns = metric_columns(result)
    for n, (definition, fraction) in enumerate(columns, start=2):
        header_cell(sheet.cell(header, n), "分子/分母" if fraction else definition.name_zh)
    row = header
    for group in (*result.groups, result.total):
        row += 1
        body_cell(sheet.cell(row, 1), group.label)
        for n, (definition, fraction) in enumerate(columns, start=2):
            figure = group.figure(definition.name)
            if fraction:
                body_cell(sheet.cell(row, n), figure.fraction_text(), numeric=True)
            else:
                figure_cell(sheet.cell(row, n), figure)
    last = get_column_letter(max(len(columns) + 1, 6))
    for definition in result.definitions:  # every figure's definition, right under its table
        row += 1
        sheet.merge_cells(f"A{row}:{last}{row}")
        cell = sheet.cell(row, 1)
        set_value(cell, f"{definition.name_zh}口径：{definition.statement_zh()}")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 3 * _LINE
    return row
