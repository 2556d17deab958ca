"""The handling history a clerk's ledger holds (台账中的办理经过), read row by row.

A county's ledger says more than which problems were raised: 交办时间 and
责任单位 (who was assigned, when), 办理进度 with perhaps its 进展时间, 办理结果,
办结时间, 是否办结 (是/否/长期) and perhaps 回访/满意度 with its 回访时间.
`read_history` reads those cells of one row into a `RowHistory`, and says
in the file's own words what cannot be true (办结 before 交办, 是 without a
办结时间 ...).  What each column proves, and so what the import records
(`govbiz.commands.RecordImportedHistory`):

* **交办时间** starts the history: without it a row's handling columns prove
  no assignment, and the file's handling columns are listed as not imported.
  With it, 责任单位 must name a department; the clocks are the county's
  policy counted from that day.
* **是否办结** 是 (已办结, 办结 ...) is a completed problem dated its
  **办结时间**, which it needs; 否 (在办, 办理中 ...) an open one; **长期**
  (长期推进) a long-term item from 办结时间, else 进展时间, else 交办时间:
  counted 在办 and 长期推进, never 办结.  A blank 是否办结 is 是 when the row
  has a 办结时间, else 否.
* **办理结果** is the result's text; it says the outcome when it says 部分解决
  or 解释/说明/答复, else the outcome is 已解决.
* **办理进度** is a progress report on its 进展时间, else on the 办结 day
  (a completed row), else recorded as of the import (no earlier figure counts it).
* **回访/满意度** (five levels, 非常满意 to 非常不满意) is a return visit on its
  回访时间, else on the 办结 day, of a completed row only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, time

import attrs

from govbiz import commands as c
from govbiz.clock import beijing
from govbiz.commands import ImportedClosure
from govbiz.domain.handling import ResultOutcome, Satisfaction
from govbiz.ports.report_format import Cell
from govbiz.reports.import_errors import RowError
from govbiz.reports.import_mapping import FIELDS
from govbiz.reports.import_values import read_day, shown

__all__ = [
    "DAY_TIME", "RowHistory", "day_instant", "read_closure", "read_history", "read_outcome",
    "read_satisfaction",
]  # fmt: skip

_YES = frozenset({"是", "已办结", "办结", "已完成", "完成", "已销号", "销号", "已解决", "√", "y", "yes"})
_NO = frozenset({"否", "未办结", "未完成", "在办", "办理中", "正在办理", "未解决", "×", "n", "no"})
_LONG = frozenset({"长期", "长期推进", "持续推进", "长期跟踪", "长期办理"})
#: The five levels as clerks write them, the longest first (不满意 holds 满意).
_LEVELS = (("非常不满意", Satisfaction.VERY_DISSATISFIED), ("非常满意", Satisfaction.VERY_SATISFIED),
           ("基本满意", Satisfaction.FAIRLY_SATISFIED), ("比较满意", Satisfaction.FAIRLY_SATISFIED),
           ("不满意", Satisfaction.DISSATISFIED), ("满意", Satisfaction.SATISFIED))  # fmt: skip
_PARTIAL = re.compile(r"部分解决")
_LEADING_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+")
#: A result written 长期推进：… (govbiz's export) is a long-term item whatever its 办结日期.
_LONG_RESULT = re.compile(r"^\s*长期推进")
_EXPLAINED = re.compile(r"解释|说明|答复|不具备|暂不能|无法解决")


@attrs.frozen(slots=True)
class RowHistory:
    """One row's handling as its ledger gives it (days, Beijing time)."""

    assigned_on: date
    progress: str = ""
    progress_on: date | None = None
    closure: ImportedClosure = ImportedClosure.OPEN
    outcome: ResultOutcome = ResultOutcome.SOLVED
    result: str = ""
    completed_on: date | None = None
    satisfaction: Satisfaction | None = None
    visited_on: date | None = None

    def command(
        self, problem_id: str, lead: str, co_handlers: tuple[str, ...], *, file: str, sheet: str, row: int
    ) -> c.RecordImportedHistory:
        """The command that records this history for the problem just collected from the row."""
        return c.RecordImportedHistory(
            problem_id=problem_id, imported_file=file, imported_sheet=sheet, imported_row=row,
            assigned_at=_instant(self.assigned_on), lead=lead, co_handlers=co_handlers,
            progress=self.progress, progress_at=_instant(self.progress_on), closure=self.closure,
            outcome=self.outcome, result=self.result, completed_at=_instant(self.completed_on),
            satisfaction=self.satisfaction, visited_at=_instant(self.visited_on),
        )  # fmt: skip


#: The time of day a ledger's day is dated at (its time is not known): noon, well inside the day, so the
#: day's step counts as of the end of that day (24时) and not as of the end of the day before.
DAY_TIME = time(12)


def day_instant(day: date) -> datetime:
    """A ledger's day as the instant its step is dated: noon of it, Beijing time (`DAY_TIME`)."""
    return datetime.combine(day, DAY_TIME, tzinfo=beijing())


def _instant(day: date | None) -> datetime | None:
    return None if day is None else day_instant(day)


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def read_closure(text: str) -> ImportedClosure | None:
    """是/否/长期 (and the words clerks use for them) as a closure; `None` if it is none of them."""
    key = _key(text)
    if key in _YES:
        return ImportedClosure.COMPLETED
    if key in _NO:
        return ImportedClosure.OPEN
    if key in _LONG:
        return ImportedClosure.LONG_TERM
    return None


def read_satisfaction(text: str) -> Satisfaction | None:
    """The level a 回访/满意度 cell states (已回访，满意 is 满意); `None` if it states none."""
    key = _key(text)
    for word, level in _LEVELS:
        if word in key:
            return level
    return None


def read_outcome(text: str) -> ResultOutcome:
    """The outcome a 办理结果 text states: 部分解决, 已解释说明 (解释, 说明, 答复 ...), else 已解决."""
    if _PARTIAL.search(text):
        return ResultOutcome.PARTIALLY_SOLVED
    if _EXPLAINED.search(text) and "已解决" not in text:
        return ResultOutcome.EXPLAINED
    return ResultOutcome.SOLVED


#: An error about one of the row's fields: (field, reason, value as written or None) -> RowError.
ErrorAt = Callable[[str, str, "str | None"], RowError]


def read_history(
    cells: Mapping[str, Cell],
    *,
    collected_on: date | None,
    lead: str,
    year: int | None,
    today: date,
    error: ErrorAt,
    where: Callable[[str], str],
    errors: list[RowError],
) -> RowHistory | None:
    """The row's history, or `None` when it has no 交办时间; every impossible cell appended to `errors`.

    `error(field, reason, value)` makes the error for a field's cell,
    `where(field)` names its column as the file does (`H列「交办时间」`), for
    the reasons that compare two cells.
    """
    before = len(errors)
    row = _Cells(cells, error, where, errors)
    days = row.days(year, today)
    long_result = bool(_LONG_RESULT.match(row.text["result"]))
    closure = _closure(row.text["closure"], days, error, errors, long_result=long_result)
    satisfaction = row.satisfaction()
    assigned = days.get("assigned_on")
    if assigned is None:
        row.unassigned(closure, days)
        return None
    if not lead:
        if _text(cells.get("lead_department")):
            return None  # a department the ledger does not know: warned of, the history not recorded
        reason = f"有交办时间，但{where('lead_department')}为空：交办需要责任单位"
        errors.append(error("assigned_on", reason, shown(cells.get("assigned_on"))))
    _check_order(days, collected_on, row)
    row.consistent(closure, satisfaction, days)
    if len(errors) > before:
        return None
    completed = days.get("completed_on")
    if closure is ImportedClosure.LONG_TERM:
        completed = completed or days.get("progress_on") or assigned
    return RowHistory(
        assigned_on=assigned, progress=row.text["progress"], progress_on=days.get("progress_on"),
        closure=closure, outcome=read_outcome(row.text["result"]), result=row.text["result"],
        completed_on=completed if closure is not ImportedClosure.OPEN else None, satisfaction=satisfaction,
        visited_on=days.get("visited_on"),
    )  # fmt: skip


@attrs.define
class _Cells:
    """One row's handling cells, with the means to report on them."""

    cells: Mapping[str, Cell]
    error: ErrorAt
    where: Callable[[str], str]
    errors: list[RowError]
    text: dict[str, str] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.text = {f: _text(self.cells.get(f)) for f in ("progress", "result", "closure", "satisfaction")}

    def days(self, year: int | None, today: date) -> dict[str, date]:
        days: dict[str, date] = {}
        # "2023-04-03 已完成用地预审", as govbiz exports 办理进展 and 回访情况: the day leads the text.
        for field, dated in (("progress", "progress_on"), ("satisfaction", "visited_on")):
            match = _LEADING_DAY.match(self.text[field])
            if match and not _text(self.cells.get(dated)):
                days[dated] = date.fromisoformat(match[1])
                self.text[field] = self.text[field][match.end() :].strip()
        for field in ("assigned_on", "progress_on", "completed_on", "visited_on"):
            value = self.cells.get(field)
            if not _text(value):
                continue
            reading = read_day(value, year=year, latest=today, what=FIELDS[field][0], within_year=False)
            if reading.day is None:
                self.errors.append(self.error(field, reading.reason, shown(value)))
            else:
                days[field] = reading.day
        return days

    def satisfaction(self) -> Satisfaction | None:
        said = self.text["satisfaction"]
        level = read_satisfaction(said) if said else None
        if said and level is None:
            levels = "、".join(level.label_zh for level in Satisfaction)
            self.errors.append(self.error("satisfaction", f"不是满意度；可写 {levels}", said))
        return level

    def unassigned(self, closure: ImportedClosure, days: Mapping[str, date]) -> None:
        """A row without a 交办时间 whose handling cells say it was handled: an error on the first of them."""
        if _text(self.cells.get("assigned_on")):
            return  # an unreadable day: reported already
        said = [f for f in ("closure", "progress", "result", "satisfaction") if self.text[f]]
        said += [f for f in ("completed_on", "progress_on", "visited_on") if f in days]
        if said and (closure is not ImportedClosure.OPEN or said != ["closure"]):
            reason = f"有办理情况，但{self.where('assigned_on')}为空：交办时间是办理经过的起点"
            self.errors.append(self.error(said[0], reason, self.text.get(said[0]) or None))

    def consistent(
        self,
        closure: ImportedClosure,
        satisfaction: Satisfaction | None,
        days: Mapping[str, date],
    ) -> None:
        """是 with a 办结时间; a visit only of a completed row, and a 回访时间 only with its level."""
        unreadable = "completed_on" in self.cells and _text(self.cells.get("completed_on"))
        if closure is ImportedClosure.COMPLETED and "completed_on" not in days and not unreadable:
            blank = f"{self.where('completed_on')}为空"
            missing = blank if "completed_on" in self.cells else "文件没有办结时间列"
            reason = f"是办结，但没有办结时间（{missing}）：办结要有日期才能计入当年数字"
            self.errors.append(self.error("closure", reason, self.text["closure"] or None))
        if satisfaction is not None and closure is not ImportedClosure.COMPLETED:
            reason = "有回访满意度，但问题未办结：只有办结的问题才回访"
            self.errors.append(self.error("satisfaction", reason, self.text["satisfaction"]))
        if "visited_on" in days and satisfaction is None:
            reason = f"有回访时间，但{self.where('satisfaction')}为空"
            self.errors.append(self.error("visited_on", reason, shown(self.cells["visited_on"])))


def _closure(
    said: str, days: Mapping[str, date], error: ErrorAt, errors: list[RowError], *, long_result: bool
) -> ImportedClosure:
    """是否办结 as written; blank, 是 when the row has a 办结时间 (长期 when the result says 长期推进)."""
    if not said:
        if long_result:
            return ImportedClosure.LONG_TERM
        return ImportedClosure.COMPLETED if "completed_on" in days else ImportedClosure.OPEN
    closure = read_closure(said)
    if closure is None:
        errors.append(error("closure", "不是「是否办结」的值；可写 是、否 或 长期（长期推进）", said))
        return ImportedClosure.OPEN
    if closure is ImportedClosure.OPEN and "completed_on" in days:
        reason = f"是「{said}」，但同一行有办结时间 {days['completed_on'].isoformat()}"
        errors.append(error("closure", reason, said))
    return closure


def _check_order(days: Mapping[str, date], collected_on: date | None, row: _Cells) -> None:
    """交办 ≥ 收集, 进展 ≥ 交办, 办结 ≥ 交办 and 进展, 回访 ≥ 办结: each cell against the one it follows."""
    earlier = {"collected_on": collected_on, **days}
    checks = (("assigned_on", ("collected_on",)), ("progress_on", ("assigned_on",)),
              ("completed_on", ("assigned_on", "progress_on")),
              ("visited_on", ("completed_on",)))  # fmt: skip
    for field, befores in checks:
        day = days.get(field)
        for before in befores:
            bound = earlier.get(before)
            if day is not None and bound is not None and day < bound:
                reason = f"早于{row.where(before)} {bound.isoformat()}，不可能"
                row.errors.append(row.error(field, reason, shown(row.cells.get(field))))
                break


def _text(value: Cell) -> str:
    return shown(value).strip() if value is not None else ""
