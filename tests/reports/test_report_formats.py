"""The built-in formats: Markdown, JSON, CSV and HTML, each with every rate next to its definition."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from govbiz.errors import ValidationError
from govbiz.metrics.article import AS_OF
from govbiz.plugins import make_plugin_manager, report_formats
from govbiz.reports import LedgerReport, MetricsReport, ReportFormat, build_metrics_report
from tests.reports.report_data import CITY, article, ledger_report, metrics_report

STATEMENT = "办结件数占交办件数的比例；分子：办结"


@pytest.fixture(scope="module")
def formats() -> dict[str, ReportFormat]:
    return report_formats(make_plugin_manager(load_entry_points=False))


def test_the_four_formats_are_built_in(formats: dict[str, ReportFormat]) -> None:
    assert sorted(formats) == ["csv", "html", "json", "markdown"]
    assert {f.suffix for f in formats.values()} == {".csv", ".html", ".json", ".md"}


def test_the_report_has_the_articles_figures() -> None:
    report = metrics_report()
    assert report.overall.figure("assigned").text() == "59"
    assert report.overall.figure("solved").text() == "39"
    land = report.section("category")
    assert land is not None
    figure = land.result.figure("completion_rate", "土地规划")
    assert (figure.text(), figure.fraction_text()) == ("64.3%", "9/14")
    assert [s.grouping.value for s in report.sections] == ["department", "category", "month"]


def test_the_overdue_trend_is_taken_at_each_months_end() -> None:
    trend = metrics_report().overdue_trend
    assert [p.month for p in trend] == [f"2025-{m:02d}" for m in range(3, 12)]
    assert [len(p.overdue.numerator) for p in trend] == [0, 0, 0, 1, 2, 3, 6, 9, 9]
    assert [len(p.assigned.numerator) for p in trend][-1] == 59
    assert trend[0].as_of.isoformat() == "2025-04-01T00:00:00+08:00"  # the end of March, Beijing time
    assert trend[-1].as_of == metrics_report().as_of  # the current month ends at the report's instant


def test_markdown_prints_each_rate_with_its_definition(formats: dict[str, ReportFormat]) -> None:
    text = formats["markdown"].render(metrics_report()).decode("utf-8")
    assert text.startswith("# 张家界市政企面对面交办问题办理情况统计（截至2025年11月10日）")
    overall = next(line for line in text.splitlines() if line.startswith("| 办结率 |"))
    assert "74.6%" in overall and "44/59" in overall and STATEMENT in overall
    # Every grouped rate table sits right under its definition.
    for section in re.split(r"\n(?=### )", text)[1:]:
        heading = section.splitlines()[0]
        assert section.splitlines()[2].startswith("> 口径："), heading
    land = next(line for line in text.splitlines() if line.startswith("| 土地规划 | 64.3%"))
    assert land == "| 土地规划 | 64.3% | 9/14 |"
    assert "## 五、超期件数月度趋势" in text


def test_json_keeps_figures_definitions_and_problem_ids(formats: dict[str, ReportFormat]) -> None:
    data = json.loads(formats["json"].render(metrics_report()))
    assert data["kind"] == "metrics"
    total = {f["metric"]: f for f in data["overall"]["total"]["figures"]}
    assert total["assigned"]["text"] == "59"
    assert len(total["completion_rate"]["numerator"]) == 44
    assert [s["grouping"] for s in data["sections"]] == ["department", "category", "month"]
    assert [p["overdue"] for p in data["overdue_trend"]][-1] == 9
    statements = {d["name"]: d["statement_zh"] for d in data["overall"]["definitions"]}
    assert statements["completion_rate"].startswith(STATEMENT[:10])


def test_csv_has_a_bom_crlf_and_the_definition_on_every_row(formats: dict[str, ReportFormat]) -> None:
    data = formats["csv"].render(metrics_report())
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["分组维度", "分组", "指标代码", "指标", "数值", "分子", "分母", "口径"]
    land = next(r for r in rows if r[:3] == ["问题类别", "土地规划", "completion_rate"])
    assert land[4:7] == ["64.3%", "9", "14"] and land[7].startswith(STATEMENT)
    assert all(row[7] for row in rows[1:]), "every figure carries its definition"
    trend = [r for r in rows if r[0] == "月末时点"]
    assert [r[4] for r in trend] == ["0", "0", "0", "1", "2", "3", "6", "9", "9"]


def test_csv_of_the_ledger_reads_back_row_for_row(formats: dict[str, ReportFormat]) -> None:
    fmt = formats["csv"]
    data = fmt.render(ledger_report())
    rows = fmt.read_rows(data)  # type: ignore[attr-defined]
    assert rows[0][:5] == ("序号", "问题编号", "企业名称", "统一社会信用代码", "问题")
    assert len(rows) == 60
    assert rows[1][1] == "430800-2025-0001" and rows[1][8] == "2025-03-26"


def test_html_is_self_contained_and_prints_definitions(formats: dict[str, ReportFormat]) -> None:
    page = formats["html"].render(metrics_report()).decode("utf-8")
    assert not re.search(r"https?://", page), "an offline report references no URL at all"
    for loader in ("<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import"):
        assert loader not in page, loader
    assert page.count("<svg") == 3
    assert "Noto Sans CJK SC" in page and "Microsoft YaHei" in page
    assert "64.3%（9/14）" in page  # the land-planning department's bar
    assert page.count("口径：") >= len(metrics_report().overall.definitions) * 3


def test_html_ledger_colours_status(formats: dict[str, ReportFormat]) -> None:
    page = formats["html"].render(ledger_report()).decode("utf-8")
    assert page.count('<tr class="tone-') == 59
    assert 'class="tone-overdue"' in page and 'class="tone-done"' in page
    assert not re.search(r"https?://", page)


def test_ledger_report_rows() -> None:
    report = ledger_report()
    assert isinstance(report, LedgerReport) and len(report.rows) == 59
    first = report.rows[0]
    assert (first.enterprise, first.lead, first.status, first.overdue) == (
        "张家界民营企业01有限公司", "市自规局", "已销号", "否",
    )  # fmt: skip
    overdue = [r for r in report.rows if r.overdue == "是"]
    assert len(overdue) == len(metrics_report().overall.figure("overdue").numerator) == 9
    assert all(r.tone.value == "overdue" for r in overdue)


def test_a_format_refuses_a_report_it_cannot_lay_out(formats: dict[str, ReportFormat]) -> None:
    class Other:
        title = "其他"

        def to_dict(self) -> dict[str, object]:
            return {"title": self.title}

    assert json.loads(formats["json"].render(Other())) == {"title": "其他"}
    with pytest.raises(ValidationError, match="renders a MetricsReport or a LedgerReport"):
        formats["markdown"].render(Other())
    assert isinstance(metrics_report(), MetricsReport)


def test_a_cross_section_is_the_same_however_it_is_named(formats: dict[str, ReportFormat]) -> None:
    built = article()
    named = [("department", "month"), "department×month", "department * month"]
    reports = [
        build_metrics_report(built.ledger, built.supervisor, as_of=AS_OF, county=CITY, groupings=[g])
        for g in named
    ]
    sections = [r.section("department×month") for r in reports]
    assert all(s is not None and (s.grouping.value, s.then_by and s.then_by.value) == ("department", "month")
               for s in sections)  # fmt: skip
    assert len({formats["json"].render(r) for r in reports}) == 1
    rows = list(csv.reader(io.StringIO(formats["csv"].render(reports[0]).decode("utf-8-sig"))))
    assert any(row[0] == "主办部门 × 交办月份" and " × 2025-" in row[1] for row in rows)
    with pytest.raises(ValidationError, match="groupings"):
        build_metrics_report(built.ledger, built.supervisor, as_of=AS_OF, groupings=["month×month"])
