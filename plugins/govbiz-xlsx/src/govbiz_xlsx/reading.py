"""Reading a ledger workbook (读取台账工作簿): every sheet, hidden or not, merged cells filled.

`.xlsx` is read with openpyxl (which knows hidden sheets, the active sheet
and merged ranges); `.xls` (Excel 97–2003) and `.ods` (LibreOffice, WPS)
with python-calamine.  A merged cell's value is put in every cell of its
range, so a ledger whose enterprise or date cell spans several problem rows
reads as if the clerk had typed it in each.  A zip is checked before it is
unpacked (`govbiz.reports.ledger_file.check_zip`); any other failure of the
library is reported as an unreadable file, never as a traceback.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from govbiz.ports.report_format import Cell
from govbiz.reports.import_errors import ImportRejected, RowError
from govbiz.reports.ledger_file import Sheet, Workbook, check_zip, file_kind

__all__ = ["read_workbook"]

_NAMES = {"xlsx": "xlsx 工作簿", "xls": "xls 工作簿（Excel 97–2003）", "ods": "ods 工作簿"}


def read_workbook(data: bytes, source: str) -> Workbook:
    """Every sheet of the workbook `data` (xlsx, xls or ods, told by content); `source` names it."""
    kind = file_kind(data)
    if kind not in _NAMES:
        raise ImportRejected(source, [RowError(None, "", "不是可读的工作簿（xlsx、xls 或 ods）")])
    if kind in ("xlsx", "ods"):
        check_zip(data, source)
    try:
        return _openpyxl(data, source) if kind == "xlsx" else _calamine(data, source)
    except ImportRejected:
        raise
    except Exception as error:
        reason = f"不是可读的{_NAMES[kind]}：{type(error).__name__}: {str(error)[:200]}"
        raise ImportRejected(source, [RowError(None, "", reason)]) from None


def _openpyxl(data: bytes, source: str) -> Workbook:
    from openpyxl import load_workbook

    # Not read-only: merged ranges are known only to a fully loaded sheet; a zip bomb was refused above.
    book = load_workbook(io.BytesIO(data), data_only=True)
    try:
        sheets = []
        for sheet in book.worksheets:
            rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            ranges = [
                (r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in sheet.merged_cells
            ]
            sheets.append(Sheet(sheet.title, _filled(rows, ranges), hidden=sheet.sheet_state != "visible"))
        active = book.worksheets.index(book.active) if book.active in book.worksheets else 0
    finally:
        book.close()
    return Workbook(source, tuple(sheets), active)


def _calamine(data: bytes, source: str) -> Workbook:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    ods = _ods_merges(data) if file_kind(data) == "ods" else {}
    try:
        sheets = []
        for meta in book.sheets_metadata:
            sheet = book.get_sheet_by_name(meta.name)
            start = sheet.start or (0, 0)
            rows = [
                [None] * start[1] + [_cell(v) for v in row] for row in sheet.to_python(skip_empty_area=False)
            ]
            rows = [[None]] * start[0] + rows if start[0] and rows else rows
            ranges = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])] or ods.get(
                meta.name, []
            )
            hidden = meta.visible != SheetVisibleEnum.Visible
            sheets.append(Sheet(meta.name, _filled(rows, ranges), hidden=hidden))
    finally:
        book.close()
    return Workbook(source, tuple(sheets), 0)


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_merges(data: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """Each ods sheet's merged ranges (python-calamine gives none for ods), from content.xml's spans."""
    from xml.etree.ElementTree import iterparse

    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    ranges: list[tuple[int, int, int, int]] = []
    row, col = -1, 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as content:
        for event, element in iterparse(content, events=("start", "end")):
            tag = element.tag
            if event == "start" and tag == f"{_TABLE}table":
                ranges = merges.setdefault(element.get(f"{_TABLE}name", ""), [])
                row = -1
            elif event == "start" and tag == f"{_TABLE}table-row":
                row, col = row + 1, 0
            elif event == "start" and tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
                across = int(element.get(f"{_TABLE}number-columns-spanned", "1"))
                down = int(element.get(f"{_TABLE}number-rows-spanned", "1"))
                if across > 1 or down > 1:
                    ranges.append((row, col, row + down - 1, col + across - 1))
                col += int(element.get(f"{_TABLE}number-columns-repeated", "1"))
            elif event == "end" and tag == f"{_TABLE}table-row":
                row += int(element.get(f"{_TABLE}number-rows-repeated", "1")) - 1
                element.clear()
    return merges


def _filled(
    rows: list[list[Cell]], ranges: Iterable[tuple[int, int, int, int]]
) -> tuple[tuple[Cell, ...], ...]:
    """`rows` with each merged range's top-left value in all its cells (0-based, inclusive bounds)."""
    for top, left, bottom, right in ranges:
        if top >= len(rows):
            continue
        value = rows[top][left] if left < len(rows[top]) else None
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= right:
                row.extend([None] * (right + 1 - len(row)))
            for c in range(left, right + 1):
                row[c] = value
    return tuple(tuple(row) for row in rows)


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float | datetime | date):
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value if value != "" else None
    if isinstance(value, time):  # a time-only cell: a clerk's typo, shown as written
        return value.isoformat()
    return str(value)
