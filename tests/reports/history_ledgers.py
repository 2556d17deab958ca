"""A 2023 ledger with its handling history, as a county clerk keeps it (test helper, made here).

`history_rows()` are the rows as the clerk typed them, each with what it
says (the days as dates), so a test can compute the figures it expects from
the rows themselves; `history_workbook(rows)` writes them as an xlsx with a
title row, 交办时间, 责任单位 (short names, "市住建局、市自规局" for a lead and a
co-handler), 办理进度 and 进展时间, 是否办结 (是/否/长期), 办结时间, 办理结果
and 满意度.  Some problems are completed in 2024, some visited unsatisfied.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import attrs
from openpyxl import Workbook

from tests.reports.county_ledgers import code

HEADERS = ("序号", "企业名称", "统一社会信用代码", "反映问题", "问题类别", "问题来源", "收集时间", "交办时间",
           "责任单位", "办理进度", "进展时间", "是否办结", "办结时间", "办理结果", "满意度")  # fmt: skip
LEADS = ("市自规局", "市住建局、市自规局", "市人社局", "市金融办", "市行政审批局")
CATEGORIES = ("土地规划", "融资", "审批", "用工")
#: 办理结果 by kind of row: 已解决, 部分解决 and 已解释说明 as clerks write them.
RESULTS = {0: "已解决，企业已取得批复", 3: "部分解决，余下部分纳入明年计划", 5: "已答复说明政策依据"}


@attrs.frozen
class HistoryRow:
    """One row: what the clerk wrote, as values the test reasons about."""

    number: int
    enterprise: str
    title: str
    category: str
    collected: date
    assigned: date | None
    lead: str
    progress: str
    progress_on: date | None
    closure: str  # 是, 否, 长期 or "" (not assigned)
    completed: date | None
    result: str
    satisfaction: str
    # (the visit is on the 办结 day: the file has no 回访时间 column)

    def cells(self) -> list[object]:
        """The row as written: dates in the styles clerks use."""
        return [
            self.number, self.enterprise, code(100 + self.number), self.title, self.category, "座谈会",
            datetime(self.collected.year, self.collected.month, self.collected.day),
            f"{self.assigned.year}.{self.assigned.month}.{self.assigned.day}" if self.assigned else None,
            self.lead or None, self.progress or None,
            f"{self.progress_on:%Y年%-m月%-d日}" if self.progress_on else None,
            self.closure or None, self.completed.isoformat() if self.completed else None,
            self.result or None, self.satisfaction or None,
        ]  # fmt: skip


def history_rows(count: int = 36) -> list[HistoryRow]:
    """`count` rows of 2023: six kinds in turn (是, 否, 长期, 是 满意, not assigned, 是 不满意)."""
    rows = []
    for i in range(count):
        collected = date(2023, 1 + i % 12, 3 + i % 20)
        kind = i % 6
        assigned = collected + timedelta(days=2) if kind != 4 else None
        late = 200 if i >= 30 else 0  # the last rows are completed in 2024
        completed = (
            assigned + timedelta(days=5 + (i * 7) % 40 + late) if assigned and kind in (0, 3, 5) else None
        )
        progress_on = assigned + timedelta(days=3) if assigned and kind in (1, 2) else None
        rows.append(HistoryRow(
            number=i + 1, enterprise=f"张家界{i + 1:02d}号科技有限公司", title=f"企业问题{i + 1:02d}",
            category=CATEGORIES[i % len(CATEGORIES)], collected=collected, assigned=assigned,
            lead=LEADS[i % len(LEADS)] if assigned else "",
            progress="已完成现场踏勘，正在协调" if kind in (1, 2) else "",
            progress_on=progress_on,
            closure={0: "是", 1: "否", 2: "长期", 3: "是", 4: "", 5: "是"}[kind], completed=completed,
            result=RESULTS.get(kind, ""),
            satisfaction={3: "满意", 5: "不满意"}.get(kind, ""),
        ))  # fmt: skip
    return rows


def history_workbook(rows: list[HistoryRow]) -> bytes:
    """The rows as a 2023 ledger workbook: a title row, the header, the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "2023年台账"
    sheet.append(["2023年政企面对面问题台账（含办理情况）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row.cells())
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
