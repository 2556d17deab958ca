"""The workbooks as they print: LibreOffice converts them to PDF, pdfinfo and pdftotext measure the pages.

The ledger prints on A3 landscape, one page wide, at a size that can be
read (body text at least 6.5 pt after scaling), with its summary on a page
of its own; the report workbook carries the circular when it is asked for.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from govbiz_xlsx import XlsxFormat
from xlsx_clients import program

import govbiz.errors
from govbiz.metrics.article import AS_OF, build_article_ledger
from govbiz.reports import build_ledger_report, build_metrics_report
from govbiz.reports.csv_format import CsvFormat

CITY = "430800"


def _pdf(workbook: Path) -> Path:
    soffice = program("soffice", "libreoffice")
    profile = (workbook.parent / "lo-profile").resolve().as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workbook.parent),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return workbook.with_suffix(".pdf")


def _pages(pdf: Path) -> list[tuple[float, float]]:
    out = subprocess.run(
        [program("pdfinfo"), "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out)]


def _page_texts(pdf: Path) -> list[str]:
    out = subprocess.run(
        [program("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")


@pytest.fixture(scope="module")
def ledger_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = build_article_ledger()
    workbook = tmp_path_factory.mktemp("ledger") / "问题台账.xlsx"
    workbook.write_bytes(
        XlsxFormat().render(build_ledger_report(built.ledger, built.supervisor, as_of=AS_OF, county=CITY))
    )
    return _pdf(workbook)


def test_the_ledger_prints_on_a3_landscape_and_the_summary_on_its_own_page(ledger_pdf: Path) -> None:
    pages = _pages(ledger_pdf)
    texts = _page_texts(ledger_pdf)
    ledger_pages = [n for n, t in enumerate(texts) if "430800-2025-" in t]
    summary_pages = [n for n, t in enumerate(texts) if "按主办部门统计" in t]
    assert ledger_pages
    assert summary_pages
    assert max(ledger_pages) < min(summary_pages)  # the summary starts a page
    for n in ledger_pages:
        width, height = pages[n]
        assert (round(width), round(height)) == (1191, 842), pages[n]  # A3 landscape
    assert all(abs(pages[n][0] - 595) < 2 for n in summary_pages)  # A4 portrait
    # Every ledger page holds all 21 columns: one page wide.
    assert all("统一社会信用代码" in texts[n] and "回访情况" in texts[n] for n in ledger_pages)


def test_the_ledger_text_prints_at_a_readable_size(ledger_pdf: Path) -> None:
    out = subprocess.run(
        [program("pdftotext"), "-bbox", "-f", "1", "-l", "1", str(ledger_pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    heights = [
        float(b) - float(a)
        for a, b, word in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', out)
        if word.startswith("430800-2025-")
    ]
    assert heights, "the problem numbers on page 1"
    assert min(heights) >= 6.5, heights  # 10 pt scaled to fit: still readable


def test_the_report_workbook_carries_the_circular_and_csv_refuses_it(tmp_path: Path) -> None:
    built = build_article_ledger()
    report = build_metrics_report(
        built.ledger, built.supervisor, as_of=AS_OF, county=CITY, circular_since=date(2025, 10, 1)
    )
    workbook = tmp_path / "报表.xlsx"
    workbook.write_bytes(XlsxFormat().render(report))
    text = "".join(_page_texts(_pdf(workbook))).replace(" ", "")
    for expected in (
        "一、超期办理情况",
        "（一）办结率排名",
        "名次",
        "附件：指标口径及排名规则",
        "排名规则：",
    ):
        assert expected in text, expected
    with pytest.raises(govbiz.errors.ValidationError, match="no place for the supervision circular"):
        CsvFormat().render(report)
