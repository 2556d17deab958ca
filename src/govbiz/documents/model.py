"""An official document (公文) as a plain value: what GB/T 9704-2012 lays out.

A document has the parts the standard names, top to bottom: the issuing
office's mark (发文机关标志, printed in red), the document number
(发文字号, e.g. 张督通〔2023〕5号) above the red separator, the title (标题),
the addressees (主送机关), the body (正文: headings, paragraphs, tables), the
annex note (附件说明), the issuing office's signature (发文机关署名) and date
(成文日期), the annexes (附件), and the imprint at the foot of the last page
(版记: 抄送, 印发机关 and 印发日期).

A format (the `docx` format of the govbiz-docx plugin, `govbiz.documents.html`)
lays it out; the value itself knows nothing of pages or fonts.  A
`DocumentSet` is several documents in one file, each starting on a new page
(the assignment notices of one reception day, one per department).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

__all__ = [
    "Annex",
    "Block",
    "DocumentSet",
    "Heading",
    "OfficialDocument",
    "Paragraph",
    "Table",
    "chinese_date",
]


@attrs.frozen(slots=True)
class Heading:
    """A heading of the body (结构层次序数): level 1 is 一、, 2 is （一）, 3 is 1., 4 is （1）.

    The text carries its own numeral, as a clerk types it.
    """

    level: int
    text: str


@attrs.frozen(slots=True)
class Paragraph:
    """A paragraph of the body, indented two characters on its first line."""

    text: str


@attrs.frozen(slots=True)
class Table:
    """A table of the body: a header row and rows of text; `numeric` columns align right."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()
    caption: str = ""


#: What a document's body is made of.
Block = Heading | Paragraph | Table


@attrs.frozen(slots=True)
class Annex:
    """An annex (附件), printed after the signature on a page of its own."""

    title: str
    blocks: tuple[Block, ...]


@attrs.frozen(slots=True)
class OfficialDocument:
    """One official document (公文), ready to lay out.

    `issuer` is the issuing office (发文机关), `mark` the red line printed at
    the top (发文机关标志, often the office's name followed by 文件; the
    issuer when empty); `number` the document number (发文字号, e.g.
    张督通〔2023〕5号); `addressees` the main addressees (主送机关);
    `issued_on` the date of the document (成文日期); `copies_to` the offices a
    copy goes to (抄送机关); `printed_by` and `printed_on` the office that
    printed it and when (印发机关, 印发日期; the issuer and the issue date when
    empty).  `kind` names what the document is (circular, assignment, reminder).
    """

    kind: str
    issuer: str
    number: str
    title: str
    addressees: tuple[str, ...]
    body: tuple[Block, ...]
    issued_on: date
    annexes: tuple[Annex, ...] = ()
    copies_to: tuple[str, ...] = ()
    printed_by: str = ""
    printed_on: date | None = None
    mark: str = ""

    @property
    def red_mark(self) -> str:
        """The red line at the top: `mark`, else the issuer."""
        return self.mark or self.issuer

    @property
    def printer(self) -> str:
        """The printing office (印发机关): `printed_by`, else the issuer."""
        return self.printed_by or self.issuer

    @property
    def print_day(self) -> date:
        """The printing date (印发日期): `printed_on`, else the date of the document."""
        return self.printed_on or self.issued_on

    def addressee_line(self) -> str:
        """The addressees as printed: joined with 、 and ending with a full-width colon."""
        return "、".join(self.addressees) + "：" if self.addressees else ""

    def annex_note(self) -> tuple[str, ...]:
        """The annex note under the body (附件说明): 附件：1. … , one line per annex."""
        if not self.annexes:
            return ()
        if len(self.annexes) == 1:
            return (f"附件：{self.annexes[0].title}",)
        return tuple(
            ("附件：" if i == 0 else "　　　") + f"{i + 1}. {a.title}" for i, a in enumerate(self.annexes)
        )

    def text(self) -> str:
        """Every line of the document as plain text, in order (for search and tests)."""
        lines = [self.red_mark, self.number, self.title, self.addressee_line()]
        lines += _block_lines(self.body)
        lines += [*self.annex_note(), self.issuer, chinese_date(self.issued_on)]
        for annex in self.annexes:
            lines += ["附件", annex.title, *_block_lines(annex.blocks)]
        if self.copies_to:
            lines.append("抄送：" + "，".join(self.copies_to) + "。")
        lines.append(f"{self.printer}　{chinese_date(self.print_day)}印发")
        return "\n".join(line for line in lines if line) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data."""
        return {
            "kind": self.kind,
            "issuer": self.issuer,
            "mark": self.red_mark,
            "number": self.number,
            "title": self.title,
            "addressees": list(self.addressees),
            "issued_on": self.issued_on.isoformat(),
            "copies_to": list(self.copies_to),
            "printed_by": self.printer,
            "printed_on": self.print_day.isoformat(),
            "annexes": [a.title for a in self.annexes],
            "text": self.text(),
        }


def _block_lines(blocks: tuple[Block, ...]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            lines += [block.caption, "　".join(block.headers), *("　".join(r) for r in block.rows)]
        else:
            lines.append(block.text)
    return lines


@attrs.frozen(slots=True)
class DocumentSet:
    """Several documents in one file, each from a new page (implements `govbiz.ports.Report`)."""

    title: str
    documents: tuple[OfficialDocument, ...]

    def to_dict(self) -> dict[str, Any]:
        """Every document as JSON-ready data."""
        return {"kind": "documents", "title": self.title, "documents": [d.to_dict() for d in self.documents]}


def chinese_date(day: date) -> str:
    """A date as a document prints it (成文日期, Arabic numerals, no leading zeros): 2023年11月15日."""
    return f"{day.year}年{day.month}月{day.day}日"
