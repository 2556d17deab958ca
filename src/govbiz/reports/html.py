"""The HTML format (网页报表): one self-contained file that works offline.

Government intranets have no internet.  The page therefore references
nothing outside itself: no script, no web font, no image file, no link.
Styles are inline, charts are inline SVG drawn by `govbiz.reports.charts`,
and Chinese text uses a stack of CJK fonts found on Windows, macOS and Linux.
It prints on A4.

A metrics report shows three charts (completion by department, overdue at
each month's end, completed and in progress by category), then every table
with each rate's definition (口径) directly above it.  Hovering a figure
lists the problems behind it (drill-down, 穿透到件).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from importlib import resources
from string import Template

from govbiz import __version__
from govbiz.documents.html import DOCUMENT_CSS
from govbiz.metrics.definitions import MetricDefinition, MetricKind
from govbiz.metrics.figures import Figure, GroupFigures, MetricsResult
from govbiz.metrics.grouping import Grouping
from govbiz.metrics.score_text import board_names, ranking_rule, score_rows
from govbiz.ports.report_format import Report
from govbiz.reports import charts
from govbiz.reports.instants import readable_instant
from govbiz.reports.ledger_table import LEDGER_COLUMNS, ColumnKind, LedgerReport
from govbiz.reports.report import MetricsReport
from govbiz.reports.unsupported import unsupported

__all__ = ["HtmlFormat", "render_ledger_html", "render_report_html"]

_NUMERALS = "一二三四五六七八九十"
#: Problem ids listed in a figure's tooltip before "…".
_TOOLTIP_IDS = 30


class HtmlFormat:
    """HTML, one self-contained UTF-8 file with inline SVG charts (`.html`)."""

    name = "html"
    suffix = ".html"

    def render(self, report: Report) -> bytes:
        """The report as an HTML page."""
        if isinstance(report, MetricsReport):
            return render_report_html(report).encode("utf-8")
        if isinstance(report, LedgerReport):
            return render_ledger_html(report).encode("utf-8")
        raise unsupported(self.name, report)


def _page(title: str, meta: str, body: Iterable[str]) -> str:
    template = Template(
        resources.files("govbiz.reports").joinpath("templates/report.html").read_text("utf-8")
    )
    return template.substitute(
        title=escape(title),
        meta=escape(meta),
        body="\n".join(body),
        fonts=charts.CJK_FONTS,
        document_css=DOCUMENT_CSS,
        version=__version__,
    )


def _tooltip(figure: Figure) -> str:
    ids = figure.numerator
    shown = " ".join(ids[:_TOOLTIP_IDS]) + (f" …（共{len(ids)}件）" if len(ids) > _TOOLTIP_IDS else "")
    return f"{figure.definition.name_zh}：{shown}" if ids else ""


def _num(text: str, figure: Figure | None = None) -> str:
    tip = _tooltip(figure) if figure is not None else ""
    title = f' title="{escape(tip)}"' if tip else ""
    return f'<td class="num"{title}>{escape(text)}</td>'


def _definition(definition: MetricDefinition, extra: str = "") -> str:
    return f'<p class="definition">口径：{escape(definition.statement_zh())}{escape(extra)}</p>'


def render_report_html(report: MetricsReport) -> str:
    """A metrics report as a self-contained HTML page."""
    meta = f"统计时点：{readable_instant(report.as_of)}"
    if report.county:
        meta += f"　区县：{report.county_name or report.county}（{report.county}）"
    number = iter(_NUMERALS)
    body = [f'<p class="note">{escape(note)}</p>' for note in report.notes]
    body += [f"<h2>{next(number)}、统计图</h2>", *_charts(report)]
    body += [f"<h2>{next(number)}、总体情况</h2>", _overall(report.overall)]
    for section in report.sections:
        body.append(f"<h2>{next(number)}、{escape(section.title)}</h2>")
        body += _grouped(section.result)
    if report.overdue_trend:
        body += [f"<h2>{next(number)}、超期件数月度趋势</h2>", _trend_table(report)]
    if report.scores is not None:
        heading = f"{next(number)}、月度考核红黑榜（{escape(report.scores.month)}）"
        body += [f"<h2>{heading}</h2>", *_scores(report)]
    if report.circular is not None:
        body += [f"<h2>{next(number)}、督查通报</h2>", *_circular(report)]
    return _page(report.title, meta, body)


def _scores(report: MetricsReport) -> list[str]:
    """The rule, the boards, then each department's score line by line with its problems (hover too)."""
    scores = report.scores
    assert scores is not None
    name = report.department_name
    unranked = "、".join(f"{name(s.department)}（{len(s.assigned)}件）" for s in scores.unranked()) or "无"
    rule = f"{ranking_rule(scores)}统计时点：{readable_instant(scores.as_of)}"
    html = [
        f'<p class="definition">{escape(rule)}</p>',
        f"<p>红榜：{escape(board_names(scores.red_list(), name))}</p>",
        f"<p>黑榜：{escape(board_names(scores.black_list(), name))}</p>",
        f"<p>不参加排名：{escape(unranked)}</p>",
        "<table><tr><th>部门</th><th>名次</th><th>项目</th><th>得分</th><th>计算</th><th>问题编号</th></tr>",
    ]
    for _code, label, rank, item, points, detail, ids in score_rows(scores, name):
        title = f' title="{escape(ids)}"' if ids else ""
        total = ' class="total"' if item == "合计" else ""
        html.append(
            f"<tr{total}><td>{escape(label)}</td><td>{escape(rank)}</td><td>{escape(item)}</td>"
            f'<td class="num"{title}>{points:.1f}</td><td>{escape(detail)}</td><td>{escape(ids)}</td></tr>'
        )
    return ["".join(html) + "</table>"]


def _charts(report: MetricsReport) -> list[str]:
    out = []
    by_department = report.section(Grouping.DEPARTMENT)
    if by_department is not None:
        rows = [g for g in by_department.result.groups if g.figure("assigned").numerator]
        # Highest rate first, as a ranking reads; equal rates by name so the order is stable.
        rows.sort(key=lambda g: (-(g.figure("completion_rate").value or 0), g.label))
        bars = [
            charts.Bar(g.label, float(g.figure("completion_rate").value or 0),
                       f"{g.figure('completion_rate').text()}（{g.figure('completion_rate').fraction_text()}）",
                       _tooltip(g.figure("completed")))
            for g in rows
        ]  # fmt: skip
        definition = by_department.result.total.figure("completion_rate").definition
        svg = charts.bar_chart("各主办部门办结率", bars, max_value=100)
        out.append(_figure("图1　各主办部门办结率", svg, definition))
    if report.overdue_trend:
        points = [
            charts.Point(p.month, len(p.overdue.numerator), _tooltip(p.overdue)) for p in report.overdue_trend
        ]
        svg = charts.line_chart("各月末超期件数", points)
        definition = report.overdue_trend[0].overdue.definition
        out.append(
            _figure("图2　各月末超期件数", svg, definition, "；统计时点为各月末（本月为报表统计时点）")
        )
    by_category = report.section(Grouping.CATEGORY)
    if by_category is not None:
        series = (charts.Series("已办结", "#2e7d32"), charts.Series("在办（含长期推进）", "#1565c0"))
        stacked = [_category_bar(g) for g in by_category.result.groups if g.figure("assigned").numerator]
        svg = charts.stacked_bar_chart("各问题类别办理情况", series, stacked)
        definition = by_category.result.total.figure("completion_rate").definition
        out.append(_figure("图3　各问题类别办理情况", svg, definition))
    return out


def _category_bar(group: GroupFigures) -> charts.StackedBar:
    counts = (len(group.figure("completed").numerator), len(group.figure("in_progress").numerator))
    rate = group.figure("completion_rate").text()
    return charts.StackedBar(group.label, counts, f"交办{group.figure('assigned').text()}件 办结率{rate}")


def _figure(caption: str, svg: str, definition: MetricDefinition, extra: str = "") -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}{_definition(definition, extra)}</figure>"


def _overall(result: MetricsResult) -> str:
    rows = ['<table class="overall"><tr><th>指标</th><th>数值</th><th>分子/分母</th><th>口径</th></tr>']
    for definition in result.definitions:
        figure = result.total.figure(definition.name)
        value = figure.text()
        if definition.kind is MetricKind.DISTRIBUTION:
            value += "（" + "，".join(f"{b.label} {len(b.problems)}" for b in figure.buckets()) + "）"
        rows.append(
            f"<tr><td>{escape(definition.name_zh)}</td>{_num(value, figure)}"
            f'{_num(figure.fraction_text() or "—")}<td class="definition-cell">'
            f"{escape(definition.statement_zh())}</td></tr>"
        )
    return "".join(rows) + "</table>"


def _grouped(result: MetricsResult) -> list[str]:
    """One small table per metric, each under its definition."""
    out = []
    rows = [result.total, *result.groups]
    for definition in result.definitions:
        out.append(f"<h4>{escape(definition.name_zh)}（{escape(definition.name)}）</h4>")
        out.append(_definition(definition))
        out.append(_metric_table(definition, rows, result.grouping_label_zh))
    return out


def _metric_table(definition: MetricDefinition, rows: Sequence[GroupFigures], grouping_zh: str | None) -> str:
    head = escape(grouping_zh) if grouping_zh else "分组"
    if definition.kind is MetricKind.DISTRIBUTION:
        labels = [b.label for b in rows[0].figure(definition.name).buckets()]
        html = [
            f"<table><tr><th>{head}</th><th>合计</th>"
            + "".join(f"<th>{escape(x)}</th>" for x in labels)
            + "</tr>"
        ]
        for row in rows:
            figure = row.figure(definition.name)
            cells = "".join(_num(str(len(b.problems))) for b in figure.buckets())
            html.append(f"<tr><td>{escape(row.label)}</td>{_num(figure.text(), figure)}{cells}</tr>")
        return "".join(html) + "</table>"
    html = [f"<table><tr><th>{head}</th><th>数值</th><th>分子/分母</th></tr>"]
    for row in rows:
        figure = row.figure(definition.name)
        fraction = _num(figure.fraction_text() or "—")
        html.append(f"<tr><td>{escape(row.label)}</td>{_num(figure.text(), figure)}{fraction}</tr>")
    return "".join(html) + "</table>"


def _trend_table(report: MetricsReport) -> str:
    definition = report.overdue_trend[0].overdue.definition
    html = [_definition(definition, "；统计时点为各月末（本月为报表统计时点）")]
    html.append("<table><tr><th>月份</th><th>统计时点</th><th>超期件数</th><th>累计交办</th></tr>")
    for p in report.overdue_trend:
        html.append(
            f"<tr><td>{p.month}</td><td>{escape(readable_instant(p.as_of))}</td>"
            f"{_num(p.overdue.text(), p.overdue)}{_num(p.assigned.text())}</tr>"
        )
    return "".join(html) + "</table>"


def _circular(report: MetricsReport) -> list[str]:
    """The circular as a document: headings, real tables, the definitions annexed (no red header)."""
    from govbiz.documents import DocumentSettings, circular_document
    from govbiz.documents.html import document_html
    from govbiz.metrics.facts import local_day

    assert report.circular is not None
    settings = DocumentSettings.default(report.county_name or report.county or "", local_day(report.as_of))
    return [document_html(circular_document(report.circular, settings), header=False)]


def render_ledger_html(report: LedgerReport) -> str:
    """The problem ledger as an HTML table, status coloured, then the summary."""
    head = "".join(f"<th>{escape(c.header)}</th>" for c in LEDGER_COLUMNS)
    rows = [f'<table class="ledger"><tr>{head}</tr>']
    for row in report.rows:
        cells = []
        for column in LEDGER_COLUMNS:
            value = row.value(column)
            text = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
            klass = (
                "status"
                if column.field == "status"
                else ("num" if column.kind is not ColumnKind.TEXT else "")
            )
            cells.append(f'<td class="{klass}">{escape(text)}</td>' if klass else f"<td>{escape(text)}</td>")
        rows.append(f'<tr class="tone-{row.tone.value}">{"".join(cells)}</tr>')
    body = ["<h2>一、问题台账</h2>", "".join(rows) + "</table>", "<h2>二、汇总</h2>"]
    for result in report.summary:
        body += _grouped(result)
    meta = f"统计时点：{readable_instant(report.as_of)}　问题件数：{len(report.rows)}"
    return _page(report.title, meta, body)
