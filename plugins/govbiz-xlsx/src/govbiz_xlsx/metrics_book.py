"""The metrics report as a workbook (办理情况统计.xlsx).

Sheet 总体情况 lists every metric with its value, numerator, denominator and
definition (口径) in the next column.  Each breakdown gets a sheet: one row
per group, one column per metric, and the metric's definition in the row
directly under its name.  Sheet 超期趋势 has the overdue count at each
month's end; sheet 月度考核, when the report has a month's scores, the
ranking rule, the 红黑榜 and every score line with its problems.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govbiz.metrics.definitions import MetricDefinition, MetricKind
from govbiz.metrics.figures import MetricsResult
from govbiz.metrics.score_text import SCORE_HEADERS, board_names, ranking_rule, score_rows
from govbiz.reports.report import MetricsReport, ReportSection
from govbiz_xlsx.styles import (
    FONT,
    body_cell,
    figure_cell,
    header_cell,
    landscape_fit_to_width,
    readable_instant,
    set_value,
    title_cell,
)

__all__ = ["metric_columns", "metrics_workbook"]


def metrics_workbook(report: MetricsReport) -> Workbook:
    """The report as a workbook: 总体情况, one sheet per breakdown, 超期趋势."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "总体情况"
    _overall(sheet, report)
    for section in report.sections:
        _section(book.create_sheet(section.title[:31]), report, section)
    if report.overdue_trend:
        _trend(book.create_sheet("超期趋势"), report)
    if report.scores is not None:
        _scores(book.create_sheet("月度考核"), report)
    if report.circular is not None:
        from govbiz_xlsx.circular_sheet import circular_sheet

        circular_sheet(book.create_sheet("督查通报"), report)
    return book


def _overall(sheet: Worksheet, report: MetricsReport) -> None:
    sheet.merge_cells("A1:E1")
    title_cell(sheet["A1"], report.title, size=14)
    notes = "".join(f"　{note}" for note in getattr(report, "notes", ()))
    set_value(sheet["A2"], f"统计时点：{readable_instant(report.as_of)}{notes}")
    for n, (header, width) in enumerate(
        (("指标", 22), ("数值", 12), ("分子", 8), ("分母", 8), ("口径", 90)), 1
    ):
        header_cell(sheet.cell(4, n), header)
        sheet.column_dimensions[get_column_letter(n)].width = width
    for row, definition in enumerate(report.overall.definitions, start=5):
        figure = report.overall.total.figure(definition.name)
        rate = definition.kind is not MetricKind.COUNT
        body_cell(sheet.cell(row, 1), definition.name_zh)
        figure_cell(sheet.cell(row, 2), figure)
        body_cell(sheet.cell(row, 3), len(figure.numerator), numeric=True)
        body_cell(sheet.cell(row, 4), len(figure.denominator) if rate else None, numeric=True)
        body_cell(sheet.cell(row, 5), definition.statement_zh(), wrap=True)
    sheet.freeze_panes = "B5"
    landscape_fit_to_width(sheet, "4:4")


def _section(sheet: Worksheet, report: MetricsReport, section: ReportSection) -> None:
    """A group per row, a metric per column (a rate and then its 分子/分母), definitions under the names."""
    result = section.result
    set_value(sheet["A1"], f"{report.title}：{section.title}")
    sheet["A1"].font = Font(name=FONT, size=12, bold=True)
    header_cell(sheet.cell(3, 1), section.label_zh)
    sheet.column_dimensions["A"].width = 20
    set_value(sheet.cell(4, 1), "口径")
    columns = metric_columns(result)
    for n, (definition, fraction) in enumerate(columns, start=2):
        header_cell(sheet.cell(3, n), "分子/分母" if fraction else definition.name_zh)
        statement = sheet.cell(4, n)
        set_value(statement, f"{definition.name_zh}的分子/分母" if fraction else definition.statement_zh())
        statement.font = Font(name=FONT, size=8, color="555555")
        statement.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(n)].width = 10 if fraction else 16
    sheet.row_dimensions[4].height = 150
    for row, group in enumerate((*result.groups, result.total), start=5):
        body_cell(sheet.cell(row, 1), group.label)
        for n, (definition, fraction) in enumerate(columns, start=2):
            figure = group.figure(definition.name)
            if fraction:
                body_cell(sheet.cell(row, n), figure.fraction_text(), numeric=True)
            else:
                figure_cell(sheet.cell(row, n), figure)
    sheet.freeze_panes = "B5"
    landscape_fit_to_width(sheet, "3:4")


def metric_columns(result: MetricsResult) -> list[tuple[MetricDefinition, bool]]:
    """The columns of a grouped table: each metric, and after a rate its fraction (True)."""
    columns: list[tuple[MetricDefinition, bool]] = []
    for definition in result.definitions:
        columns.append((definition, False))
        if definition.kind is MetricKind.RATE:
            columns.append((definition, True))
    return columns


def _trend(sheet: Worksheet, report: MetricsReport) -> None:
    definition = report.overdue_trend[0].overdue.definition
    set_value(sheet["A1"], f"超期件数月度趋势　口径：{definition.statement_zh()}；统计时点为各月末")
    for n, header in enumerate(("月份", "统计时点", "超期件数", "累计交办"), start=1):
        header_cell(sheet.cell(3, n), header)
        sheet.column_dimensions[get_column_letter(n)].width = 26 if n == 2 else 12
    for row, point in enumerate(report.overdue_trend, start=4):
        body_cell(sheet.cell(row, 1), point.month)
        body_cell(sheet.cell(row, 2), readable_instant(point.as_of))
        body_cell(sheet.cell(row, 3), len(point.overdue.numerator), numeric=True)
        body_cell(sheet.cell(row, 4), len(point.assigned.numerator), numeric=True)
    sheet.freeze_panes = "A4"


def _scores(sheet: Worksheet, report: MetricsReport) -> None:
    """月度考核: the rule and the boards on top, then a row per score line (and a 合计 per department)."""
    scores = report.scores
    assert scores is not None
    name = report.department_name
    set_value(sheet["A1"], f"月度考核红黑榜（{scores.month}）　统计时点：{readable_instant(scores.as_of)}")
    sheet["A1"].font = Font(name=FONT, size=12, bold=True)
    set_value(sheet["A2"], ranking_rule(scores))
    set_value(sheet["A3"], f"红榜：{board_names(scores.red_list(), name)}")
    set_value(sheet["A4"], f"黑榜：{board_names(scores.black_list(), name)}")
    unranked = "、".join(name(s.department) for s in scores.unranked()) or "无"
    set_value(sheet["A5"], f"不参加排名：{unranked}")
    widths = (16, 22, 8, 14, 8, 36, 60)
    for n, (header, width) in enumerate(zip(SCORE_HEADERS, widths, strict=True), start=1):
        header_cell(sheet.cell(7, n), header)
        sheet.column_dimensions[get_column_letter(n)].width = width
    for row, values in enumerate(score_rows(scores, name), start=8):
        for n, value in enumerate(values, start=1):
            body_cell(sheet.cell(row, n), value, numeric=n == 5, wrap=n in (6, 7))
    sheet.freeze_panes = "A8"
    landscape_fit_to_width(sheet, "7:7")
