"""Official documents (公文) of the Zhangjiajie simulation, written as .docx and opened in real clients.

python-docx reads the file back and checks the GB/T 9704-2012 numbers
(A4, margins, line pitch, fonts and sizes, red mark and separator); LibreOffice
converts it to PDF, and pdfinfo/pdftotext check the page size, the page count
and the text, including that a full body line holds 28 characters.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import attrs
import docx
import pytest
from click.testing import CliRunner
from docx.shared import Length, Mm, Pt
from govbiz_docx import DocxFormat
from govbiz_docx.layout import BODY_FONT, LINE_PITCH, TITLE_FONT

from govbiz.cli import main
from govbiz.clock import beijing
from govbiz.documents import (
    DocumentSet,
    DocumentSettings,
    assignment_notices,
    circular_document,
    reminder_letters,
)
from govbiz.documents.model import OfficialDocument
from govbiz.metrics import GroupContext, LedgerProblems
from tests.documents.document_data import CITY, circular, draft, zhangjiajie
from tests.reports.real_clients import program, run

LATE = datetime(2023, 7, 28, tzinfo=beijing())  # 2023-07-27 24时: three progress reports overdue


def _pdf(docx_file: Path) -> Path:
    soffice = program("soffice", "libreoffice")
    profile = (docx_file.parent / "lo-profile").resolve().as_uri()
    run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(docx_file.parent),
            str(docx_file),
        ],
        timeout=180,
    )
    pdf = docx_file.with_suffix(".pdf")
    assert pdf.exists(), "LibreOffice wrote no PDF"
    return pdf


def _info(pdf: Path) -> dict[str, str]:
    out = run([program("pdfinfo"), str(pdf)]).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def _text(pdf: Path, *layout: str) -> str:
    return run([program("pdftotext"), *layout, str(pdf), "-"]).stdout


def _flat(pdf: Path) -> str:
    """The PDF's text without spaces and line breaks, so wrapped titles and cells read whole."""
    return "".join(_text(pdf).split())


@pytest.fixture(scope="module")
def circular_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("circular") / "督查通报.docx"
    path.write_bytes(DocxFormat().render(circular()))
    return path


def test_the_page_is_a4_with_the_standards_margins_and_22_lines(circular_file: Path) -> None:
    section = docx.Document(str(circular_file)).sections[0]

    def mm(length: int | None) -> float:  # Word stores twips: compare to a tenth of a millimetre
        assert length is not None
        return round(Length(length).mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
    assert mm(section.top_margin) == 37.0
    assert mm(section.left_margin) == 28.0
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156.0  # 版心宽
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225.0  # 版心高
    assert abs(LINE_PITCH.pt * 22 - Mm(225).pt) < 1  # 22 lines fill the block
    grid = section._sectPr.find(docx.oxml.ns.qn("w:docGrid"))
    assert grid.get(docx.oxml.ns.qn("w:linePitch")) == str(LINE_PITCH.twips)


def test_fonts_sizes_and_the_red_lines(circular_file: Path) -> None:
    word = docx.Document(str(circular_file))
    paragraphs = [p for p in word.paragraphs if p.text]
    mark, number, title = paragraphs[0], paragraphs[1], paragraphs[2]
    assert mark.text == "张家界市政企面对面工作办公室"
    assert mark.runs[0].font.color.rgb == docx.shared.RGBColor(0xFF, 0, 0)
    assert mark.runs[0].font.name == TITLE_FONT
    assert number.text == "张督通〔2023〕5号"
    border = number._p.pPr.find(docx.oxml.ns.qn("w:pBdr")).find(docx.oxml.ns.qn("w:bottom"))
    assert border.get(docx.oxml.ns.qn("w:color")) == "FF0000"  # the red separator under the number
    assert title.text == "关于2023年3月1日至2023年11月15日交办问题办理情况的督查通报"
    assert title.runs[0].font.size == Pt(22)
    assert title.runs[0].font.name == TITLE_FONT
    body = next(p for p in paragraphs if p.text.startswith("为推动"))
    run_ = body.runs[0]
    assert run_.font.size == Pt(16)  # 3号
    fonts = run_._r.rPr.rFonts
    assert fonts.get(docx.oxml.ns.qn("w:eastAsia")) == BODY_FONT == "仿宋_GB2312"
    assert body.paragraph_format.line_spacing == LINE_PITCH
    texts = [p.text for p in paragraphs]
    assert "各有关单位：" in texts
    assert "附件：指标口径及排名规则" in texts
    assert texts.index("张家界市政企面对面工作办公室", 1) < texts.index(
        "2023年11月16日"
    )  # signature, then date
    imprint = word.tables[-1]
    assert imprint.rows[0].cells[0].text == "抄送：市委办公室，市政府办公室。"
    assert imprint.rows[1].cells[0].text == "张家界市政企面对面工作办公室\t2023年11月16日印发"


def test_libreoffice_prints_it_on_a4_with_28_characters_a_line(circular_file: Path) -> None:
    pdf = _pdf(circular_file)
    info = _info(pdf)
    assert info["Page size"].startswith("595.")
    assert "841.89" in info["Page size"]
    assert 3 <= int(info["Pages"]) <= 8
    text = _text(pdf)
    for expected in (
        "张督通〔2023〕5号",
        "各有关单位：",
        "办结率排名",
        "市自规局",
        "64.3%",
        "9/14",
        "指标口径及排名规则",
        "排名规则：",
        "抄送：市委办公室，市政府办公室。",
        "2023年11月16日印发",
    ):
        assert expected in text.replace(" ", ""), expected


def test_a_full_line_holds_28_characters(tmp_path: Path) -> None:
    """GB/T 9704: 28 characters a line. A paragraph of Chinese only, so each character takes one place."""
    text = "政企面对面交办问题按期办结" * 8  # 104 characters
    document = circular_document(draft(), DocumentSettings.default("张家界市", date(2023, 11, 16)))
    from govbiz.documents.model import Paragraph

    document = attrs.evolve(document, body=(Paragraph(text),))
    path = tmp_path / "lines.docx"
    path.write_bytes(DocxFormat().render(document))
    lines = [
        line.strip()
        for line in _text(_pdf(path), "-layout").splitlines()
        if "按期办结" in line or "交办" in line
    ]
    lines = [line.replace(" ", "") for line in lines if set(line.replace(" ", "")) <= set(text)]
    assert len(lines[0]) == 26, lines  # the first line is indented two characters
    assert [len(line) for line in lines[1:3]] == [28, 28], lines
    assert "".join(lines) == text


def test_a_circular_with_overdue_items_names_each_department(tmp_path: Path) -> None:
    late = draft(LATE, date(2023, 7, 1))
    document = circular_document(late, DocumentSettings.default("张家界市", date(2023, 7, 28)))
    assert document.number == "张督通〔2023〕1号"
    assert len(late.overdue) == 3
    path = tmp_path / "late.docx"
    path.write_bytes(DocxFormat().render(document))
    text = _flat(_pdf(path))
    for department in ("市财政局", "市市场监管局", "市住建局"):
        assert f"{department}（1项）" in text, department
    assert "430800-2023-0031" in text
    assert "报送落实情况" in text


def test_assignment_notices_one_per_department_of_the_first_reception_day(tmp_path: Path) -> None:
    run_ = zhangjiajie()
    viewer = run_.viewer()
    context = GroupContext.from_ledger(run_.ledger, viewer)
    first = next(s for s in context.sessions.values() if s.held_on == date(2023, 3, 31))
    settings = DocumentSettings.default("张家界市", date(2023, 3, 31))
    notices = assignment_notices(
        LedgerProblems(run_.ledger, viewer, county=CITY), [first], settings, context=context
    )
    assert [n.number for n in notices[:2]] == ["张交办〔2023〕1号", "张交办〔2023〕2号"]
    assert len({n.addressees for n in notices}) == len(notices) > 1
    land = next(n for n in notices if n.addressees == ("市自规局",))
    assert "新厂“五通一平”施工保障" in land.text()
    assert "报送办理结果：" in land.text()
    path = tmp_path / "交办单.docx"
    path.write_bytes(DocxFormat().render(DocumentSet("交办单", notices)))
    pdf = _pdf(path)
    assert int(_info(pdf)["Pages"]) >= len(notices)  # each notice from a new page
    text = _flat(pdf)
    assert text.count("问题交办单") == len(notices)
    assert land.addressees[0] + "：" in text
    found = re.search(r"签收：\d{4}年\d+月\d+日", land.text())
    assert found is not None
    sign = found.group(0)
    assert sign in text
    assert sign.startswith("签收：2023年4月")


def test_reminder_letters_for_the_overdue_clocks() -> None:
    letters = reminder_letters(
        draft(LATE, date(2023, 7, 1)), DocumentSettings.default("张家界市", date(2023, 7, 28))
    )
    assert [x.addressees for x in letters] == [("市财政局",), ("市市场监管局",), ("市住建局",)]
    assert all("催办通知书" in x.title for x in letters)
    assert "2023年7月27日24时" in letters[0].text()
    from govbiz.errors import ValidationError

    with pytest.raises(ValidationError, match="no overdue clock"):
        reminder_letters(
            draft(LATE, date(2023, 7, 1)),
            DocumentSettings.default("张", date(2023, 7, 28)),
            departments=("430800-fgw",),
        )


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("zjj")
    done = CliRunner().invoke(main, ["simulate", "--db", f"sqlite:///{folder / 'zjj.db'}"])
    assert done.exit_code == 0, done.output
    return f"sqlite:///{folder / 'zjj.db'}"


def test_the_command_writes_docx_pdf_and_html(ledger_file: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "催办.pdf"
    done = runner.invoke(
        main,
        [
            "document",
            "reminder",
            "--db",
            ledger_file,
            "--as-of",
            "2023-07-27",
            "--issuer",
            "张家界市优化营商环境办公室",
            "--cc",
            "市纪委监委",
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "3 documents" in done.output
    text = _flat(out)
    assert "张家界市优化营商环境办公室" in text
    assert "张督办〔2023〕3号" in text
    assert "抄送：市纪委监委。" in text
    assert _info(out)["Page size"].startswith("595.3")
    assert "(A4)" in _info(out)["Page size"]
    html = tmp_path / "交办单.html"
    done = runner.invoke(
        main,
        [
            "document",
            "assignment",
            "--db",
            ledger_file,
            "--day",
            "2023-03-31",
            "--department",
            "430800-zgj",
            "--out",
            str(html),
        ],
    )
    assert done.exit_code == 0, done.output
    page = html.read_text("utf-8")
    assert page.count('<article class="gongwen">') == 1
    assert "<table>" in page
    assert "市自规局：" in page


def test_a_document_dated_2027(ledger_file: str, tmp_path: Path) -> None:
    """A circular for the first quarter of 2027 on the same ledger: numbered and dated in 2027."""
    out = tmp_path / "2027.docx"
    done = CliRunner().invoke(
        main,
        [
            "document",
            "circular",
            "--db",
            ledger_file,
            "--since",
            "2027-01-01",
            "--as-of",
            "2027-03-31",
            "--number",
            "2",
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    text = _flat(_pdf(out))
    assert "张督通〔2027〕2号" in text
    assert "关于2027年1月1日至2027年3月31日交办问题办理情况的督查通报" in text
    assert "2027年3月31日24时" in text
    assert "2027年3月31日印发" in text
    assert "市自规局" in text  # the cumulative ranking still counts the 2023 problems


def test_refusals_name_what_to_do(ledger_file: str, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(
        main,
        [
            "document",
            "circular",
            "--db",
            ledger_file,
            "--since",
            "2023-01-01",
            "--as-of",
            "2023-11-15",
            "--out",
            str(tmp_path / "x.xlsx"),
        ],
    )
    assert done.exit_code == 2
    assert ".docx" in done.output
    assert ".html" in done.output
    done = runner.invoke(
        main,
        [
            "document",
            "reminder",
            "--db",
            ledger_file,
            "--as-of",
            "2023-11-15",
            "--out",
            str(tmp_path / "x.docx"),
        ],
    )
    assert done.exit_code == 1
    assert "nothing to remind" in done.output
    assert not (tmp_path / "x.docx").exists()


def test_without_the_plugin_docx_is_refused_naming_it(ledger_file: str, tmp_path: Path) -> None:
    script = (
        "import sys, govbiz.plugins as p\n"
        "p.report_formats = lambda pm=None: {}\n"
        "from govbiz.cli import main\n"
        "sys.exit(main([*sys.argv[1:]]))\n"
    )
    args = [
        "document",
        "circular",
        "--db",
        ledger_file,
        "--since",
        "2023-01-01",
        "--as-of",
        "2023-11-15",
        "--out",
        str(tmp_path / "x.docx"),
    ]
    done = subprocess.run(
        [__import__("sys").executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "govbiz-docx" in done.stderr
    assert "pip install govbiz-docx" in done.stderr


def test_the_format_refuses_what_is_not_a_document() -> None:
    from govbiz.errors import ValidationError

    with pytest.raises(ValidationError, match="official documents"):
        DocxFormat().render(draft())  # type: ignore[arg-type]
    assert isinstance(circular(), OfficialDocument)


def test_the_county_file_names_the_issuer_and_the_options_win(ledger_file: str, tmp_path: Path) -> None:
    config = tmp_path / "county.toml"
    config.write_text(
        '[[divisions]]\ncode = "430800"\nname = "张家界市"\n\n'
        '[documents]\nissuer = "中共张家界市委统战部"\nprefix = "张统"\ncopies_to = ["市工商联"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "交办单.html"
    args = [
        "document",
        "assignment",
        "--db",
        ledger_file,
        "--day",
        "2023-03-31",
        "--department",
        "430800-zgj",
    ]
    done = CliRunner().invoke(main, [*args, "--config", str(config), "--out", str(out)])
    assert done.exit_code == 0, done.output
    page = out.read_text("utf-8")
    assert "中共张家界市委统战部" in page
    assert "张统〔2023〕1号" in page
    assert "抄送：市工商联。" in page
    done = CliRunner().invoke(
        main, [*args, "--config", str(config), "--number", "7", "--cc", "市政府办公室", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    page = out.read_text("utf-8")
    assert "张统〔2023〕7号" in page
    assert "抄送：市政府办公室。" in page
    assert "市工商联" not in page


def test_the_docs_show_a_picture_of_each_document_and_keep_them_small() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs"
    page = (docs / "how-to" / "official-documents.md").read_text("utf-8")
    for name in ("circular", "assignment", "reminder", "circular-imprint", "circular-html"):
        picture = docs / "images" / "documents" / f"{name}.png"
        assert f"../images/documents/{name}.png" in page, name
        data = picture.read_bytes()
        assert data.startswith(b"\x89PNG")
        assert len(data) < 150_000, (name, len(data))


def test_without_libreoffice_a_pdf_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, ledger_file: str, tmp_path: Path
) -> None:
    from govbiz.documents import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(pdf.PdfUnavailableError, match="apt install libreoffice-writer"):
        pdf.docx_to_pdf(DocxFormat().render(circular()))
    out = tmp_path / "x.pdf"
    done = CliRunner().invoke(
        main, ["document", "reminder", "--db", ledger_file, "--as-of", "2023-07-27", "--out", str(out)]
    )
    assert done.exit_code == 1
    assert "needs LibreOffice" in done.output
    assert "Traceback" not in done.output
    assert not out.exists()  # nothing half-written


def test_a_seriously_overdue_clock_gets_the_supervision_letter() -> None:
    from govbiz.deadlines import Rung, WarningLevel
    from govbiz.supervision import OverdueItem

    late = draft(LATE, date(2023, 7, 1))
    # Seriously overdue, and so at the escalation ladder's criticism rung (拟通报批评) by default.
    serious = attrs.evolve(
        late.overdue[0], level=WarningLevel.SERIOUSLY_OVERDUE, working_days_late=9, rung=Rung.CRITICISM
    )
    assert isinstance(serious, OverdueItem)
    letters = reminder_letters(
        attrs.evolve(late, overdue=(serious, *late.overdue[1:])),
        DocumentSettings.default("张家界市", date(2023, 7, 28)),
    )
    assert letters[0].title == "关于市财政局交办问题超期未报的督办函"
    assert "通报批评" in letters[0].text()
    assert WarningLevel.SERIOUSLY_OVERDUE.zh in letters[0].text()  # the level in the table
    assert letters[1].title.endswith("催办通知书")


def test_the_imprint_sits_at_the_foot_of_the_last_page(circular_file: Path) -> None:
    """版记 on the last page, its last rule on the block's bottom edge (37 + 225 mm: 742.7 pt down)."""
    pdf = _pdf(circular_file)
    last = _info(pdf)["Pages"]
    boxes = run([program("pdftotext"), "-bbox", "-f", last, "-l", last, str(pdf), "-"]).stdout
    found = re.findall(r'yMax="([\d.]+)">([^<]*印发)<', boxes)
    assert found, "the 印发 line on the last page"
    bottom = float(found[-1][0])
    assert 700 < bottom <= Mm(262).pt + 1, bottom
