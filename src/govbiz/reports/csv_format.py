"""The CSV format: UTF-8 with a byte-order mark, so Excel opens Chinese correctly.

Excel on Chinese Windows reads a CSV file without a byte-order mark as GBK
and shows UTF-8 Chinese as mojibake; the BOM (`EF BB BF`) makes it read
UTF-8.  Lines end with CRLF (what Excel writes), and every text cell is
neutralised against formula injection, and stripped of what no file can
hold (`govbiz.reports.cells.cell_text`).

A metrics report becomes one long table, a row per figure, with the
definition (口径) in the row's last column (a month's scores, 月度考核, add a
row per board and per score line, its computation and problems in that
column); the problem ledger becomes a
row per problem with the `LEDGER_COLUMNS` headers, which `govbiz import`
reads back (`CsvFormat.read_rows`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from govbiz.errors import ValidationError
from govbiz.metrics.definitions import MetricKind
from govbiz.metrics.figures import GroupFigures, MetricsResult
from govbiz.metrics.score_text import board_names, ranking_rule, score_rows
from govbiz.ports.report_format import Cell, Report
from govbiz.reports.cells import cell_text
from govbiz.reports.ledger_table import LEDGER_COLUMNS, LedgerReport
from govbiz.reports.report import MetricsReport
from govbiz.reports.unsupported import unsupported

__all__ = ["BOM", "METRIC_HEADERS", "CsvFormat", "digit_only_codes", "digit_only_warning"]

BOM = "\ufeff"
#: The columns of a metrics report as CSV.
METRIC_HEADERS = ("分组维度", "分组", "指标代码", "指标", "数值", "分子", "分母", "口径")


class CsvFormat:
    """CSV, UTF-8 with BOM, CRLF (`.csv`); also reads a ledger back."""

    name = "csv"
    suffix = ".csv"

    def render(self, report: Report) -> bytes:
        """The report as CSV bytes, starting with the UTF-8 byte-order mark."""
        if isinstance(report, MetricsReport):
            if report.circular is not None:
                raise ValidationError(
                    "circular", report.circular.title,
                    "a CSV file is one table of figures and has no place for the supervision circular "
                    "(督查通报): write the report with the circular as .xlsx, .html or .md, or the circular "
                    "alone with `govbiz document circular`",
                )  # fmt: skip
            rows = [METRIC_HEADERS, *metric_rows(report)]
        elif isinstance(report, LedgerReport):
            rows = [tuple(c.header for c in LEDGER_COLUMNS), *ledger_rows(report)]
        else:
            raise unsupported(self.name, report)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows([_cell(v) for v in row] for row in rows)
        return (BOM + out.getvalue()).encode("utf-8")

    def read_rows(self, data: bytes) -> list[tuple[Cell, ...]]:
        """The rows of a CSV file (UTF-8 with or without BOM, or GBK as older Excel saves it)."""
        text = _decode(data)
        return [tuple(row) for row in csv.reader(io.StringIO(text, newline=""))]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV" on Chinese Windows saves GBK (GB18030 is its superset).
        return data.decode("gb18030")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return cell_text(value) if isinstance(value, str) else value


def metric_rows(report: MetricsReport) -> Iterable[tuple[object, ...]]:
    """A row per figure: the totals, each grouping's groups, then the overdue trend."""
    yield from _result_rows("合计", report.overall, [report.overall.total])
    for section in report.sections:
        yield from _result_rows(section.label_zh, section.result, section.result.groups)
    for point in report.overdue_trend:
        d = point.overdue.definition
        statement = f"{d.statement_zh()}；统计时点为该月末（{point.as_of.isoformat()}）"
        yield ("月末时点", point.month, d.name, d.name_zh, len(point.overdue.numerator), "", "", statement)
    if report.scores is not None:
        yield from _score_rows(report)


def _score_rows(report: MetricsReport) -> Iterable[tuple[object, ...]]:
    """月度考核: the boards (the rule in the last column), then a row per score line with its problems."""
    scores = report.scores
    assert scores is not None
    dimension = f"月度考核{scores.month}"
    name = report.department_name
    rule = f"{ranking_rule(scores)}统计时点{scores.as_of.isoformat()}"
    boards = (
        ("red_list", "红榜", scores.red_list()),
        ("black_list", "黑榜", scores.black_list()),
        ("unranked", "不参加排名", scores.unranked()),
    )
    for code, label, board in boards:
        yield (dimension, label, code, label, board_names(board, name), "", "", rule)
    for department, label, rank, item, points, detail, ids in score_rows(scores, name):
        problems = f"；问题：{ids}" if ids else ""
        yield (dimension, f"{label}（{department}）", "score", item, points, "", "",
               f"名次：{rank}；{detail}{problems}")  # fmt: skip


def _result_rows(
    dimension: str, result: MetricsResult, groups: Iterable[GroupFigures]
) -> Iterable[tuple[object, ...]]:
    for group in groups:
        for definition in result.definitions:
            figure = group.figure(definition.name)
            rate = definition.kind is not MetricKind.COUNT
            numerator = figure.numerator_count
            denominator = figure.denominator_count if rate else ""
            value = figure.text()
            yield (dimension, group.label, definition.name, definition.name_zh, value,
                   numerator, denominator, definition.statement_zh())  # fmt: skip
            if definition.kind is MetricKind.DISTRIBUTION:
                for bucket in figure.buckets():
                    yield (dimension, group.label, f"{definition.name}[{bucket.label}]",
                           f"{definition.name_zh}（{bucket.label}）", len(bucket.problems), "", "",
                           definition.statement_zh())  # fmt: skip


def digit_only_codes(report: LedgerReport) -> tuple[tuple[int, str], ...]:
    """(序号, code) of each credit code made of digits only, which a spreadsheet reads as a number.

    Opened with default settings, LibreOffice and Excel turn 914308009935630050
    into 9.14308009935633E+17 and keep 15 significant digits: the code is
    lost on saving.  A CSV file has no cell types to say otherwise (a
    formula or an invisible character would change the data), so the
    export warns and names xlsx, whose cells are typed text.
    """
    return tuple((row.number, row.credit_code) for row in report.rows if row.credit_code.isdigit())


def digit_only_warning(report: LedgerReport) -> str | None:
    """The warning `govbiz export` prints for a CSV ledger with digit-only credit codes, or `None`."""
    found = digit_only_codes(report)
    if not found:
        return None
    number, code = found[0]
    return (
        f"warning: {len(found)} credit code(s) are digits only (e.g. row {number}: {code}); a spreadsheet "
        "opening this CSV with default settings shows them as numbers (9.14308009935633E+17) and loses "
        "digits when saved: export --out FILE.xlsx, or open the CSV with the 统一社会信用代码 column "
        "set to Text"
    )


def ledger_rows(report: LedgerReport) -> Iterable[tuple[object, ...]]:
    """A row per problem, in `LEDGER_COLUMNS` order."""
    for row in report.rows:
        yield tuple(row.value(c) for c in LEDGER_COLUMNS)
