"""The workbooks opened by a real spreadsheet program: LibreOffice converts them to PDF.

pdftotext then reads the PDF: the Chinese headers, the rows and the figures
must be there, which shows the workbook opens, lays out and prints.
"""

from __future__ import annotations

from pathlib import Path

from govbiz_xlsx import XlsxFormat
from xlsx_clients import xlsx_as_pdf_text

from govbiz.metrics.article import AS_OF, build_article_ledger
from govbiz.reports import build_ledger_report, build_metrics_report

CITY = "430800"


def test_the_ledger_workbook_prints_its_rows_in_libreoffice(tmp_path: Path) -> None:
    built = build_article_ledger()
    workbook = tmp_path / "问题台账.xlsx"
    workbook.write_bytes(
        XlsxFormat().render(build_ledger_report(built.ledger, built.supervisor, as_of=AS_OF, county=CITY))
    )
    text = xlsx_as_pdf_text(workbook, tmp_path)
    expected = (
        "政企面对面问题台账（截至2025年11月10日）", "统一社会信用代码", "张家界民营企业01有限公司",
        "430800-2025-0059", "市自规局", "已销号", "2025-03-26", "91430800MA4L00000K",
    )  # fmt: skip
    for value in expected:
        assert value in text, value
    # The summary sheet prints too, with its figures.
    assert "按主办部门统计" in text
    assert "64.3%" in text


def test_the_metrics_workbook_prints_figures_and_definitions(tmp_path: Path) -> None:
    built = build_article_ledger()
    report = build_metrics_report(built.ledger, built.supervisor, as_of=AS_OF, county=CITY)
    workbook = tmp_path / "办理情况统计.xlsx"
    workbook.write_bytes(XlsxFormat().render(report))
    text = xlsx_as_pdf_text(workbook, tmp_path)
    for expected in ("办结率", "74.6%", "64.3%", "土地规划", "办结件数占交办件数的比例"):
        assert expected in text, expected
