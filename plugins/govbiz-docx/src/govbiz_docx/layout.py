"""The GB/T 9704-2012 layout (党政机关公文格式), in numbers, and a Word document laid out by it.

The standard's figures: A4 paper (210 × 297 mm); top margin 37 mm and
left (binding) margin 28 mm; a text block of 156 × 225 mm, which makes the
right margin 26 mm and the bottom 35 mm; 22 lines of 28 characters.  The
body is in 3号 (16 pt) 仿宋_GB2312; 28 characters of 16 pt are 158 mm, two
more than the block, so each character is set 0.25 pt closer (Word's
"每行28字" grid does the same).  Lines are 28.95 pt apart (225 mm / 22,
rounded down to the twip).  The title is 2号 (22 pt) 小标宋; first-level
headings 黑体, second-level 楷体_GB2312.

Fonts are named as offices install them; a computer without them shows
the first of `FALLBACKS` it has (the names are written into the file's
font table as alternatives for Word, and LibreOffice substitutes by the
font's family).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor, Twips
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from govbiz.documents.model import Annex, Block, Heading, OfficialDocument, Paragraph, Table, chinese_date

__all__ = [
    "BODY_FONT",
    "BODY_SIZE",
    "CHARS_PER_LINE",
    "FALLBACKS",
    "LINES_PER_PAGE",
    "LINE_PITCH",
    "MARGINS_MM",
    "PAGE_MM",
    "RED",
    "TEXT_BLOCK_MM",
    "TITLE_FONT",
    "TITLE_SIZE",
    "write_documents",
]

#: The paper (A4), width × height in millimetres.
PAGE_MM = (210, 297)
#: The text block (版心), width × height in millimetres.
TEXT_BLOCK_MM = (156, 225)
#: Top, right, bottom, left margins in millimetres: 37 and 28 by the standard, the others from the block.
MARGINS_MM = (37, PAGE_MM[0] - 28 - TEXT_BLOCK_MM[0], PAGE_MM[1] - 37 - TEXT_BLOCK_MM[1], 28)
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
#: 3号 and 2号 in points.
BODY_SIZE = Pt(16)
TITLE_SIZE = Pt(22)
#: The distance between lines: the block's height over 22 lines, in twips (28.95 pt).
LINE_PITCH = Twips(int(Mm(TEXT_BLOCK_MM[1]).twips / LINES_PER_PAGE))
#: Each body character set closer, in twips, so 28 fit the block's width (16 pt - 0.25 pt).
_CHAR_TIGHTEN = -5
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312", 3: BODY_FONT, 4: BODY_FONT}
#: Fonts a computer without the named one falls back to, in order.
FALLBACKS = {
    "仿宋_GB2312": ("仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", "WenQuanYi Zen Hei"),
    "方正小标宋简体": ("小标宋", "华文中宋", "STZhongsong", "宋体", "Noto Serif CJK SC", "WenQuanYi Zen Hei"),
    "黑体": ("SimHei", "STHeiti", "Noto Sans CJK SC", "WenQuanYi Zen Hei"),
    "楷体_GB2312": ("楷体", "KaiTi", "STKaiti", "Noto Serif CJK SC", "WenQuanYi Zen Hei"),
    "宋体": ("SimSun", "STSong", "Noto Serif CJK SC", "WenQuanYi Zen Hei"),
}
#: The red of the issuing-office mark and the separator.
RED = RGBColor(0xFF, 0x00, 0x00)
_TABLE_SIZE = Pt(12)  # 小四: a table of the body may be set smaller than the text
_WIDE_TABLE_SIZE = Pt(10.5)  # 五号, for a table whose columns do not fit at 小四
_IMPRINT_SIZE = Pt(14)  # 4号: 版记 and page numbers
_MARK_MAX = Pt(42)  # 初号
_SHORT = 11.0  # characters: a column this narrow keeps its whole width when a table is squeezed
_IMPRINT_LINE = Pt(24)
#: The imprint's width: 6 mm short of the block, because LibreOffice (7.4) lays a floating table
#: about as wide as the block out inline, after the text, instead of at the page's foot.
_IMPRINT_WIDTH = Mm(TEXT_BLOCK_MM[0] - 6)  # a 4号 line of the imprint with room for its rules


def write_documents(documents: Sequence[OfficialDocument]) -> bytes:
    """The documents as one .docx file, each in its own section starting on a new page."""
    word = Document()
    _defaults(word)
    for n, document in enumerate(documents):
        section = word.sections[0] if n == 0 else word.add_section(WD_SECTION.NEW_PAGE)
        _page(section, _section_element(word))
        _lay_out(word, document, first=n == 0)
    out = io.BytesIO()
    word.save(out)
    return _with_fallbacks(out.getvalue())


def _section_element(word: DocxDocument) -> Any:
    """The `w:sectPr` of the section being written: the body's last (python-docx moves earlier ones up)."""
    body = word.element.body
    element = body.find(qn("w:sectPr"))
    assert element is not None
    return element


def _defaults(word: DocxDocument) -> None:
    style = word.styles["Normal"]
    style.font.size = BODY_SIZE
    _fonts(style.element.get_or_add_rPr(), BODY_FONT)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(0)
    word.settings.odd_and_even_pages_header_footer = True


def _page(section: object, properties: Any) -> None:
    """Paper, margins, the 22-line grid, page numbers restarting at 1 (`properties`: its w:sectPr)."""
    from docx.section import Section

    assert isinstance(section, Section)
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    top, right, bottom, left = MARGINS_MM
    section.top_margin, section.right_margin = Mm(top), Mm(right)
    section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
    section.header_distance = Mm(15)
    # The page number's line sits 7 mm below the block (一字线上距版心下边缘7mm).
    section.footer_distance = Mm(bottom - 7) - Pt(14)
    grid = properties.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        _insert(properties, grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH.twips))
    if properties.find(qn("w:pgNumType")) is None:  # a new section copies its predecessor's
        numbering = OxmlElement("w:pgNumType")
        numbering.set(qn("w:start"), "1")
        _insert(properties, numbering)
    _page_numbers(section)


def _page_numbers(section: object) -> None:
    """— 1 —, 4号宋体: odd pages on the right, even on the left, one character in (单页码居右空一字)."""
    from docx.section import Section

    assert isinstance(section, Section)
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        indent = Pt(14)
        if align is WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = indent
        else:
            paragraph.paragraph_format.left_indent = indent
        _run(paragraph, "— ", "宋体", _IMPRINT_SIZE)
        _field(paragraph, "PAGE", "宋体")
        _run(paragraph, " —", "宋体", _IMPRINT_SIZE)


def _lay_out(word: DocxDocument, document: OfficialDocument, *, first: bool) -> None:
    mark = _paragraph(word, WD_ALIGN_PARAGRAPH.CENTER, exact=False, first=first)
    # The mark's top edge is 35 mm below the block's top edge (上边缘至版心上边缘为35mm).
    mark.paragraph_format.space_before = Mm(35)
    size = min(_MARK_MAX, Pt(int(Mm(TEXT_BLOCK_MM[0]).pt // max(len(document.red_mark), 1))))
    _run(mark, document.red_mark, TITLE_FONT, Emu(size), color=RED)
    _blank(word, 2)  # the number two lines below the mark (发文机关标志下空二行)
    number = _paragraph(word, WD_ALIGN_PARAGRAPH.CENTER)
    _run(number, document.number, BODY_FONT, BODY_SIZE)
    # The red separator 4 mm under the number, as wide as the block.
    _border(number, "bottom", size=12, color="FF0000", space=int(Mm(4).pt))
    _blank(word, 2)  # the title two lines below the separator
    title = _paragraph(word, WD_ALIGN_PARAGRAPH.CENTER)
    _run(title, document.title, TITLE_FONT, TITLE_SIZE)
    _blank(word, 1)
    if document.addressees:
        _run(_paragraph(word), document.addressee_line(), BODY_FONT, BODY_SIZE)
    _blocks(word, document.body)
    if document.annexes:
        _blank(word, 1)
        for line in document.annex_note():
            paragraph = _paragraph(word)
            paragraph.paragraph_format.left_indent = Pt(32)
            _run(paragraph, line, BODY_FONT, BODY_SIZE)
    _signature(word, document)
    for annex in document.annexes:
        _annex(word, annex)
    _imprint(word, document)


def _signature(word: DocxDocument, document: OfficialDocument) -> None:
    """The issuer two characters from the right, the date under it, its first character two further in."""
    _blank(word, 1)
    signature, day = document.issuer, chinese_date(document.issued_on)
    width_sig, width_day = _width(signature), _width(day)
    # 成文日期右空四字; a date longer than the signature pushes the signature left instead.
    day_right = max(width_sig - width_day - 2, 0) + 2 if width_sig >= width_day + 2 else 2
    sig_right = day_right + width_day + 2 - width_sig
    for text, right in ((signature, sig_right), (day, day_right)):
        paragraph = _paragraph(word, WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(16 * right)
        _run(paragraph, text, BODY_FONT, BODY_SIZE)


def _width(text: str) -> float:
    """Characters a text takes on a line: a Chinese character 1, a Latin letter or digit about ½."""
    return sum(0.6 if ord(c) < 0x2E80 else 1.0 for c in text)  # digits are a little wider than half


def _annex(word: DocxDocument, annex: Annex) -> None:
    heading = _paragraph(word)
    heading.add_run().add_break(WD_BREAK.PAGE)
    _run(heading, "附件", HEADING_FONTS[1], BODY_SIZE)
    _blank(word, 1)
    title = _paragraph(word, WD_ALIGN_PARAGRAPH.CENTER)
    _run(title, annex.title, TITLE_FONT, TITLE_SIZE)
    _blank(word, 1)
    _blocks(word, annex.blocks)


def _blocks(word: DocxDocument, blocks: Sequence[Block]) -> None:
    for block in blocks:
        if isinstance(block, Table):
            _table(word, block)
        elif isinstance(block, Heading):
            paragraph = _paragraph(word)
            paragraph.paragraph_format.first_line_indent = Pt(32)
            paragraph.paragraph_format.keep_with_next = True
            run = _run(paragraph, block.text, HEADING_FONTS.get(block.level, BODY_FONT), BODY_SIZE)
            run.bold = block.level == 3 or None
        elif isinstance(block, Paragraph):
            paragraph = _paragraph(word, WD_ALIGN_PARAGRAPH.JUSTIFY)
            paragraph.paragraph_format.first_line_indent = Pt(32)
            _run(paragraph, block.text, BODY_FONT, BODY_SIZE)


def _table(word: DocxDocument, block: Table) -> None:
    table = word.add_table(rows=1, cols=len(block.headers))
    table.style = word.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = _table_size(block)
    widths = _column_widths(block, size)
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid: what LibreOffice lays out by
    header = table.rows[0]
    _repeat_header(_table_element(word))
    for n, text in enumerate(block.headers):
        _cell(header.cells[n], text, widths[n], WD_ALIGN_PARAGRAPH.CENTER, HEADING_FONTS[1], size=size)
    for row in block.rows:
        added = table.add_row()
        cells = added.cells
        for n, text in enumerate(row):
            align = WD_ALIGN_PARAGRAPH.RIGHT if n in block.numeric else WD_ALIGN_PARAGRAPH.LEFT
            _cell(cells[n], text, widths[n], align, BODY_FONT, size=size)
    for tr in _table_element(word).tr_lst:  # a row is never split across two pages
        tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    _paragraph(word)  # a table is followed by a line, so the next text does not touch it


def _needs(block: Table) -> list[float]:
    """Characters each column's longest line takes (at least 2), and 1.6 more for the cell's margins."""
    needs = []
    for n, head in enumerate(block.headers):
        longest = max([_width(head), *(_width(line) for r in block.rows for line in r[n].splitlines())])
        needs.append(max(longest, 2.0) + 1.6)
    return needs


def _table_size(block: Table) -> Pt:
    """小四 when the columns fit the block at that size, else 五号."""
    fits = sum(min(w, _SHORT + 3) for w in _needs(block)) <= Mm(TEXT_BLOCK_MM[0]).pt / _TABLE_SIZE.pt
    return _TABLE_SIZE if fits else _WIDE_TABLE_SIZE


def _column_widths(block: Table, size: Pt = _TABLE_SIZE) -> list[Emu]:
    """Widths sharing the block's 156 mm: short columns get what their longest line needs, long ones the rest.

    Measured in characters of the table's size (a cell's margins count one
    more), so a problem number or a level (等级) is not broken when it fits.
    """
    available = Mm(TEXT_BLOCK_MM[0]).pt / size.pt
    needs = _needs(block)
    short = [w if w <= _SHORT else 0.0 for w in needs]
    rest = available - sum(short)
    long_total = sum(w for w in needs if w > _SHORT)
    if sum(needs) <= available or not long_total or rest < available / 3:
        shares = [
            w * available / sum(needs) for w in needs
        ]  # everything fits, or nothing does: in proportion
    else:
        shares = [s or w * rest / long_total for s, w in zip(short, needs, strict=True)]
    return [Emu(int(Mm(TEXT_BLOCK_MM[0]) * s / available)) for s in shares]


def _cell(cell: _Cell, text: str, width: Emu, align: WD_ALIGN_PARAGRAPH, font: str, *, size: Pt) -> None:
    """A cell's lines, single-spaced and off the page's 22-line grid (a table row is not 28.95 pt a line)."""
    cell.width = width
    for n, line in enumerate(text.splitlines() or [""]):
        paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        paragraph.alignment = align
        off_grid = OxmlElement("w:snapToGrid")
        off_grid.set(qn("w:val"), "0")
        _insert(paragraph.paragraph_format.element.get_or_add_pPr(), off_grid)
        _run(paragraph, line, font, size)


def _repeat_header(table: Any) -> None:
    """The header row printed again at the top of each page the table continues on (`table`: its w:tbl)."""
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.tr_lst[0].get_or_add_trPr().append(repeat)


def _table_element(word: DocxDocument) -> Any:
    """The `w:tbl` just added: the body's last table."""
    return word.element.body.findall(qn("w:tbl"))[-1]


def _imprint(word: DocxDocument, document: OfficialDocument) -> None:
    """版记 at the foot of the last page: 抄送, then 印发机关 and 印发日期, between black rules.

    It is a floating table anchored to the bottom of the text block, so it
    sits at the foot however long the body is; the first and last rules are
    0.35 mm (1 pt), the one between 0.25 mm (½ pt).
    """
    lines: list[tuple[str, str]] = []
    if document.copies_to:
        lines.append(("抄送：" + "，".join(document.copies_to) + "。", ""))
    lines.append((document.printer, f"{chinese_date(document.print_day)}印发"))
    table = word.add_table(rows=len(lines), cols=1)
    properties = _table_element(word).tblPr
    floating = OxmlElement("w:tblpPr")
    # Its bottom on the block's bottom edge (LibreOffice places a page-anchored table by its top).
    top = Emu(Mm(MARGINS_MM[0] + TEXT_BLOCK_MM[1]) - (_IMPRINT_LINE + Pt(2)) * len(lines))
    for key, value in (
        ("w:vertAnchor", "page"),
        ("w:horzAnchor", "margin"),
        ("w:tblpXSpec", "center"),
        ("w:tblpY", str(top.twips)),
    ):
        floating.set(qn(key), value)
    style = properties.find(qn("w:tblStyle"))
    properties.insert(0 if style is None else 1, floating)
    borders = OxmlElement("w:tblBorders")
    for side, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0), ("insideH", 4), ("insideV", 0)):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single" if size else "nil")
        if size:
            edge.set(qn("w:sz"), str(size))
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "000000")
        borders.append(edge)
    look = properties.find(qn("w:tblLook"))
    if look is None:
        properties.append(borders)
    else:
        look.addprevious(borders)
    table.columns[0].width = _IMPRINT_WIDTH
    width = properties.find(qn("w:tblW"))
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(_IMPRINT_WIDTH.twips))
    for row, (left, right) in zip(table.rows, lines, strict=True):
        cell = row.cells[0]
        cell.width = _IMPRINT_WIDTH
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.left_indent = Pt(14)
        paragraph.paragraph_format.right_indent = Pt(14)
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph.paragraph_format.line_spacing = _IMPRINT_LINE
        _run(paragraph, left, BODY_FONT, _IMPRINT_SIZE)
        if right:
            from docx.enum.text import WD_TAB_ALIGNMENT

            paragraph.paragraph_format.tab_stops.add_tab_stop(
                Emu(_IMPRINT_WIDTH - Pt(28)), WD_TAB_ALIGNMENT.RIGHT
            )
            _run(paragraph, "\t" + right, BODY_FONT, _IMPRINT_SIZE)
    word.add_paragraph()  # a floating table needs a paragraph to anchor to


def _paragraph(
    word: DocxDocument, align: WD_ALIGN_PARAGRAPH | None = None, *, exact: bool = True, first: bool = False
) -> DocxParagraph:
    """A new paragraph on the 28.95 pt line pitch (or single spacing with `exact` false)."""
    if first and word.paragraphs and not word.paragraphs[0].text and len(word.paragraphs) == 1:
        paragraph = word.paragraphs[0]
    else:
        paragraph = word.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if exact:
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph.paragraph_format.line_spacing = LINE_PITCH
    return paragraph


def _blank(word: DocxDocument, lines: int) -> None:
    for _ in range(lines):
        _paragraph(word)


def _run(
    paragraph: DocxParagraph, text: str, font: str, size: Emu | Pt, *, color: RGBColor | None = None
) -> Run:
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.name = font
    _fonts(run.element.get_or_add_rPr(), font)
    if color is not None:
        run.font.color.rgb = color
    if size == BODY_SIZE:
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(_CHAR_TIGHTEN))
        _insert(run.element.get_or_add_rPr(), spacing)
    return run


def _fonts(properties: object, font: str) -> None:
    """Name `font` for every script (East Asian text, Latin letters and digits)."""
    from docx.oxml.text.font import CT_RPr

    assert isinstance(properties, CT_RPr)
    fonts = properties.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)


def _field(paragraph: DocxParagraph, instruction: str, font: str) -> None:
    """A field (PAGE) Word and LibreOffice compute when they lay the page out."""
    run = _run(paragraph, "", font, _IMPRINT_SIZE)
    element = run.element
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for part in (begin, text, separate, shown, end):
        element.append(part)


def _border(paragraph: DocxParagraph, side: str, *, size: int, color: str, space: int = 1) -> None:
    """A paragraph rule (`size` in eighths of a point), `space` points from the text."""
    properties = paragraph.paragraph_format.element.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        _insert(properties, borders)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))
    edge.set(qn("w:space"), str(space))
    edge.set(qn("w:color"), color)
    borders.append(edge)


#: The order WordprocessingML requires of a paragraph's and a run's properties (the ones written here).
_ORDER = {
    qn("w:sectPr"): tuple(
        qn(t)
        for t in (
            "w:headerReference",
            "w:footerReference",
            "w:footnotePr",
            "w:endnotePr",
            "w:type",
            "w:pgSz",
            "w:pgMar",
            "w:paperSrc",
            "w:pgBorders",
            "w:lnNumType",
            "w:pgNumType",
            "w:cols",
            "w:formProt",
            "w:vAlign",
            "w:noEndnote",
            "w:titlePg",
            "w:textDirection",
            "w:bidi",
            "w:rtlGutter",
            "w:docGrid",
            "w:printerSettings",
            "w:sectPrChange",
        )
    ),
    qn("w:pPr"): tuple(
        qn(t)
        for t in (
            "w:pStyle",
            "w:keepNext",
            "w:keepLines",
            "w:pageBreakBefore",
            "w:framePr",
            "w:widowControl",
            "w:numPr",
            "w:suppressLineNumbers",
            "w:pBdr",
            "w:shd",
            "w:tabs",
            "w:suppressAutoHyphens",
            "w:kinsoku",
            "w:wordWrap",
            "w:overflowPunct",
            "w:topLinePunct",
            "w:autoSpaceDE",
            "w:autoSpaceDN",
            "w:bidi",
            "w:adjustRightInd",
            "w:snapToGrid",
            "w:spacing",
            "w:ind",
            "w:contextualSpacing",
            "w:mirrorIndents",
            "w:suppressOverlap",
            "w:jc",
            "w:textDirection",
            "w:textAlignment",
            "w:textboxTightWrap",
            "w:outlineLvl",
            "w:divId",
            "w:cnfStyle",
            "w:rPr",
            "w:sectPr",
            "w:pPrChange",
        )
    ),
    qn("w:rPr"): tuple(
        qn(t)
        for t in (
            "w:rStyle",
            "w:rFonts",
            "w:b",
            "w:bCs",
            "w:i",
            "w:iCs",
            "w:caps",
            "w:smallCaps",
            "w:strike",
            "w:dstrike",
            "w:outline",
            "w:shadow",
            "w:emboss",
            "w:imprint",
            "w:noProof",
            "w:snapToGrid",
            "w:vanish",
            "w:webHidden",
            "w:color",
            "w:spacing",
            "w:w",
            "w:kern",
            "w:position",
            "w:sz",
            "w:szCs",
            "w:highlight",
            "w:u",
            "w:effect",
            "w:bdr",
            "w:shd",
            "w:fitText",
            "w:vertAlign",
            "w:rtl",
            "w:cs",
            "w:em",
            "w:lang",
            "w:eastAsianLayout",
            "w:specVanish",
            "w:oMath",
        )
    ),
}


def _insert(parent: Any, element: Any) -> None:
    """Insert `element` where the schema's order of `parent`'s children puts it (Word checks the order)."""
    order = _ORDER.get(parent.tag, ())
    if element.tag not in order:
        parent.append(element)
        return
    rank = order.index(element.tag)
    for n, child in enumerate(parent):
        if child.tag in order and order.index(child.tag) > rank:
            parent.insert(n, element)
            return
    parent.append(element)


def _with_fallbacks(data: bytes) -> bytes:
    """The .docx `data` with each font's fallbacks named in its font table (w:altName), for Word."""
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml.parser import parse_xml

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/fontTable.xml":
                root = parse_xml(content)
                for font, alternatives in FALLBACKS.items():
                    element = OxmlElement("w:font", {qn("w:name"): font})
                    element.append(OxmlElement("w:altName", {qn("w:val"): ";".join(alternatives)}))
                    element.append(OxmlElement("w:charset", {qn("w:val"): "86"}))  # GB2312
                    root.append(element)
                content = serialize_part_xml(root)
            target.writestr(item, content)
    return out.getvalue()
