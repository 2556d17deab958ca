"""The HTML report opened in a real browser: headless Chromium, offline.

Chromium runs with networking features off and a throwaway profile.  The
DOM it builds must hold the figures, and its printed PDF, read back with
pdftotext, must hold the Chinese labels and figures of the charts: that
proves the page lays out and the CJK text is drawn with a real font.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govbiz.plugins import make_plugin_manager, report_formats
from tests.reports.real_clients import chromium, pdf_text
from tests.reports.report_data import metrics_report


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    html = report_formats(make_plugin_manager(load_entry_points=False))["html"]
    path = tmp_path_factory.mktemp("html") / "报表.html"
    path.write_bytes(html.render(metrics_report()))
    return path


def test_the_rendered_dom_holds_the_figures(page: Path, tmp_path: Path) -> None:
    dom = chromium(page, tmp_path / "profile", "--dump-dom")
    assert "各主办部门办结率" in dom
    for figure in ("64.3%（9/14）", "100.0%（6/6）", "交办14件 办结率64.3%", "74.6%", "44/59"):
        assert figure in dom, figure
    assert dom.count("<svg") == 3


def test_the_printed_page_shows_chinese_labels_and_figures(page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    chromium(page, tmp_path / "profile", f"--print-to-pdf={pdf}")
    text = pdf_text(pdf)
    for label in (
        "张家界市政企面对面交办问题办理情况统计",
        "各主办部门办结率",
        "各月末超期件数",
        "市自规局",
        "土地规划",
        "已办结",
    ):
        assert label in text, label
    for figure in ("64.3%", "9/14", "74.6%", "2025-10"):
        assert figure in text, figure


def test_a_screenshot_is_drawn(page: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", "--window-size=1200,1400", f"--screenshot={png}")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000  # a blank page compresses to a few kB
