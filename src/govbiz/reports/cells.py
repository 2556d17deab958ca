"""Spreadsheet cells that cannot run: neutralising formula injection (公式注入防护).

A spreadsheet program treats a cell that starts with `=`, `+`, `-` or `@`
as a formula, and a formula can run commands or send data away
(`=HYPERLINK(...)`, `=cmd|'/c calc'!A1`).  An enterprise name or a problem
description typed by anyone must never become one.  Following the OWASP
advice on CSV injection, such a text value is written with a leading
apostrophe (`'=1+1`): every spreadsheet shows it as text, and the
apostrophe is visible, so nothing is silently changed.  Tab and carriage
return are included because some programs skip them before deciding.

`restore` undoes it on import, so a ledger exported and imported again
comes back exactly as it was.

`cell_text` also replaces what no workbook can hold: control characters
other than tab and line breaks (an xlsx file is XML, which has no place for
them, and openpyxl refuses the whole workbook) and lone surrogates (which
no UTF-8 file can hold).  The commands refuse such characters
(`govbiz.domain.text`), but a record stored by an earlier govbiz may hold
one, and it must not stop the county's export: each becomes U+FFFD (�), so
the cell shows that something was there.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_STARTS", "REPLACEMENT", "cell_text", "neutralise", "printable", "restore"]

#: First characters that make a spreadsheet program read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARD = "'"


#: What stands for a character no workbook can hold.
REPLACEMENT = "\ufffd"
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """`text` with the characters an xlsx or UTF-8 file cannot hold replaced by U+FFFD."""
    return _UNWRITABLE.sub(REPLACEMENT, text)


def cell_text(text: str) -> str:
    """`text` as a spreadsheet cell holds it: `printable`, then `neutralise`."""
    return neutralise(printable(text))


def neutralise(text: str) -> str:
    """`text` made safe for a spreadsheet cell: `'` before a formula-like start."""
    return _GUARD + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """Undo `neutralise`: drop the `'` that guards a formula-like value."""
    if text.startswith(_GUARD) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
