"""The layout of a ledger sheet (台账版式): where its header is, and which rows are problems.

A clerk's sheet is more than a table.  Above the header: a title row merged
across the sheet (2023年政企面对面问题台账) and a line for the filling unit.
The header may take two rows, with group headers merged over their columns
(企业信息 over 企业名称 and 统一社会信用代码).  Between the problems: section
rows (一、土地规划类（5件）), blank spacer rows.  At the end: a 合计 row and
the 填表人/审核人 line.  `find_layout` finds the header row(s) and sorts
every other row into a problem row or a skipped one, with the reason, so a
dry run can say what was left out and why.

Merged cells were filled by the reader (`govbiz.reports.ledger_file.Sheet`),
so a two-row header's vertically merged 序号 shows in both rows and a group
header in each column under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import attrs

from govbiz.ports.report_format import Cell
from govbiz.reports.import_errors import ImportRejected, RowError, column_letter
from govbiz.reports.import_mapping import FIELDS, ColumnMapping

__all__ = ["HEADER_SEARCH_ROWS", "Column", "Layout", "Skipped", "find_layout"]

#: How many leading rows may hold titles above the header row(s).
HEADER_SEARCH_ROWS = 15

_SECTION = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+\s*[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[部类])"
)
_TOTAL = re.compile(r"^\s*(?:合\s*计|小\s*计|总\s*计|共\s*计)")
_SIGNED = re.compile(r"^\s*(?:填表人|填报人|制表人|审核人|审核|负责人|分管领导|联系人|联系电话|填表日期|"
                     r"填报日期|"
                     r"填报单位|填表单位|制表单位|制表日期|备注|注\s*[:：]|说明\s*[:：])")  # fmt: skip


@attrs.frozen(slots=True)
class Column:
    """A column the import reads: its 0-based index, header as written, and the field it fills."""

    index: int
    header: str
    field: str

    @property
    def letter(self) -> str:
        """The column letter Excel shows (A, B, ... AA)."""
        return column_letter(self.index)


@attrs.frozen(slots=True)
class Skipped:
    """A row that is not a problem: its number (as Excel shows it) and why it was skipped."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.reason}"


@attrs.frozen(slots=True)
class Layout:
    """Where a sheet's header is, what its columns fill, and which rows hold problems."""

    header_rows: tuple[int, ...]
    columns: tuple[Column, ...]
    ignored: tuple[str, ...]
    problem_rows: tuple[int, ...]
    skipped: tuple[Skipped, ...]

    @property
    def header_row(self) -> int:
        """The last header row (the one right above the first problem)."""
        return self.header_rows[-1]

    def column(self, field: str) -> Column | None:
        """The column that fills `field`, if the sheet has one."""
        return next((c for c in self.columns if c.field == field), None)


def find_layout(
    rows: Sequence[Sequence[Cell]], mapping: ColumnMapping, source: str, *, given: Iterable[str] = ()
) -> Layout:
    """The layout of a sheet's `rows` (row 1 first); `ImportRejected` when no header is found.

    `given` are the fields that have a default, so need no column.
    """
    best = _best_header(rows, mapping)
    if best is None:
        wanted = f"「{FIELDS['enterprise_name'][0]}」和「{FIELDS['title'][0]}」"
        reason = (
            f'前 {HEADER_SEARCH_ROWS} 行中找不到含{wanted}的表头行；表头不同时用 --column "表头=字段" 指定'
        )
        raise ImportRejected(source, [RowError(None, "", reason)])
    header_rows, names = best
    columns, ignored = _columns(names, mapping)
    missing = [header for field, (header, required) in FIELDS.items()
               if required and field not in {c.field for c in columns} | set(given)]  # fmt: skip
    if missing:
        listed = "、".join(f"「{h}」" for h in missing)
        reason = f'缺少列 {listed}（表头不同时用 --column "表头=字段"，整表相同时用 --default "字段=值"）'
        return Layout(header_rows, columns, ignored, (), (Skipped(header_rows[-1], reason),))
    problem_rows, skipped = _sort_rows(rows, header_rows, columns)
    return Layout(header_rows, columns, ignored, problem_rows, skipped)


def _text(value: Cell) -> str:
    return "" if value is None else str(value).strip()


def _best_header(
    rows: Sequence[Sequence[Cell]], mapping: ColumnMapping
) -> tuple[tuple[int, ...], list[str]] | None:
    """The header row number(s) and each column's header; a two-row header's lower row wins per column."""
    best: tuple[int, tuple[int, ...], list[str]] | None = None
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for i in range(limit):
        single = [_text(v) for v in rows[i]]
        candidates: list[tuple[tuple[int, ...], list[str]]] = [((i + 1,), single)]
        if i + 1 < len(rows) and _distinct(single) >= 2:
            lower = [_text(v) for v in rows[i + 1]]
            candidates.append(((i + 1, i + 2), _combined(single, lower, mapping)))
        for numbers, names in candidates:
            found = {mapping.field_of(n) for n in names if n}
            if "enterprise_name" not in found or "title" not in found:
                continue
            score = len(found - {None})
            if best is None or score > best[0]:  # a tie keeps the earlier: a pair's upper row is a header
                best = (score, numbers, names)
        if best is not None and i + 1 > best[1][-1] + 1:
            break  # the rows under a header are problems, not a better header
    return None if best is None else (best[1], best[2])


def _distinct(cells: Sequence[str]) -> int:
    return len({c for c in cells if c})


def _combined(upper: Sequence[str], lower: Sequence[str], mapping: ColumnMapping) -> list[str]:
    """Each column's header over two rows: the lower one, else the group header above it.

    A sub-header that means nothing alone (牵头 under 责任单位) is read with its group (责任单位牵头),
    then as the group.
    """
    names = []
    for n in range(max(len(upper), len(lower))):
        top = upper[n] if n < len(upper) else ""
        sub = lower[n] if n < len(lower) else ""
        if not sub or sub == top:
            names.append(top)
        elif mapping.field_of(sub) is not None or not top:
            names.append(sub)
        elif mapping.field_of(top + sub) is not None:
            names.append(top + sub)
        else:
            names.append(top if mapping.field_of(top) is not None and not _is_group(upper, n) else sub)
    return names


def _is_group(upper: Sequence[str], n: int) -> bool:
    """Whether the header above column `n` spans its neighbours too (a merged group header)."""
    return any(0 <= m < len(upper) and upper[m] == upper[n] for m in (n - 1, n + 1))


def _columns(names: Sequence[str], mapping: ColumnMapping) -> tuple[tuple[Column, ...], tuple[str, ...]]:
    columns: list[Column] = []
    ignored: list[str] = []
    taken: set[str] = set()
    for n, name in enumerate(names):
        field = mapping.field_of(name) if name else None
        if field is not None and field not in taken:
            columns.append(Column(n, name, field))
            taken.add(field)
        elif name and name not in ignored and field is None:
            ignored.append(name)
    return tuple(columns), tuple(ignored)


def _sort_rows(
    rows: Sequence[Sequence[Cell]], header_rows: tuple[int, ...], columns: Sequence[Column]
) -> tuple[tuple[int, ...], tuple[Skipped, ...]]:
    skipped = [Skipped(n, "标题行") for n in range(1, header_rows[0]) if any(_text(v) for v in rows[n - 1])]
    problems: list[int] = []
    wanted = [c.index for c in columns if c.field in ("enterprise_name", "title")]
    for number in range(header_rows[-1] + 1, len(rows) + 1):
        reason = _not_a_problem(rows[number - 1], wanted)
        if reason is None:
            problems.append(number)
        elif reason:
            skipped.append(Skipped(number, reason))
    return tuple(problems), tuple(skipped)


def _not_a_problem(row: Sequence[Cell], wanted: Sequence[int]) -> str | None:
    """Why a row below the header is not a problem (`""`: blank, said nowhere), or `None` if it is one."""
    cells = [_text(v) for v in row]
    filled = [c for c in cells if c]
    if not filled:
        return ""
    first = filled[0]
    if _TOTAL.match(first) or any(_TOTAL.match(c) and len(c) <= 4 for c in filled[:3]):
        return f"合计行（{first[:20]}）"
    if _SIGNED.match(first):
        return f"落款行（{first[:20]}）"
    if len(set(filled)) == 1 and (_SECTION.match(first) or len(filled) > 1 or len(cells) > 2):
        return f"分类标题行（{first[:30]}）" if _SECTION.match(first) else f"标题行（{first[:30]}）"
    if _SECTION.match(first) and not any(n < len(cells) and cells[n] for n in wanted[1:]):
        return f"分类标题行（{first[:30]}）"
    return _empty(cells, filled, wanted)


def _empty(cells: Sequence[str], filled: Sequence[str], wanted: Sequence[int]) -> str | None:
    """Why a row with neither an enterprise nor a problem is skipped (`None`: it has one)."""
    if not any(n < len(cells) and cells[n] for n in wanted):
        return "既无企业名称也无问题（只有 " + "、".join(filled[:3]) + "）"
    return None
