"""考核 in words: a month's scores and its 红黑榜 as Markdown lines and as table rows.

What `govbiz report` (every format) and the supervision circular print: the
ranking rule with its minimum (never a ranking on too few cases), the 红榜 and
the 黑榜, the departments left unranked, and each department's score line by
line, every line with how it was computed and the problem ids behind it.
`name` turns a department code into the name printed (the code by default).

    >>> from govbiz.metrics.score import monthly_scores
    >>> ranking_rule(monthly_scores((), county="430800", month="2025-04"))[:18]
    '排名规则：当月交办不少于3件的部门'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from govbiz.metrics.score import DepartmentScore, MonthlyScores

__all__ = ["SCORE_HEADERS", "board_names", "ranking_rule", "score_rows", "scores_markdown"]

#: The columns of `score_rows`.
SCORE_HEADERS = ("部门代码", "部门", "名次", "项目", "得分", "计算", "问题编号")


def _same(code: str) -> str:
    return code


def ranking_rule(scores: MonthlyScores) -> str:
    """The rule of the boards in one sentence, with the month's minimum."""
    return (
        f"排名规则：当月交办不少于{scores.min_assigned}件的部门参加排名，按得分从高到低排列，得分相同按部门代码；"
        f"红榜为前{scores.board_size}名，黑榜为后{scores.board_size}名（不与红榜重复）；"
        f"不足{scores.min_assigned}件的部门只计分、不排名。"
    )


def board_names(board: tuple[DepartmentScore, ...], name: Callable[[str], str] = _same) -> str:
    """`市自规局（95.0分）、市住建局（88.5分）`, or 无."""
    return "、".join(f"{name(s.department)}（{s.score}分）" for s in board) or "无"


def _place(scores: MonthlyScores) -> dict[str, int]:
    return {s.department: n for n, s in enumerate(scores.ranked(), start=1)}


def scores_markdown(
    scores: MonthlyScores, name: Callable[[str], str] = _same, level: int = 3
) -> list[str]:
    """The month's boards, the score table and each department's lines (headings at `level`)."""
    few = scores.unranked()
    unranked = "、".join(f"{name(s.department)}（{len(s.assigned)}件，{s.score}分）" for s in few)
    lines = [
        f"考核月份：{scores.month}（{scores.month}交办的问题，统计时点{scores.as_of.isoformat()}）。",
        "",
        ranking_rule(scores),
        "",
        f"- 红榜：{board_names(scores.red_list(), name)}",
        f"- 黑榜：{board_names(scores.black_list(), name)}",
        f"- 不参加排名：{unranked or '无'}",
        "",
        "| 名次 | 部门 | 得分 | 交办件数 |",
        "| ---: | --- | ---: | ---: |",
    ]
    place = _place(scores)
    ordered = sorted(scores.scores, key=lambda s: (s.department not in place, place.get(s.department, 0),
                                                   s.department))  # fmt: skip
    for s in ordered:
        rank = str(place[s.department]) if s.department in place else "—"
        lines.append(f"| {rank} | {_cell(name(s.department))} | {s.score} | {len(s.assigned)} |")
    for s in ordered:
        lines += ["", f"{'#' * level} {name(s.department)}：{s.score}分", ""]
        lines += ["| 项目 | 得分 | 计算 | 问题编号 |", "| --- | ---: | --- | --- |"]
        for line in s.lines:
            ids = "、".join(line.problem_ids) or "—"
            lines.append(f"| {_cell(line.label)} | {line.points:+.1f} | {_cell(line.detail)} | {ids} |")
    return lines


def score_rows(
    scores: MonthlyScores, name: Callable[[str], str] = _same
) -> Iterator[tuple[str, str, str, str, float, str, str]]:
    """A row per score line, then a 合计 row per department (`SCORE_HEADERS`), best ranked first."""
    place = _place(scores)
    for s in sorted(scores.scores, key=lambda s: (s.department not in place, place.get(s.department, 0))):
        rank = str(place[s.department]) if s.department in place else "不排名"
        for line in s.lines:
            yield (s.department, name(s.department), rank, line.label, line.points, line.detail,
                   " ".join(line.problem_ids))  # fmt: skip
        yield (s.department, name(s.department), rank, "合计", s.score, f"交办{len(s.assigned)}件",
               " ".join(s.assigned))  # fmt: skip


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
