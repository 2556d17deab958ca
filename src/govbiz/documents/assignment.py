"""The assignment notice (交办单): what a reception day gave one department to do, with every deadline.

One notice per department per reception day (接待日): every problem
assigned to it at that session, as lead (主办) or co-handler (协办), with the
enterprise, the problem's text and the last day of each clock (签收, 报送落实
情况, 报送办理结果) as the county's deadline policy computed it.  The
problems are read in their state at the end of the reception day, so a
notice printed later says what was assigned that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from govbiz.clock import end_of_day as day_end
from govbiz.documents.model import Block, OfficialDocument, Paragraph, Table, chinese_date
from govbiz.documents.settings import DocumentSettings
from govbiz.domain.problem import Problem
from govbiz.domain.session import ReceptionSession
from govbiz.metrics.asof import ProblemSource
from govbiz.metrics.grouping import GroupContext, Grouping
from govbiz.supervision.draft import CLOCK_NAMES

__all__ = ["assignment_notices", "end_of_day"]

_CLOCKS = ("sign", "progress", "result")


def end_of_day(session: ReceptionSession) -> datetime:
    """The first instant after the reception day, Beijing time (its 24时)."""
    return day_end(session.held_on)


def assignment_notices(
    source: ProblemSource,
    sessions: Sequence[ReceptionSession],
    settings: DocumentSettings,
    *,
    context: GroupContext,
    departments: Iterable[str] = (),
) -> tuple[OfficialDocument, ...]:
    """A notice per department (those in `departments`, else every one) per session, numbered in order."""
    wanted = frozenset(departments)
    notices: list[OfficialDocument] = []
    for session in sorted(sessions, key=lambda s: (s.held_on, s.id)):
        assigned = [
            p
            for p in source.problems_as_of(end_of_day(session))
            if p.assignment is not None and p.assignment.session_id == session.id
        ]
        for department in _departments(assigned):
            if wanted and department not in wanted:
                continue
            mine = [p for p in assigned if _role(p, department)]
            notices.append(_notice(session, department, mine, settings, context=context, offset=len(notices)))
    return tuple(notices)


def _departments(problems: Iterable[Problem]) -> list[str]:
    found = {d for p in problems if p.assignment for d in (p.assignment.lead, *p.assignment.co_handlers)}
    return sorted(found)


def _role(problem: Problem, department: str) -> str:
    assert problem.assignment is not None
    if problem.assignment.lead == department:
        return "主办"
    return "协办" if department in problem.assignment.co_handlers else ""


def _notice(
    session: ReceptionSession,
    department: str,
    problems: Sequence[Problem],
    settings: DocumentSettings,
    *,
    context: GroupContext,
    offset: int,
) -> OfficialDocument:
    name = context.label(Grouping.DEPARTMENT, department)
    enterprises = context.labels.get(Grouping.ENTERPRISE, {})
    day = chinese_date(session.held_on)
    chair = f"{session.chair.title}{session.chair.name}"
    topic = f"（{session.topic}）" if session.topic else ""
    leads = sum(1 for p in problems if _role(p, department) == "主办")
    body: list[Block] = [
        Paragraph(
            f"{day}，{chair}主持召开{session.kind.label_zh}{topic}，现场交办企业反映问题。"
            f"现将交由你单位办理的{len(problems)}个问题"
            f"（主办{leads}个、协办{len(problems) - leads}个）交办如下，"
            "请按下列期限签收、报送落实情况和办理结果。"
        ),
        Table(
            ("序号", "问题", "企业", "承办", "期限"),
            tuple(
                (
                    str(n),
                    f"{p.id}\n{p.title}",
                    enterprises.get(p.enterprise_id, p.enterprise_id),
                    _role(p, department),
                    _deadlines(p),
                )
                for n, p in enumerate(problems, start=1)
            ),
            numeric=(0,),
        ),
    ]
    for n, p in enumerate(problems, start=1):
        if p.description and p.description != p.title:
            body.append(Paragraph(f"{n}. {p.title}：{p.description}"))
    body.append(
        Paragraph(
            "主办单位牵头办理并汇总协办单位意见；协办单位在期限内向主办单位报送协办意见。"
            "确需延期的，请在期限届满前提出申请，说明理由和拟办结时间。逾期未报的，将予以催办并在督查通报中通报。"
        )
    )
    return OfficialDocument(
        kind="assignment",
        issuer=settings.issuer,
        mark=settings.mark,
        number=settings.number_text("assignment", offset),
        title=f"{day}{session.kind.label_zh}问题交办单",
        addressees=settings.addressees or (name,),
        body=tuple(body),
        issued_on=settings.issued_on,
        copies_to=settings.copies_to,
        printed_by=settings.printed_by,
    )


def _deadlines(problem: Problem) -> str:
    """Each clock's last day, one per line: 签收：2023年3月31日."""
    assert problem.assignment is not None
    lines = []
    for clock in _CLOCKS:
        due = problem.assignment.deadline(clock)
        if due is not None:
            lines.append(f"{CLOCK_NAMES[clock]}：{chinese_date(due.last_day)}")
    return "\n".join(lines) or "—"
