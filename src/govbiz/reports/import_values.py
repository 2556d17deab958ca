"""Reading a ledger's cells as a clerk typed them (台账取值): dates and credit codes.

Dates come in every style: a date cell, an Excel serial number (45016),
2023-03-31, 2023/3/29, 2023.3.31, 2023年3月31日, 20230331, full-width
２０２３．３．３１, with a time after it, or without a year (3月31日, 3.31,
3/31) when the title says 2023年.  `read_day` reads them all and refuses
what cannot be a collection day: before 2000, after the file's year, or an
Excel artefact (a cell holding 15 shown as a date is 1900-01-14).

A problem cell often holds the enterprise's whole account, over several
lines (Alt+Enter): `title_and_description` keeps it whole as the
description and cuts a title from it at a clause boundary.

Credit codes (统一社会信用代码) are normalised (full-width characters, spaces,
line breaks, lower case); `read_code` says whether a code is valid, missing
(无, /), truncated by Excel to 15 significant digits, or invalid, so that the
import can register the enterprise as 待核实 instead of refusing the row.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, datetime, timedelta

import attrs

from govbiz.domain.credit_code import validate_credit_code
from govbiz.errors import ValidationError
from govbiz.metrics.facts import local_day
from govbiz.ports.report_format import Cell

__all__ = [
    "TITLE_CHARS",
    "CodeReading",
    "CodeStatus",
    "DayReading",
    "read_code",
    "read_day",
    "shown",
    "title_and_description",
]

#: Excel's day 0 in the 1900 date system (Excel counts 1900-02-29, hence the 30th).
EXCEL_EPOCH = date(1899, 12, 30)
#: The earliest collection day an import accepts.
EARLIEST = date(2000, 1, 1)

_FULL = re.compile(
    r"^(\d{4}|\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*[T ]?\s*\d{1,2}[:：]\d{2}.*)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NO_YEAR = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")


def shown(value: Cell) -> str:
    """A cell as the clerk sees it (a whole number without `.0`, a date as 2023-03-31)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


@attrs.frozen(slots=True)
class DayReading:
    """A cell read as a day: `day`, or `reason` it is not one (in Chinese)."""

    day: date | None
    reason: str = ""


def read_day(
    value: Cell, *, year: int | None, latest: date, what: str = "收集日期", within_year: bool = True
) -> DayReading:
    """The collection day a cell holds, or why not.

    `year` is the year of dates written without one (from `--year` or the
    title row); `latest` the last plausible day (the end of the file's year,
    or today).  `what` names the day in the reasons (a 办结时间 is read the
    same way); with `within_year` false a day after the file's year is
    accepted (a 2023 problem completed in 2024).
    """
    day, reason = _parse(value, year)
    if day is None:
        return DayReading(None, reason)
    said = "" if shown(value) == day.isoformat() else f"即 {day.isoformat()}，"
    if day.year == 1900 or (day < EARLIEST and isinstance(value, datetime | date | int | float)):
        serial = (day - EXCEL_EPOCH).days
        return DayReading(
            None, f"是 Excel 把数字 {serial} 当成日期显示的 {day.isoformat()}，不是{what}；请填写实际日期"
        )
    if day < EARLIEST:
        return DayReading(None, f"{said}早于 {EARLIEST.isoformat()}，不可能是{what}")
    if within_year and year is not None and day.year > year:
        return DayReading(None, f"{said}晚于台账的年份 {year}年，不可能是{what}")
    if day > latest:
        return DayReading(None, f"{said}在今天（{latest.isoformat()}）之后，不可能是{what}")
    return DayReading(day)


def _parse(value: Cell, year: int | None) -> tuple[date | None, str]:
    if isinstance(value, datetime):
        return (local_day(value) if value.tzinfo else value.date()), ""
    if isinstance(value, date):
        return value, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value, year)
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if text.isdigit() and len(text) == 5:  # a serial number as a CSV writes it
        return _parse(int(text), year)
    return _text_day(text, year) if text else (None, "为空")


def _number(value: float, year: int | None) -> tuple[date | None, str]:
    """A number cell: 20230331 typed as a number, or an Excel serial (days since 1899-12-30)."""
    if 19000101 <= value <= 21001231 and float(value).is_integer():
        return _text_day(str(int(value)), year)
    if 1 <= value < 2958466:
        return EXCEL_EPOCH + timedelta(days=int(value)), ""
    return None, "不是日期"


def _text_day(text: str, year: int | None) -> tuple[date | None, str]:
    for pattern in (_FULL, _COMPACT):
        match = pattern.match(text)
        if match:
            y = int(match[1])
            return _date(y + 2000 if len(match[1]) == 2 else y, int(match[2]), int(match[3]))
    match = _NO_YEAR.match(text)
    if match:
        if year is None:
            return None, "没有年份；用 --year 指定，或在标题行写明年份（如 2023年）"
        return _date(year, int(match[1]), int(match[2]))
    return None, "不是日期（可写 2023-03-31、2023/3/31、2023.3.31、2023年3月31日 或 20230331）"


def _date(y: int, m: int, d: int) -> tuple[date | None, str]:
    try:
        return date(y, m, d), ""
    except ValueError:
        return None, f"没有 {y}年{m}月{d}日 这一天"


class CodeStatus(enum.StrEnum):
    """What a credit-code cell holds."""

    VALID = "valid"
    MISSING = "missing"
    TRUNCATED = "truncated"
    INVALID = "invalid"


@attrs.frozen(slots=True)
class CodeReading:
    """A credit-code cell read: its status, the normalised code when valid, the value as written, why."""

    status: CodeStatus
    code: str
    written: str
    reason: str = ""


_PLACEHOLDERS = {
    "",
    "无",
    "暂无",
    "没有",
    "/",
    "-",
    "--",
    "—",
    "——",
    "空",
    "null",
    "none",
    "n/a",
    "na",
    "待补充",
    "待核实",
}
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?e\+?\d+$", re.IGNORECASE)


def read_code(value: Cell) -> CodeReading:
    """A credit-code cell: valid (normalised), missing, truncated by Excel, or invalid (with the reason)."""
    if (isinstance(value, float) and not value.is_integer()) or (isinstance(value, float) and value >= 1e15):
        written = f"{value:.15G}"  # as Excel shows it: 9.14308009935633E+17
        return CodeReading(CodeStatus.TRUNCATED, "", written, _TRUNCATED)
    written = shown(value)
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", written)).upper()
    if compact.lower() in _PLACEHOLDERS:
        return CodeReading(
            CodeStatus.MISSING, "", written, "未填写统一社会信用代码" if not compact else "写的是占位符"
        )
    if _SCIENTIFIC.match(compact) or (compact.isdigit() and len(compact) == 18 and compact.endswith("000")
                                      and _invalid(compact)):  # fmt: skip
        return CodeReading(CodeStatus.TRUNCATED, "", written, _TRUNCATED)
    try:
        return CodeReading(CodeStatus.VALID, validate_credit_code(compact), written)
    except ValidationError as error:
        return CodeReading(CodeStatus.INVALID, "", written, _chinese(error.reason))


_TRUNCATED = "被 Excel 当成数字截断为 15 位有效数字，原代码已丢失；请把该列设为文本后重新填写"


def _invalid(code: str) -> bool:
    try:
        validate_credit_code(code)
    except ValidationError:
        return True
    return False


def _chinese(reason: str) -> str:
    """The credit-code check's reason in Chinese (the common ones)."""
    if "has 18 characters" in reason:
        return "统一社会信用代码应为 18 位，" + reason.rsplit("not ", 1)[-1].join(["此处为 ", " 位"])
    check = re.search(r"is '(.)' but should be '(.)'", reason)
    if check:
        return f"校验位（第18位）应为 {check[2]}，不是 {check[1]}：有字符抄错了"
    if "is not allowed" in reason:
        return "含不允许的字符（统一社会信用代码不用 I、O、Z、S、V）"
    if "administrative division" in reason:
        return "第3–8位应为行政区划代码（数字）"
    return reason


#: The longest title an import keeps as written; a longer problem text is cut (the whole kept as description).
TITLE_CHARS = 40
_SENTENCE_ENDS = "。；;！!？?"
_CLAUSE_ENDS = "，,：:、"


def title_and_description(text: str, description: str) -> tuple[str, str]:
    """A problem cell as (title, description): a long or several-line text is cut at a clause boundary.

    The whole text is kept: it becomes the description (before the file's own
    description, if there is one).  The title is its first line, cut after the
    last sentence end (。；！？) within `TITLE_CHARS` characters, else the last
    comma or 、, else at `TITLE_CHARS` with an ellipsis.
    """
    if "\n" not in text and "\r" not in text and len(text) <= TITLE_CHARS:
        return text, description
    first = next((line.strip() for line in text.splitlines() if line.strip()), text.strip())
    title = first if len(first) <= TITLE_CHARS else _cut(first)
    whole = text.strip()
    kept = whole if not description or whole in description else f"{whole}\n{description}"
    return title, kept


def _cut(line: str) -> str:
    head = line[:TITLE_CHARS]
    for ends in (_SENTENCE_ENDS, _CLAUSE_ENDS):
        at = max(head.rfind(ch) for ch in ends)
        if at >= TITLE_CHARS // 4:
            return head[:at].rstrip()
    return head[: TITLE_CHARS - 1].rstrip() + "…"
