"""The supervision circular in HTML is a document page (公文网页版), opened in headless Chromium.

Inside the metrics report it is headings, paragraphs and real tables (no
Markdown in `<pre>`); on its own (`govbiz document circular --out x.html`)
it is a page that prints on A4 with the GB/T 9704 margins, red mark and
separator.  The printed PDF is read back with pdfinfo and pdftotext, and the
screenshot is checked for the red of the mark.
"""

from __future__ import annotations

import struct
import zlib
from datetime import date
from pathlib import Path

import pytest

from govbiz.documents import DocumentSettings, circular_document
from govbiz.documents.html import document_page
from govbiz.metrics.article import AS_OF
from govbiz.plugins import make_plugin_manager, report_formats
from govbiz.reports import build_metrics_report
from tests.documents.document_data import draft
from tests.reports.real_clients import chromium, pdf_text, program, run
from tests.reports.report_data import CITY, article


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = article()
    report = build_metrics_report(
        built.ledger, built.supervisor, as_of=AS_OF, county=CITY, circular_since=date(2025, 1, 1)
    )
    html = report_formats(make_plugin_manager(load_entry_points=False))["html"]
    path = tmp_path_factory.mktemp("html") / "报表.html"
    path.write_bytes(html.render(report))
    return path


@pytest.fixture(scope="module")
def document_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = DocumentSettings(
        issuer="张家界市政企面对面工作办公室",
        issued_on=date(2023, 11, 16),
        prefix="张督通",
        number=5,
        copies_to=("市委办公室",),
    )
    path = tmp_path_factory.mktemp("doc") / "督查通报.html"
    path.write_text(document_page(circular_document(draft(), settings)), encoding="utf-8")
    return path


def test_the_reports_circular_is_headings_and_tables_not_pre(report_page: Path, tmp_path: Path) -> None:
    dom = chromium(report_page, tmp_path / "profile", "--dump-dom")
    assert "<pre" not in dom
    section = dom[dom.index('<article class="gongwen">') :]
    assert "<h2>一、超期办理情况</h2>" in section
    assert "<h3>（一）办结率排名</h3>" in section
    assert "<th>名次</th>" in section and "<th>办结率</th>" in section
    assert "指标口径及排名规则" in section  # the definitions annexed
    assert "| ---" not in dom and "### " not in dom  # no Markdown left


def test_instants_print_readably_and_metric_names_are_not_squeezed(report_page: Path, tmp_path: Path) -> None:
    page = report_page.read_text("utf-8")
    assert "统计时点：2025-11-10 18:00（北京时间）" in page
    assert "T18:00:00+08:00" not in page  # no raw ISO instant
    pdf = tmp_path / "report.pdf"
    chromium(report_page, tmp_path / "profile", f"--print-to-pdf={pdf}")
    lines = pdf_text(pdf).splitlines()
    assert "table.overall td:first-child" in page and "white-space: nowrap" in page
    # Each name of the overall table prints on one line, beside its long definition.
    for name in ("按时反馈率", "满意率", "办理用时中位数"):
        assert any(name in line for line in lines), name


def test_the_document_page_prints_on_a4(document_file: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "circular.pdf"
    chromium(document_file, tmp_path / "profile", f"--print-to-pdf={pdf}")
    info = run([program("pdfinfo"), str(pdf)]).stdout
    assert "595.92 x 842.88 pts" in info or "595 x 842 pts" in info or "(A4)" in info, info
    text = "".join(pdf_text(pdf).split())
    for expected in (
        "张家界市政企面对面工作办公室",
        "张督通〔2023〕5号",
        "各有关单位：",
        "（一）办结率排名",
        "市自规局",
        "64.3%",
        "9/14",
        "附件",
        "抄送：市委办公室。",
        "2023年11月16日印发",
    ):
        assert expected in text, expected


def _red_pixels(png: bytes) -> int:
    """Pixels of a pure-ish red (the mark and the separator) in an 8-bit RGB(A) PNG."""
    assert png.startswith(b"\x89PNG")
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and colour in (2, 6)
    chunks, pos = [], 8
    while pos < len(png):
        length = struct.unpack(">I", png[pos : pos + 4])[0]
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            chunks.append(png[pos + 8 : pos + 8 + length])
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    channels = 3 if colour == 2 else 4
    stride = width * channels
    previous = bytearray(stride)
    count = 0
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        count += sum(
            1 for x in range(0, stride, channels) if line[x] > 200 and line[x + 1] < 80 and line[x + 2] < 80
        )
        previous = line
    return count


def test_the_screenshot_shows_the_red_mark(document_file: Path, tmp_path: Path) -> None:
    png = tmp_path / "circular.png"
    chromium(document_file, tmp_path / "profile", "--window-size=800,1100", f"--screenshot={png}")
    data = png.read_bytes()
    assert len(data) > 20_000  # text was drawn
    assert _red_pixels(data) > 2_000  # the red mark and separator
