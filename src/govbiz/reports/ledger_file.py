"""A ledger file (台账文件) as a clerk saved it: its sheets, and the one an import reads.

A county's workbook often starts with a hidden copy of last year's ledger,
or keeps one sheet per year; the clerk works in the sheet Excel opens on.
So the sheet read is, unless one is named (`--sheet NAME|N`):

1. the active sheet (the one Excel opens on), if it is visible;
2. else the first visible sheet.

A hidden sheet is read only when named.  The import names the sheet it
read and lists the others.

Files are recognised by their content, not their name: a zip holding a
workbook is xlsx (or ods), an OLE file is a legacy `.xls`, anything else
is text (CSV as Excel saves it on Chinese Windows, GBK; UTF-8 with or
without a byte-order mark; Excel's "Unicode text", UTF-16 with tabs).
Limits keep a hostile file from taking the machine (reading stays under
200 MB of memory): `MAX_FILE_BYTES` for the file, `MAX_UNPACKED_BYTES` for
what a zip unpacks to (checked before anything is unpacked),
`MAX_CELL_CHARS` per cell (Excel's own limit).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence

import attrs

from govbiz.ports.report_format import Cell
from govbiz.reports.import_errors import ImportRejected, RowError

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_UNPACKED_BYTES",
    "Sheet",
    "Workbook",
    "check_zip",
    "file_kind",
    "read_text_workbook",
]

#: The largest file read: a county's ledger of 20,000 rows is 1 MB as xlsx, 5 MB as CSV; a text
#: file's rows take some ten times their size in memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: The most a zipped workbook may unpack to; a zip bomb is refused before it is unpacked.  openpyxl
#: holds about 7 bytes per byte of sheet XML (15 MB of XML, a 20,000-row ledger, took 104 MB), so
#: 24 MB (some 30,000 rows) keeps a workbook read under 200 MB of memory.
MAX_UNPACKED_BYTES = 24 * 1024 * 1024
#: Excel's own limit on the characters of a cell.
MAX_CELL_CHARS = 32767

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@attrs.frozen(slots=True)
class Sheet:
    """A sheet (工作表): its name, whether Excel hides it, and its rows (row 1 first).

    A merged cell's value is in every cell of its range (filled down and across).
    """

    name: str
    rows: tuple[tuple[Cell, ...], ...]
    hidden: bool = False


@attrs.frozen(slots=True)
class Workbook:
    """The sheets of a ledger file, in order, and which one Excel opens on (`active`, 0-based)."""

    source: str
    sheets: tuple[Sheet, ...]
    active: int = 0

    def choose(self, wanted: str | int | None = None) -> Sheet:
        """The sheet an import reads: `wanted` (a name, or a 1-based number) or the one a clerk sees.

        Raises `ImportRejected` naming the sheets when `wanted` is not one of
        them, or when no sheet is visible.
        """
        if wanted is not None:
            return self._named(wanted)
        if 0 <= self.active < len(self.sheets) and not self.sheets[self.active].hidden:
            return self.sheets[self.active]
        visible = [s for s in self.sheets if not s.hidden]
        if not visible:
            raise self._refused(f"没有可见的工作表；用 --sheet 指定一个：{self._listed()}")
        return visible[0]

    def _named(self, wanted: str | int) -> Sheet:
        if isinstance(wanted, str) and wanted.strip().isdigit():  # a sheet named 2023 wins over the 2023rd
            named = [s for s in self.sheets if s.name.strip() == wanted.strip()]
            wanted = named[0].name if named else int(wanted)
        if isinstance(wanted, int):
            if 1 <= wanted <= len(self.sheets):
                return self.sheets[wanted - 1]
            raise self._refused(f"没有第{wanted}个工作表（共 {len(self.sheets)} 个）：{self._listed()}")
        for sheet in self.sheets:
            if sheet.name.strip() == wanted.strip():
                return sheet
        raise self._refused(f"没有名为「{wanted}」的工作表：{self._listed()}")

    def others(self, chosen: Sheet) -> tuple[str, ...]:
        """The names of the sheets not read, each hidden one marked （隐藏）."""
        return tuple(f"{s.name}（隐藏）" if s.hidden else s.name for s in self.sheets if s is not chosen)

    def _listed(self) -> str:
        return "、".join(
            f"{n}. {s.name}{'（隐藏）' if s.hidden else ''}" for n, s in enumerate(self.sheets, 1)
        )

    def _refused(self, reason: str) -> ImportRejected:
        return ImportRejected(self.source, [RowError(None, "", reason)])


def file_kind(data: bytes) -> str:
    """What the bytes hold: `"xlsx"`, `"ods"`, `"zip"` (another zip), `"xls"` or `"text"`."""
    if data.startswith(_OLE):
        return "xls"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype")[:100]:
                    return "ods"
        except (zipfile.BadZipFile, OSError, ValueError, KeyError):
            return "xlsx"  # a damaged workbook: `check_zip` says so
        return "xlsx" if "xl/workbook.xml" in names or "[Content_Types].xml" in names else "zip"
    return "text"


def check_zip(data: bytes, source: str) -> None:
    """Refuse a zip that unpacks to more than `MAX_UNPACKED_BYTES`, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportRejected(
            source, [RowError(None, "", f"不是完整的工作簿（zip 已损坏：{error}）")]
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        mb = MAX_UNPACKED_BYTES // (1024 * 1024)
        reason = f"解压后有 {unpacked // (1024 * 1024)} MB，超过 {mb} MB 的上限，未读取（可能是压缩炸弹）"
        raise ImportRejected(source, [RowError(None, "", reason)])


def read_text_workbook(data: bytes, source: str) -> Workbook:
    """A text file's table as a one-sheet workbook: CSV (comma) or tab-separated text.

    UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's "Unicode text")
    and GBK/GB18030 (Excel's CSV on Chinese Windows) are recognised.
    """
    text = _decode(data, source)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        rows = tuple(tuple(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ImportRejected(source, [RowError(None, "", f"不是可读的 CSV 文件：{error}")]) from None
    name = source.rsplit(".", 1)[0] if "." in source else source
    return Workbook(source, (Sheet(name, rows),))


def _decode(data: bytes, source: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                # Excel's "CSV" on Chinese Windows saves GBK (GB18030 is its superset).
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                text = ""
        if text and "\x00" not in text:
            return text
    reason = "不是表格文件：既不是 xlsx/xls/ods 工作簿，也不是 UTF-8、GBK 或 UTF-16 编码的 CSV"
    raise ImportRejected(source, [RowError(None, "", reason)])


def sheet_rows(rows: Sequence[Sequence[Cell]]) -> tuple[tuple[Cell, ...], ...]:
    """Rows as tuples (what a `Sheet` holds)."""
    return tuple(tuple(row) for row in rows)
