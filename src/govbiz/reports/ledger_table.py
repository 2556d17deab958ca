"""The problem ledger as a table (问题台账): one row per problem, the way offices keep it.

`LEDGER_COLUMNS` fixes the columns once (Chinese header, field, kind,
width), so every format lays the ledger out the same way and `govbiz
import` reads the collection columns of an exported file back (企业名称,
统一社会信用代码, 问题, 问题描述, 问题类别, 来源, 收集日期).

`build_ledger_report(ledger, actor, as_of=...)` gives a `LedgerReport`:
the rows as of an instant (each problem replayed to its state then) and a
summary by department and category with the definitions of its figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.domain.enterprise import Enterprise
from govbiz.domain.lifecycle import ProblemState
from govbiz.domain.problem import Problem
from govbiz.metrics.asof import LedgerProblems
from govbiz.metrics.compute import compute_metrics
from govbiz.metrics.definitions import Fact
from govbiz.metrics.facts import facts_of, local_day
from govbiz.metrics.figures import MetricsResult
from govbiz.metrics.grouping import GroupContext, Grouping

if TYPE_CHECKING:
    from govbiz.calendar import WorkingCalendar
    from govbiz.domain.actors import Actor
    from govbiz.domain.session import ReceptionSession
    from govbiz.ledger import Ledger

__all__ = [
    "LEDGER_COLUMNS",
    "SUMMARY_METRICS",
    "Column",
    "ColumnKind",
    "LedgerReport",
    "LedgerRow",
    "StatusTone",
    "build_ledger_report",
]

#: The figures of the ledger's summary sheet, by department and by category.
SUMMARY_METRICS: tuple[str, ...] = ("assigned", "completed", "in_progress", "completion_rate", "overdue")


class ColumnKind(StrEnum):
    """How a column's values are typed (and formatted by a spreadsheet)."""

    TEXT = "text"
    DATE = "date"
    NUMBER = "number"


@attrs.frozen(slots=True)
class Column:
    """One ledger column: its Chinese header, the `LedgerRow` field, kind and width (characters)."""

    header: str
    field: str
    kind: ColumnKind = ColumnKind.TEXT
    width: int = 12


LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("序号", "number", ColumnKind.NUMBER, 6),
    Column("问题编号", "problem_id", width=16),
    Column("企业名称", "enterprise", width=26),
    Column("统一社会信用代码", "credit_code", width=21),
    Column("问题", "title", width=30),
    Column("问题描述", "description", width=40),
    Column("问题类别", "category", width=10),
    Column("来源", "source", width=10),
    Column("收集日期", "collected_on", ColumnKind.DATE, 11),
    Column("接待日", "session", width=18),
    Column("交办日期", "assigned_on", ColumnKind.DATE, 11),
    Column("主办部门", "lead", width=14),
    Column("协办部门", "co_handlers", width=14),
    Column("落实情况报送期限", "progress_due", ColumnKind.DATE, 11),
    Column("办结期限", "result_due", ColumnKind.DATE, 11),
    Column("办理状态", "status", width=14),
    Column("是否超期", "overdue", width=8),
    Column("办理进展", "progress", width=36),
    Column("办理结果", "result", width=36),
    Column("办结日期", "result_on", ColumnKind.DATE, 11),
    Column("回访情况", "return_visit", width=24),
)


class StatusTone(StrEnum):
    """The colour family a status is shown in (状态颜色): how a clerk reads the ledger at a glance."""

    DONE = "done"
    """办结 (result reported, closed): green."""
    ACTIVE = "active"
    """Being handled: blue."""
    LONG_TERM = "long_term"
    """长期推进: amber."""
    OVERDUE = "overdue"
    """超期 (any state with a clock past its cutoff): red."""
    WAITING = "waiting"
    """Not assigned yet (collected, triaged, scheduled): grey."""
    ENDED = "ended"
    """Withdrawn, merged or declined: grey, struck through in print."""


_TONES = {
    ProblemState.RESULT_REPORTED: StatusTone.DONE,
    ProblemState.CLOSED: StatusTone.DONE,
    ProblemState.LONG_TERM: StatusTone.LONG_TERM,
    ProblemState.ASSIGNED: StatusTone.ACTIVE,
    ProblemState.SIGNED: StatusTone.ACTIVE,
    ProblemState.IN_PROGRESS: StatusTone.ACTIVE,
    ProblemState.REDO: StatusTone.ACTIVE,
    ProblemState.RETURN_REQUESTED: StatusTone.ACTIVE,
    ProblemState.RETURNED: StatusTone.ACTIVE,
    ProblemState.WITHDRAWN: StatusTone.ENDED,
    ProblemState.MERGED: StatusTone.ENDED,
    ProblemState.REJECTED: StatusTone.ENDED,
}


@attrs.frozen(slots=True)
class LedgerRow:
    """One problem as a ledger row; texts as printed, dates as dates (Beijing days)."""

    number: int
    problem_id: str
    enterprise: str
    credit_code: str
    title: str
    description: str
    category: str
    source: str
    collected_on: date
    session: str
    assigned_on: date | None
    lead: str
    co_handlers: str
    progress_due: date | None
    result_due: date | None
    status: str
    overdue: str
    progress: str
    result: str
    result_on: date | None
    return_visit: str
    tone: StatusTone

    def value(self, column: Column) -> str | int | date | None:
        """The value of `column` in this row."""
        value: str | int | date | None = getattr(self, column.field)
        return value


@attrs.frozen(slots=True)
class LedgerReport:
    """The problem ledger (问题台账) as of an instant (implements `govbiz.reports.Report`).

    `summary` holds `SUMMARY_METRICS` by department and by category, each
    with its definition, for the summary sheet (汇总).
    """

    title: str
    as_of: datetime
    rows: tuple[LedgerRow, ...]
    summary: tuple[MetricsResult, ...] = ()
    county: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The rows (dates as ISO text) and the summary figures, as JSON-ready data."""
        from govbiz.metrics.render import to_record

        return {
            "kind": "ledger",
            "title": self.title,
            "county": self.county,
            "as_of": self.as_of.isoformat(),
            "columns": [{"header": c.header, "field": c.field, "kind": c.kind.value} for c in LEDGER_COLUMNS],
            "rows": [_row_dict(r) for r in self.rows],
            "summary": [to_record(r).model_dump(mode="json") for r in self.summary],
        }


def _row_dict(row: LedgerRow) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in LEDGER_COLUMNS:
        value = row.value(column)
        data[column.field] = value.isoformat() if isinstance(value, date) else value
    data["tone"] = row.tone.value
    return data


def build_ledger_report(
    ledger: Ledger, actor: Actor, *, as_of: datetime, county: str | None = None, title: str | None = None
) -> LedgerReport:
    """The ledger of the problems `actor` may see (narrowed to `county`), each as of `as_of`."""
    filters = {"county": county} if county else {}
    source = LedgerProblems(ledger, actor, **filters)
    context = GroupContext.from_ledger(ledger, actor)
    enterprises = {e.id: e for e in ledger.records(actor, "enterprise")}
    calendar = ledger.policy(county).calendar if county else None
    rows = tuple(
        _row(n, p, as_of=as_of, context=context, enterprises=enterprises, calendar=calendar)
        for n, p in enumerate(sorted(source.problems_as_of(as_of), key=lambda p: p.id), start=1)
    )
    summary = tuple(
        compute_metrics(
            source, as_of, metrics=SUMMARY_METRICS, group_by=g, context=context, calendar=calendar
        )
        for g in (Grouping.DEPARTMENT, Grouping.CATEGORY)
    )
    day = local_day(as_of)
    return LedgerReport(
        title=title or f"政企面对面问题台账（截至{day.year}年{day.month}月{day.day}日）",
        as_of=as_of,
        rows=rows,
        summary=summary,
        county=county,
    )


def _row(
    number: int,
    problem: Problem,
    *,
    as_of: datetime,
    context: GroupContext,
    enterprises: Mapping[str, Enterprise],
    calendar: WorkingCalendar | None,
) -> LedgerRow:
    enterprise = enterprises.get(problem.enterprise_id)
    assignment = problem.assignment
    departments = context.labels.get(Grouping.DEPARTMENT, {})
    due = {d.clock: d.last_day for d in assignment.deadlines} if assignment else {}
    overdue = Fact.OVERDUE in facts_of(problem, as_of, calendar or _national()).facts
    first = problem.previous_assignments[0] if problem.previous_assignments else assignment
    return LedgerRow(
        number=number,
        problem_id=problem.id,
        enterprise=enterprise.name if enterprise else problem.enterprise_id,
        credit_code=enterprise.credit_code if enterprise else "",
        title=problem.title,
        description=problem.description,
        category=problem.category,
        source=problem.source,
        collected_on=local_day(problem.collected_at),
        session=_session(context.sessions.get(problem.session_id or "")),
        assigned_on=local_day(first.assigned_at) if first else None,
        lead=departments.get(assignment.lead, assignment.lead) if assignment else "",
        co_handlers="、".join(departments.get(c, c) for c in assignment.co_handlers) if assignment else "",
        progress_due=due.get("progress"),
        result_due=due.get("result"),
        status=problem.state.label_zh,
        overdue="是" if overdue else "否",
        progress=_progress(problem),
        result=_result(problem),
        result_on=local_day(problem.result.reported_at) if problem.result else None,
        return_visit=_visit(problem),
        tone=StatusTone.OVERDUE if overdue else _TONES.get(problem.state, StatusTone.WAITING),
    )


def _national() -> WorkingCalendar:
    from govbiz.calendar import china_calendar

    return china_calendar()


def _session(session: ReceptionSession | None) -> str:
    if session is None:
        return ""
    return f"{session.held_on.isoformat()} {session.kind.label_zh}"


def _progress(problem: Problem) -> str:
    if not problem.progress:
        return ""
    latest = problem.progress[-1]
    return f"{local_day(latest.reported_at).isoformat()} {latest.text}"


def _result(problem: Problem) -> str:
    if problem.result is None:
        return ""
    return f"{problem.result.outcome.label_zh}：{problem.result.text}"


def _visit(problem: Problem) -> str:
    if not problem.return_visits:
        return ""
    visit = problem.return_visits[-1]
    verdict = visit.satisfaction.label_zh  # 满意 or 不满意 for a visit recorded before the five levels
    notes = f"（{visit.notes}）" if visit.notes else ""
    return f"{local_day(visit.visited_at).isoformat()} {verdict}{notes}"


def columns_by_header() -> dict[str, Column]:
    """The ledger's columns by Chinese header."""
    return {c.header: c for c in LEDGER_COLUMNS}
