"""Why a ledger file, or a row of it, is not imported (导入错误), in the file's own words.

A clerk fixes a file by looking at it in Excel, so an error names what
Excel shows: the row number, the column letter, the header as the file
writes it (not govbiz's field name) and the value in the cell, in Chinese:

    第7行 D列「问题类别」：'土地规划类' 不是本县的类别；可选 土地规划、融资 …，或用 --value 设别名
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from govbiz.errors import GovbizError

__all__ = ["ImportRejected", "RowError", "column_letter"]


def column_letter(index: int) -> str:
    """The letter Excel shows above the 0-based column `index`: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@attrs.frozen(slots=True)
class RowError:
    """A reason a row (or the whole file, `row` `None`) cannot be imported, or a warning about it.

    `column` is the header as the file writes it, `letter` the column letter
    (`D`), `value` the cell as written (`None` when the reason is not about
    one cell's value).
    """

    row: int | None
    column: str
    reason: str
    letter: str = ""
    value: str | None = None

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row is not None else "文件"
        cell = (f"{self.letter}列" if self.letter else "") + (f"「{self.column}」" if self.column else "")
        said = f"{self.value!r} {self.reason}" if self.value is not None else self.reason
        return f"{where} {cell}：{said}" if cell else f"{where}：{said}"

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON data: row, column letter, header, value, reason and the message."""
        return {
            "row": self.row, "letter": self.letter, "column": self.column, "value": self.value,
            "reason": self.reason, "message": str(self),
        }  # fmt: skip


class ImportRejected(GovbizError, ValueError):
    """The file was not imported (nothing was stored): `errors` lists every bad row."""

    def __init__(self, source: str, errors: Sequence[RowError]) -> None:
        self.source = source
        self.errors = tuple(errors)
        lines = "\n".join(f"  {e}" for e in self.errors)
        # 错误, not "问题": a problem (问题) is what the ledger records for an enterprise
        super().__init__(f"{source}：{len(self.errors)} 处错误，未导入任何内容：\n{lines}")
