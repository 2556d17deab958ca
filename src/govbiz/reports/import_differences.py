"""What a re-imported row says differently from what was imported (与已导入内容不同).

Importing a file again registers nothing twice: a row matches the problem
it brought in (same enterprise, problem, description and collection day).
But a clerk may have changed the row since: another category, 是否办结 now
是, a later 办结时间.  The import changes nothing then (the ledger's record
is the one that counts, and what happened since is recorded in govbiz as
events); it reports each such cell as a `Difference`, in the dry run and
the real run alike, so nothing is changed or dropped silently.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Difference"]


@attrs.frozen(slots=True)
class Difference:
    """A cell of a re-imported row that differs from the imported problem (nothing was changed).

    `column` is the header as the file writes it and `letter` its column;
    `old` is what the ledger holds, `new` what the file says now, both as a
    clerk reads them (`""` for nothing).
    """

    row: int
    column: str
    old: str
    new: str
    letter: str = ""
    problem_id: str = ""

    def __str__(self) -> str:
        cell = (f"{self.letter}列" if self.letter else "") + f"「{self.column}」"
        old, new = self.old or "（空）", self.new or "（空）"
        return f"第{self.row}行 {cell}：已导入为 {old!r}，文件现为 {new!r}（问题 {self.problem_id}，未更改）"

    def to_dict(self) -> dict[str, Any]:
        """The difference as JSON data: row, column letter, header, old and new value, problem, message."""
        return {
            "row": self.row, "letter": self.letter, "column": self.column, "old": self.old, "new": self.new,
            "problem_id": self.problem_id, "message": str(self),
        }  # fmt: skip
