"""The supervision circular (督查通报) as an official document, from a `CircularDraft`.

The wording follows the draft's Markdown (`govbiz.supervision.circular_markdown`):
overdue assignments by department, seriously overdue first; the
departments proposed for a written critical circular (拟通报批评); problems
redone after an unsatisfied return visit; the department rankings; the
month's 红黑榜 with each point explained, when the draft has scores; the
requirements.  Every rate the rankings use is defined in the annex
(附件：指标口径), with the rule for ties, so a department can check its place.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from govbiz.clock import beijing
from govbiz.documents.model import Annex, Block, Heading, OfficialDocument, Paragraph, Table, chinese_date
from govbiz.documents.settings import DocumentSettings
from govbiz.metrics.score_text import board_names, ranking_rule, score_rows
from govbiz.supervision.draft import CLOCK_NAMES, CircularDraft, OverdueItem

__all__ = ["ANNEX_TITLE", "chinese_instant", "circular_document", "overdue_table", "score_blocks"]

_NUMERALS = "一二三四五六七八九十"
#: The title of the circular's annex.
ANNEX_TITLE = "指标口径及排名规则"


def chinese_instant(instant: datetime) -> str:
    """An instant as a document states it, Beijing time to the minute: 2023年11月15日24时 or 17时30分.

    Midnight at the start of a day is the end of the day before (24时), as
    offices count a day's work.
    """
    local = instant.astimezone(beijing())
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{chinese_date((local - timedelta(days=1)).date())}24时"
    if local.hour == 23 and local.minute == 59:
        return f"{chinese_date(local.date())}24时"
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{chinese_date(local.date())}{local.hour}时{minutes}"


def overdue_table(draft: CircularDraft, items: tuple[OverdueItem, ...]) -> Table:
    """The overdue items as a table: the problem (number over title), clock, last day, days late, level.

    The number and the title share a column so the table fits the 156 mm
    block at 小四 without breaking a problem number.
    """
    headers = ("问题", "超期环节", "期限", "超期工作日", "等级")
    rows = tuple(
        (
            f"{i.problem_id}\n{i.title}",
            CLOCK_NAMES.get(i.clock, i.clock),
            chinese_date(i.last_day),
            str(i.working_days_late),
            i.level.zh,
        )
        for i in items
    )
    return Table(headers, rows, numeric=(3,))


def circular_document(draft: CircularDraft, settings: DocumentSettings) -> OfficialDocument:
    """The circular as a document: body from the draft, the rates' definitions in the annex."""
    number = iter(_NUMERALS)
    serious = draft.seriously_overdue()
    by_department = draft.overdue_by_department()
    period = f"{chinese_date(draft.period_start)}至{chinese_date(draft.period_end)}"
    body: list[Block] = [
        Paragraph(
            f"为推动政企面对面交办问题按期办结，根据交办问题办理情况，现将{period}交办问题办理情况通报如下"
            f"（统计截至{chinese_instant(draft.as_of)}）。"
        ),
        Heading(1, f"{next(number)}、超期办理情况"),
        Paragraph(
            f"截至统计时点，共有{len(draft.overdue)}项交办事项超期未报，涉及{len(by_department)}个部门，"
            f"其中严重超期{len(serious)}项。" + ("" if draft.overdue else "各部门均按期报送。")
        ),
    ]
    sub = iter(_NUMERALS)
    for department, items in by_department.items():
        body += [
            Heading(2, f"（{next(sub)}）{draft.name(department)}（{len(items)}项）"),
            overdue_table(draft, items),
        ]
    body += _criticism_blocks(draft, next(number))
    body.append(Heading(1, f"{next(number)}、回访不满意重办情况"))
    if not draft.redone:
        body.append(Paragraph("本期无回访不满意重办问题。"))
    for item in draft.redone:
        body.append(
            Paragraph(
                f"{item.problem_id}《{item.title}》（{draft.name(item.department)}）："
                f"{chinese_date(item.visited_at.astimezone(beijing()).date())}回访不满意，已重办。{item.notes}".rstrip()
            )
        )
    body.append(Heading(1, f"{next(number)}、部门排名（累计）"))
    sub = iter(_NUMERALS)
    for ranking in draft.rankings:
        d = ranking.definition
        rows = tuple(
            (
                str(r.rank) if r.rank is not None else "—",
                r.label,
                r.figure.text(),
                r.figure.fraction_text() or "—",
            )
            for r in ranking.rows
        )
        body += [
            Heading(2, f"（{next(sub)}）{d.name_zh}排名"),
            Table(("名次", "部门", d.name_zh, "分子/分母"), rows, numeric=(0, 2, 3)),
        ]
    body.append(Paragraph("排名所用指标的口径及排名规则见附件。"))
    if draft.scores is not None:
        body += score_blocks(draft, next(number))
    body += [
        Heading(1, f"{next(number)}、工作要求"),
        Paragraph("请被通报部门对照问题清单逐项整改，超期事项尽快办结并报送办理结果，严重超期事项说明原因。"),
    ]
    return OfficialDocument(
        kind="circular",
        issuer=settings.issuer,
        mark=settings.mark,
        number=settings.number_text("circular"),
        title=_without_leading_zeros(draft.title),
        addressees=settings.addressees or ("各有关单位",),
        body=tuple(body),
        issued_on=settings.issued_on,
        annexes=(Annex(ANNEX_TITLE, _definitions(draft)),),
        copies_to=settings.copies_to,
        printed_by=settings.printed_by,
    )


def score_blocks(draft: CircularDraft, numeral: str) -> list[Block]:
    """月度考核: the rule with its minimum, the 红黑榜, the scores, and each department's points explained."""
    scores = draft.scores
    assert scores is not None
    unranked = "、".join(f"{draft.name(s.department)}（{len(s.assigned)}件）" for s in scores.unranked())
    blocks: list[Block] = [
        Heading(1, f"{numeral}、{scores.month[:4]}年{int(scores.month[5:])}月考核红黑榜"),
        Paragraph(ranking_rule(scores)),
        Paragraph(f"红榜：{board_names(scores.red_list(), draft.name)}。"),
        Paragraph(f"黑榜：{board_names(scores.black_list(), draft.name)}。"),
        Paragraph(f"不参加排名：{unranked or '无'}。"),
    ]
    rows = tuple(
        (rank, f"{label}\n{item}", f"{points:.1f}", detail, ids.replace(" ", "\n") or "—")
        for _code, label, rank, item, points, detail, ids in score_rows(scores, draft.name)
    )
    blocks.append(Table(("名次", "部门及项目", "得分", "计算", "问题编号"), rows, numeric=(2,)))
    return blocks


def _criticism_blocks(draft: CircularDraft, numeral: str) -> list[Block]:
    """The section 拟通报批评: each department the escalation ladder proposes, its clock and why."""
    proposed = draft.proposed_for_criticism()
    blocks: list[Block] = [Heading(1, f"{numeral}、拟通报批评")]
    if not proposed:
        return [*blocks, Paragraph("本期无拟通报批评事项。")]
    departments = len({i.department for i in proposed})
    blocks.append(
        Paragraph(f"以下{departments}个部门的{len(proposed)}项交办事项经催办仍未报送，拟予书面通报批评：")
    )
    rows = tuple(
        (
            draft.name(i.department) + ("（协办）" if i.role == "co_handler" else ""),
            f"{i.problem_id}\n{i.title}",
            CLOCK_NAMES.get(i.clock, i.clock),
            str(i.working_days_late),
            _without_leading_zeros(i.criticism_reason()),
        )
        for i in proposed
    )
    blocks.append(Table(("部门", "问题", "超期环节", "超期工作日", "理由"), rows, numeric=(3,)))
    return blocks


def _without_leading_zeros(title: str) -> str:
    """2023年03月01日 as a document writes it: 2023年3月1日."""
    return re.sub(r"(?<=[年月])0(\d)(?=[月日])", r"\1", title)


def _definitions(draft: CircularDraft) -> tuple[Block, ...]:
    """Each rate the circular uses, with its definition (口径), and the rule for ties."""
    blocks: list[Block] = []
    for n, ranking in enumerate(draft.rankings, start=1):
        d = ranking.definition
        blocks += [
            Heading(3, f"{n}. {d.name_zh}"),
            Paragraph(f"口径：{d.statement_zh()}"),
            Paragraph(f"排名规则：{ranking.method_zh}"),
        ]
    blocks.append(
        Paragraph(
            f"超期：交办事项的签收、落实情况或办理结果未在期限内报送，按工作日计算超期天数；"
            f"统计时点为{chinese_instant(draft.as_of)}。"
        )
    )
    return tuple(blocks)
