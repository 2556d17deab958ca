"""The Markdown format (Markdown 报表): a report a clerk can read, diff and paste.

Every rate is printed with its definition (口径) next to it: the overall
table has a definition column, and each grouped table comes under its
metric's definition (`govbiz.metrics.render_markdown`).  A month's scores
(月度考核) print the ranking rule, the 红黑榜 and each point with its problems.
"""

from __future__ import annotations

from govbiz.metrics.definitions import MetricKind
from govbiz.metrics.figures import MetricsResult
from govbiz.metrics.render import render_markdown
from govbiz.metrics.score_text import scores_markdown
from govbiz.ports.report_format import Report
from govbiz.reports.ledger_table import LEDGER_COLUMNS, LedgerReport
from govbiz.reports.report import MetricsReport
from govbiz.reports.unsupported import unsupported

__all__ = ["MarkdownFormat", "render_ledger_markdown", "render_report_markdown"]

_NUMERALS = "一二三四五六七八九十"


class MarkdownFormat:
    """Markdown, UTF-8 (`.md`)."""

    name = "markdown"
    suffix = ".md"

    def render(self, report: Report) -> bytes:
        """The report as a Markdown page."""
        if isinstance(report, MetricsReport):
            return render_report_markdown(report).encode("utf-8")
        if isinstance(report, LedgerReport):
            return render_ledger_markdown(report).encode("utf-8")
        raise unsupported(self.name, report)


def cell(text: object) -> str:
    """`text` safe inside a Markdown table cell (no pipe, no line break)."""
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _demote(markdown: str, levels: int = 1) -> list[str]:
    """Markdown with every heading pushed down `levels` levels."""
    return [("#" * levels + line) if line.startswith("#") else line for line in markdown.splitlines()]


def overall_table(result: MetricsResult) -> list[str]:
    """Each metric's total with its definition in the next column."""
    lines = ["| 指标 | 数值 | 分子/分母 | 口径 |", "| --- | ---: | ---: | --- |"]
    for definition in result.definitions:
        figure = result.total.figure(definition.name)
        value = figure.text()
        if definition.kind is MetricKind.DISTRIBUTION:
            value += "（" + "，".join(f"{b.label} {len(b.problems)}" for b in figure.buckets()) + "）"
        lines.append(
            f"| {definition.name_zh} | {value} | {figure.fraction_text() or '—'} "
            f"| {cell(definition.statement_zh())} |"
        )
    return lines


def render_report_markdown(report: MetricsReport) -> str:
    """A metrics report: totals, each grouping, the overdue trend, the month's scores and the circular."""
    lines = [f"# {report.title}", "", f"- 统计时点：{report.as_of.isoformat()}"]
    if report.county:
        lines.append(f"- 区县：{report.county_name or report.county}（{report.county}）")
    lines += [f"- 范围：{f}" for f in report.overall.filters]
    lines += [f"- {note}" for note in report.notes]
    number = iter(_NUMERALS)
    lines += ["", f"## {next(number)}、总体情况", "", *overall_table(report.overall)]
    for section in report.sections:
        body = render_markdown(section.result).split("\n", 2)[2]  # drop the page title
        lines += ["", f"## {next(number)}、{section.title}", "", *_demote(body.strip("\n"))]
    if report.overdue_trend:
        lines += ["", f"## {next(number)}、超期件数月度趋势", "", *trend_table(report)]
    if report.scores is not None:
        lines += ["", f"## {next(number)}、月度考核红黑榜（{report.scores.month}）", ""]
        lines += scores_markdown(report.scores, report.department_name, level=3)
    if report.circular is not None:
        from govbiz.supervision import circular_markdown

        lines += ["", f"## {next(number)}、督查通报", "", *_demote(circular_markdown(report.circular), 2)]
    return "\n".join(lines).rstrip("\n") + "\n"


def trend_table(report: MetricsReport) -> list[str]:
    """The overdue count at each month's end, under the overdue definition."""
    definition = report.overdue_trend[0].overdue.definition
    lines = [
        f"> 口径：{definition.statement_zh()}；统计时点为各月末（本月为报表统计时点）",
        "",
        "| 月份 | 统计时点 | 超期件数 | 累计交办 |",
        "| --- | --- | ---: | ---: |",
    ]
    for p in report.overdue_trend:
        lines.append(f"| {p.month} | {p.as_of.isoformat()} | {p.overdue.text()} | {p.assigned.text()} |")
    return lines


def render_ledger_markdown(report: LedgerReport) -> str:
    """The problem ledger: one table row per problem, then the summary by department and category."""
    lines = [
        f"# {report.title}",
        "",
        f"- 统计时点：{report.as_of.isoformat()}",
        f"- 问题件数：{len(report.rows)}",
        "",
    ]
    lines.append("| " + " | ".join(c.header for c in LEDGER_COLUMNS) + " |")
    lines.append("|" + " --- |" * len(LEDGER_COLUMNS))
    for row in report.rows:
        values = (row.value(c) for c in LEDGER_COLUMNS)
        lines.append("| " + " | ".join(cell("" if v is None else v) for v in values) + " |")
    for result in report.summary:
        body = render_markdown(result).split("\n", 2)[2]
        label = result.grouping_label_zh or "合计"
        lines += ["", f"## 汇总：按{label}", "", *_demote(body.strip("\n"))]
    return "\n".join(lines) + "\n"
