"""Who issues a document and how it is numbered (发文机关, 发文字号, 主送, 抄送): options with defaults.

A county states these once, in the `[documents]` table of its configuration
file (`govbiz.config`), and any of them can be given for one document on
the command line.  What neither gives is derived from the county's name:
the issuer 张家界市政企面对面工作办公室, the number prefix 张督通 (circular),
张交办 (assignment notice) or 张督办 (reminder), number 1 of the year of the
document.
"""

from __future__ import annotations

from datetime import date

import attrs

__all__ = ["KIND_PREFIXES", "DocumentSettings", "document_number"]

#: The default number prefix of each kind of document, after the county's first character.
KIND_PREFIXES = {"circular": "督通", "assignment": "交办", "reminder": "督办"}


@attrs.frozen(slots=True)
class DocumentSettings:
    """What heads and closes every document an office sends.

    `issuer` is the issuing office (发文机关) and `mark` its red line
    (发文机关标志; the issuer when empty); `prefix` the number's prefix
    (机关代字, e.g. 张督通) and `number` the sequence number of the first
    document (a set of notices counts up from it); `addressees` the main
    addressees (主送; each document's own when empty), `copies_to` 抄送,
    `printed_by` 印发机关 (the issuer when empty), `issued_on` 成文日期.
    """

    issuer: str
    issued_on: date
    prefix: str = ""
    number: int = 1
    mark: str = ""
    addressees: tuple[str, ...] = ()
    copies_to: tuple[str, ...] = ()
    printed_by: str = ""

    @classmethod
    def default(cls, county_name: str, issued_on: date) -> DocumentSettings:
        """The settings derived from the county's name alone."""
        return cls(issuer=f"{county_name}政企面对面工作办公室", issued_on=issued_on, prefix=county_name[:1])

    def prefix_for(self, kind: str) -> str:
        """The number prefix of a `kind` of document: `prefix` if a whole 代字, else with the kind's."""
        if len(self.prefix) > 1:
            return self.prefix
        return self.prefix + KIND_PREFIXES.get(kind, "")

    def number_text(self, kind: str, offset: int = 0) -> str:
        """The document number (发文字号) of the `offset`-th document of a set: 张督通〔2023〕5号."""
        return document_number(self.prefix_for(kind), self.issued_on.year, self.number + offset)


def document_number(prefix: str, year: int, number: int) -> str:
    """A document number as GB/T 9704 prints it, the year in 六角括号 〔〕: 张督通〔2023〕5号."""
    return f"{prefix}〔{year}〕{number}号"
