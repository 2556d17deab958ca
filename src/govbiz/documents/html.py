"""An official document as an HTML page a browser prints in the GB/T 9704 layout (公文网页版).

`document_page` is one self-contained page (no script, font file or link:
intranets are offline): A4 with the standard's margins (`@page`), the red
issuing-office line and separator, the title, 主送, headings, real tables,
the signature and date, each annex on a new printed page and the imprint
(版记).  `document_html` is the same document as a fragment, which the HTML
report embeds for its circular (`header=False` leaves out the red lines).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from govbiz import __version__
from govbiz.documents.model import (
    Block,
    DocumentSet,
    Heading,
    OfficialDocument,
    Paragraph,
    Table,
    chinese_date,
)
from govbiz.errors import ValidationError
from govbiz.ports.report_format import Report

__all__ = ["DOCUMENT_CSS", "document_html", "document_page"]

#: Fonts for a document, the standard's first (仿宋_GB2312, 小标宋), then what Windows, macOS and Linux have.
BODY_FONTS = '"仿宋_GB2312", "仿宋", FangSong, STFangsong, "Noto Serif CJK SC", "WenQuanYi Zen Hei", serif'
TITLE_FONTS = (
    '"方正小标宋简体", "小标宋", "华文中宋", STZhongsong, "宋体", SimSun, "Noto Serif CJK SC", serif'
)
HEADING_FONTS = '"黑体", SimHei, STHeiti, "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'
KAI_FONTS = '"楷体_GB2312", "楷体", KaiTi, STKaiti, "Noto Serif CJK SC", serif'

#: The document's styles: 3号 (16 pt) body on 28.95 pt lines, 2号 (22 pt) title, red mark and rule.
DOCUMENT_CSS = f"""
.gongwen {{ font-family: {BODY_FONTS}; font-size: 16pt; line-height: 28.95pt; color: #000;
           max-width: 156mm; margin: 0 auto; }}
.gongwen p {{ margin: 0; text-align: justify; }}
.gongwen p.body {{ text-indent: 2em; }}
.gongwen .mark {{ font-family: {TITLE_FONTS}; color: #e00; text-align: center; font-size: 30pt;
                 line-height: 1.3; margin-top: 35mm; letter-spacing: 0.05em; }}
.gongwen .number {{ text-align: center; margin-top: 2em; padding-bottom: 4mm;
                   border-bottom: 2px solid #e00; }}
.gongwen h1 {{ font-family: {TITLE_FONTS}; font-size: 22pt; font-weight: normal; text-align: center;
              line-height: 28.95pt; margin: 2em 0 1em; }}
.gongwen h2 {{ font-family: {HEADING_FONTS}; font-size: 16pt; font-weight: normal; margin: 0;
              text-indent: 2em; border: none; padding: 0; }}
.gongwen h3 {{ font-family: {KAI_FONTS}; font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em; }}
.gongwen h4, .gongwen h5 {{ font-size: 16pt; font-weight: bold; margin: 0; text-indent: 2em; }}
.gongwen table {{ border-collapse: collapse; width: 100%; margin: 0.3em 0 0.6em; font-size: 12pt;
                 line-height: 1.4; page-break-inside: auto; }}
.gongwen th, .gongwen td {{ border: 1px solid #000; padding: 2px 5px; vertical-align: top; }}
.gongwen th {{ font-family: {HEADING_FONTS}; font-weight: normal; background: none; text-align: center; }}
.gongwen td.num {{ text-align: right; white-space: nowrap; }}
.gongwen td {{ white-space: pre-line; }}
.gongwen thead {{ display: table-header-group; }}
.gongwen tr {{ page-break-inside: avoid; }}
.gongwen .annex-note {{ margin-top: 1em; padding-left: 2em; }}
.gongwen .signature {{ margin-top: 1em; text-align: right; padding-right: 4em; }}
.gongwen .date {{ text-align: right; padding-right: 4em; }}
.gongwen .annex {{ page-break-before: always; margin-top: 2em; }}
.gongwen .annex-label {{ font-family: {HEADING_FONTS}; }}
.gongwen .imprint {{ margin-top: 3em; border-top: 1pt solid #000; border-bottom: 1pt solid #000;
                    font-size: 14pt; line-height: 1.8; page-break-inside: avoid; }}
.gongwen .imprint p {{ padding: 0 1em; }}
.gongwen .imprint p + p {{ border-top: 0.5pt solid #000; }}
.gongwen .imprint .printed {{ display: flex; justify-content: space-between; }}
.gongwen + .gongwen {{ page-break-before: always; }}
"""

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="govbiz {version}">
<title>{title}</title>
<style>
/* Self-contained: no web font, no script, no image, no link (intranets are offline).
   GB/T 9704-2012: A4, top 37 mm, left 28 mm, text block 156 x 225 mm. */
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}
body {{ margin: 2em auto; background: #fff; }}
@media print {{ body {{ margin: 0; }} .gongwen .mark {{ margin-top: 35mm; }} }}
{css}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def document_page(report: Report) -> str:
    """An `OfficialDocument` or a `DocumentSet` (each from a new printed page) as one HTML page."""
    if isinstance(report, OfficialDocument):
        documents: Sequence[OfficialDocument] = (report,)
    elif isinstance(report, DocumentSet):
        documents = report.documents
    else:
        raise ValidationError("report", type(report).__name__, "an HTML document page is of a 公文")
    body = "\n".join(document_html(d) for d in documents)
    return _PAGE.format(version=__version__, title=escape(report.title), css=DOCUMENT_CSS, body=body)


def document_html(document: OfficialDocument, *, header: bool = True) -> str:
    """The document as an `<article class="gongwen">`; without `header`, no red mark, number or imprint."""
    parts = ['<article class="gongwen">']
    if header:
        parts += [
            f'<p class="mark">{escape(document.red_mark)}</p>',
            f'<p class="number">{escape(document.number)}</p>',
        ]
    parts.append(f"<h1>{escape(document.title)}</h1>")
    if document.addressees:
        parts.append(f'<p class="addressees">{escape(document.addressee_line())}</p>')
    parts += _blocks(document.body)
    if document.annexes:
        parts.append(
            '<div class="annex-note">'
            + "".join(f"<p>{escape(x)}</p>" for x in document.annex_note())
            + "</div>"
        )
    if header:
        parts += [
            f'<p class="signature">{escape(document.issuer)}</p>',
            f'<p class="date">{escape(chinese_date(document.issued_on))}</p>',
        ]
    for annex in document.annexes:
        parts += [
            '<section class="annex">',
            '<p class="annex-label">附件</p>',
            f"<h1>{escape(annex.title)}</h1>",
            *_blocks(annex.blocks),
            "</section>",
        ]
    if header:
        parts.append(_imprint(document))
    parts.append("</article>")
    return "\n".join(parts)


def _blocks(blocks: Iterable[Block]) -> list[str]:
    out = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(block.level + 1, 5)
            out.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            out.append(f'<p class="body">{escape(block.text)}</p>')
        elif isinstance(block, Table):
            out.append(_table(block))
    return out


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    rows = []
    for row in table.rows:
        cells = "".join(
            f'<td class="num">{escape(c)}</td>' if n in table.numeric else f"<td>{escape(c)}</td>"
            for n, c in enumerate(row)
        )
        rows.append(f"<tr>{cells}</tr>")
    caption = f"<caption>{escape(table.caption)}</caption>" if table.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _imprint(document: OfficialDocument) -> str:
    lines = []
    if document.copies_to:
        lines.append(f"<p>抄送：{escape('，'.join(document.copies_to))}。</p>")
    lines.append(
        f'<p class="printed"><span>{escape(document.printer)}</span>'
        f"<span>{escape(chinese_date(document.print_day))}印发</span></p>"
    )
    return '<div class="imprint">' + "".join(lines) + "</div>"
