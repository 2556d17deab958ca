"""A circular's Chinese text, its JSON, and the command that publishes it.

The body is Markdown in Chinese, the way a supervision office words a
circular (督查通报): the period and the as-of instant, overdue assignments by
department (seriously overdue first), the departments the escalation ladder
proposes for a written critical circular (拟通报批评), problems redone after
an unsatisfied return visit, the department rankings, each with its
definition and the tie rule, and a month's 红黑榜 (月度考核) with its minimum
rule and every point explained by its problems, when the draft has scores.
`publish_command` turns a draft into the existing
`govbiz.commands.PublishCircular`, which records it as an event and names
its departments and problems.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from govbiz.commands import PublishCircular
from govbiz.metrics.render import render_ranking_markdown
from govbiz.metrics.score_text import scores_markdown
from govbiz.supervision.draft import CLOCK_NAMES, CircularDraft, OverdueItem

__all__ = ["CircularRecord", "circular_markdown", "circular_to_json", "publish_command"]

_NUMERALS = "一二三四五六七八九十"


def circular_markdown(draft: CircularDraft) -> str:
    """The circular's body: Chinese Markdown, ready to publish or print."""
    serious = draft.seriously_overdue()
    number = iter(_NUMERALS)
    lines = [
        f"# {draft.title}",
        "",
        f"统计时段：{draft.period_start:%Y年%m月%d日}至{draft.period_end:%Y年%m月%d日}；"
        f"统计时点：{draft.as_of.isoformat()}。",
        "",
        f"## {next(number)}、超期办理情况",
        "",
        f"截至统计时点，共有{len(draft.overdue)}项交办事项超期未报，涉及{len(draft.overdue_by_department())}个部门，"
        f"其中严重超期{len(serious)}项。",
    ]
    for department, items in draft.overdue_by_department().items():
        lines += ["", f"### {draft.name(department)}（{len(items)}项）", "", *_overdue_table(items)]
    lines += ["", f"## {next(number)}、拟通报批评", "", *_criticism_lines(draft)]
    lines += ["", f"## {next(number)}、回访不满意重办情况", ""]
    if not draft.redone:
        lines.append("本期无回访不满意重办问题。")
    for item in draft.redone:
        lines.append(
            f"- {item.problem_id}《{item.title}》（{draft.name(item.department)}）："
            f"{item.visited_at:%Y年%m月%d日}回访不满意，已重办。{item.notes}".rstrip()
        )
    lines += ["", f"## {next(number)}、部门排名（累计）", ""]
    for ranking in draft.rankings:
        table = render_ranking_markdown(ranking).rstrip("\n").splitlines()
        lines += [*table, ""]
    if draft.scores is not None:
        lines += [f"## {next(number)}、月度考核红黑榜（{draft.scores.month}）", ""]
        lines += [*scores_markdown(draft.scores, draft.name, level=3), ""]
    lines += [
        f"## {next(number)}、工作要求",
        "",
        "请被通报部门对照问题清单逐项整改，超期事项尽快办结并报送办理结果，严重超期事项说明原因。",
    ]
    return "\n".join(lines) + "\n"


def _criticism_lines(draft: CircularDraft) -> list[str]:
    """The departments the escalation ladder proposes for 书面通报批评, one row per clock, with why."""
    proposed = draft.proposed_for_criticism()
    if not proposed:
        return ["本期无拟通报批评事项。"]
    departments = len({i.department for i in proposed})
    rows = [
        f"以下{departments}个部门的{len(proposed)}项交办事项经催办仍未报送，拟予书面通报批评：",
        "",
        "| 部门 | 问题编号 | 问题 | 超期环节 | 超期工作日 | 理由 |",
        "| --- | --- | --- | --- | ---: | --- |",
    ]
    for i in proposed:
        role = "（协办）" if i.role == "co_handler" else ""
        cells = (
            f"{draft.name(i.department)}{role}", i.problem_id, i.title, CLOCK_NAMES.get(i.clock, i.clock),
            str(i.working_days_late), i.criticism_reason(),
        )  # fmt: skip
        rows.append(f"| {' | '.join(cells)} |")
    return rows


def _overdue_table(items: tuple[OverdueItem, ...]) -> list[str]:
    rows = [
        "| 问题编号 | 问题 | 超期环节 | 期限 | 超期工作日 | 等级 |",
        "| --- | --- | --- | --- | ---: | --- |",
    ]
    for i in items:
        clock = CLOCK_NAMES.get(i.clock, i.clock)
        if i.role == "co_handler":  # named as co-handler (协办), not as the lead
            clock = f"{clock}（协办）"
        cells = (i.problem_id, i.title, clock, i.last_day.isoformat(), str(i.working_days_late), i.level.zh)
        rows.append(f"| {' | '.join(cells)} |")
    return rows


class CircularRecord(BaseModel):
    """A circular draft as JSON."""

    model_config = ConfigDict(frozen=True)

    county: str
    title: str
    period_start: str
    period_end: str
    as_of: str
    departments: list[str]
    problems: list[str]
    overdue: list[dict[str, object]]
    redone: list[dict[str, object]]
    proposed_for_criticism: list[dict[str, object]]
    rankings: list[dict[str, object]]
    body: str
    #: The month's scores and 红黑榜 (`MonthlyScores.to_json`), if the circular has them.
    scores: dict[str, object] | None = None


def circular_to_json(draft: CircularDraft, *, indent: int | None = 2) -> str:
    """The circular as JSON text: what it names, each overdue item, the rankings and the body."""
    record = CircularRecord(
        county=draft.county,
        title=draft.title,
        period_start=draft.period_start.isoformat(),
        period_end=draft.period_end.isoformat(),
        as_of=draft.as_of.isoformat(),
        departments=list(draft.departments()),
        problems=list(draft.problems()),
        overdue=[
            {"problem_id": i.problem_id, "department": i.department, "clock": i.clock,
             "last_day": i.last_day.isoformat(), "working_days_late": i.working_days_late,
             "level": i.level.value, "role": i.role, "rung": i.rung.value if i.rung else None}
            for i in draft.overdue
        ],
        redone=[
            {"problem_id": r.problem_id, "department": r.department, "visited_at": r.visited_at.isoformat()}
            for r in draft.redone
        ],
        proposed_for_criticism=[
            {"problem_id": i.problem_id, "department": i.department, "clock": i.clock, "role": i.role,
             "last_day": i.last_day.isoformat(), "working_days_late": i.working_days_late,
             "letter_day": i.letter_day.isoformat() if i.letter_day else None,
             "criticism_day": i.criticism_day.isoformat() if i.criticism_day else None,
             "reason": i.criticism_reason()}
            for i in draft.proposed_for_criticism()
        ],
        rankings=[
            {"metric": r.definition.name, "method": r.method_zh,
             "rows": [{"rank": x.rank, "department": x.key, "value": x.figure.text()} for x in r.rows]}
            for r in draft.rankings
        ],
        body=circular_markdown(draft),
        scores=draft.scores.to_json() if draft.scores else None,
    )  # fmt: skip
    return record.model_dump_json(indent=indent)


def publish_command(draft: CircularDraft) -> PublishCircular:
    """The `PublishCircular` command that records the draft (run it as the supervisor)."""
    return PublishCircular(
        county=draft.county,
        title=draft.title,
        period_start=draft.period_start,
        period_end=draft.period_end,
        departments=draft.departments(),
        problems=draft.problems(),
        body=circular_markdown(draft),
    )
