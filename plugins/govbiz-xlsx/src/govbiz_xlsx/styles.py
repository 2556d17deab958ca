"""The look of govbiz workbooks: fonts, fills and formats an office expects."""

from __future__ import annotations

from datetime import date

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from govbiz.metrics.figures import Figure
from govbiz.reports.cells import printable
from govbiz.reports.instants import readable_instant
from govbiz.reports.ledger_table import StatusTone

__all__ = [
    "DATE_FORMAT",
    "HEADER_FILL",
    "TONE_FILLS",
    "body_cell",
    "figure_cell",
    "header_cell",
    "landscape_fit_to_width",
    "number_format",
    "readable_instant",
    "set_value",
    "title_cell",
]

#: What a sheet hands out for a position (a merged range's other cells are `MergedCell`s).
AnyCell = Cell | MergedCell
#: Dates as Chinese offices write them in ledgers: 2025-03-31.
DATE_FORMAT = "yyyy-mm-dd"
#: 宋体 is what printed government tables use; spreadsheet programs substitute a CJK font if absent.
FONT = "宋体"
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
#: Status colours (light fills, readable in black and white print too).
TONE_FILLS: dict[StatusTone, PatternFill] = {
    StatusTone.DONE: PatternFill("solid", fgColor="C6EFCE"),
    StatusTone.ACTIVE: PatternFill("solid", fgColor="DDEBF7"),
    StatusTone.LONG_TERM: PatternFill("solid", fgColor="FFEB9C"),
    StatusTone.OVERDUE: PatternFill("solid", fgColor="FFC7CE"),
    StatusTone.WAITING: PatternFill("solid", fgColor="EDEDED"),
    StatusTone.ENDED: PatternFill("solid", fgColor="EDEDED"),
}


def set_value(cell: AnyCell, value: object) -> None:
    """Put `value` in `cell`: text as a string cell exactly as written, dates formatted.

    A string cell of an xlsx file is never a formula: Excel and LibreOffice
    evaluate only a cell's `<f>` element, which govbiz never writes.  So
    text is stored as it is ("-5万元差额", "=HYPERLINK(...)" alike), with no
    apostrophe (a CSV file, which has no cell types, still gets one:
    `govbiz.reports.cells`).  A control character that XML cannot hold
    (stored by an earlier govbiz) is shown as U+FFFD rather than making
    openpyxl refuse the workbook.
    """
    if isinstance(value, str):
        # openpyxl would store a string starting with "=" as a formula: the type says it is text.
        cell.value = printable(value)
        cell.data_type = "s"
    else:
        cell.value = value  # type: ignore[assignment]
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT


def number_format(figure: Figure) -> str:
    """The number format of a figure by its definition's rounding: 0.0% for a rate, 0.0 or 0 otherwise."""
    rounding = figure.definition.rounding
    decimals = "." + "0" * rounding.places if rounding.places else ""
    return f"0{decimals}%" if rounding.percent else f"0{decimals}"


def figure_cell(cell: AnyCell, figure: Figure) -> None:
    """A figure stored as a number, rounded as its definition says, shown with its number format.

    A rate is stored as its ratio (0.643 for 64.3%) so a spreadsheet sums,
    sorts and charts it; an undefined figure (nothing to divide by) is the
    text —, as every other format prints it.
    """
    value = figure.value
    if value is None:
        body_cell(cell, "—", numeric=True)
        return
    rounding = figure.definition.rounding
    whole = not rounding.percent and not rounding.places
    body_cell(cell, int(value) if whole else float(value / 100 if rounding.percent else value), numeric=True)
    cell.number_format = number_format(figure)


def title_cell(cell: AnyCell, text: str, size: int = 16) -> None:
    """A sheet title: large and bold, centred."""
    set_value(cell, text)
    cell.font = Font(name=FONT, size=size, bold=True)
    cell.alignment = Alignment(horizontal="center", vertical="center")


def header_cell(cell: AnyCell, text: str) -> None:
    """A table header: bold on a blue-grey fill, bordered, wrapped."""
    set_value(cell, text)
    cell.font = Font(name=FONT, size=11, bold=True)
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def body_cell(cell: AnyCell, value: object, *, wrap: bool = False, numeric: bool = False) -> None:
    """A table body cell: bordered, wrapped if long, numbers to the right."""
    set_value(cell, value)
    cell.font = Font(name=FONT, size=10)
    cell.border = BORDER
    horizontal = "right" if numeric else ("center" if isinstance(value, date) else "left")
    cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=wrap)


def landscape_fit_to_width(
    sheet: Worksheet, title_rows: str = "", *, paper: str = "A4", landscape: bool = True
) -> None:
    """Print `sheet` one page wide on `paper` (A4 or A3), as long as it takes, `title_rows` (3:3) repeated."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3 if paper == "A3" else sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
